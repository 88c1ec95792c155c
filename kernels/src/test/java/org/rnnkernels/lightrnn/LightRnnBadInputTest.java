package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.rnnkernels.lightrnn.WordTableTest.assertMessage;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;

/** Bad arguments: an IllegalArgumentException naming the argument and what was expected, before any state changes. */
class LightRnnBadInputTest {
    private final LightRnnFixture f = new LightRnnFixture(CellType.LSTM, WordTable.sequential(10, 3, 4), 5, 6, 1, 1f, 1f);

    private RecurrentLayer layer() {
        return f.layers.get(0).layer(Blases.get());
    }

    @Test
    void tablesOfTheWrongShapeAreNamed() {
        try (RecurrentLayer layer = layer()) {
            assertMessage(() -> LightRnn.create(f.table, new float[14], f.xc, f.yr, f.yc, layer),
                    "xr has 14 floats, expected [R=3][E=5] = 15");
            assertMessage(() -> LightRnn.create(f.table, f.xr, new float[15], f.yr, f.yc, layer),
                    "xc has 15 floats, expected [C=4][E=5] = 20");
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, new float[15], f.yc, layer),
                    "yr has 15 floats, expected [R=3][H=6] = 18");
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, null, layer),
                    "yc is null, expected [C=4][H=6] = 24");
            assertMessage(() -> LightRnn.create(null, f.xr, f.xc, f.yr, f.yc, layer), "table is null");
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, f.yc, (RecurrentLayer) null), "layer is null");
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, f.yc, (RecurrentModel) null), "stack is null");
        }
    }

    @Test
    void aStackIsCheckedAgainstTheTablesAndMustRunForward() {
        // E = 5 into an LSTM of H = 6, then a GRU of H = 4: the output tables are [R][4], [C][4]
        LightRnnFixture stacked = new LightRnnFixture(List.of(LightRnnLayer.Spec.of(CellType.LSTM, 6),
                LightRnnLayer.Spec.of(CellType.GRU, 4)), WordTable.sequential(10, 3, 4), 5, 2, 1f);
        try (RecurrentModel stack = stacked.stack(Blases.get())) {
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, f.yc, stack),
                    "yr has 18 floats, expected [R=3][H=4] = 12");
            assertMessage(() -> LightRnn.create(f.table, new float[3 * 6], f.xc, stacked.yr, stacked.yc, stack),
                    "xr has 18 floats, expected [R=3][E=5] = 15");
        }
        try (RecurrentLayer forward = layer(); RecurrentLayer reverse = layer();
             RecurrentModel bidirectional = RecurrentModel.of(true, List.of(forward, reverse))) {
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, f.yc, bidirectional),
                    "stack is bidirectional: LightRNN predicts each word from the words before it");
            assertMessage(() -> LightRnnTrainer.of(f.table, f.xr, f.xc, f.yr, f.yc, bidirectional, 1),
                    "stack is bidirectional");
        }
        try (LightRnn model = stacked.model()) {
            LightRnnState state = model.newState();
            assertEquals(2, model.numLayers());
            assertEquals(2, state.numLayers());
            assertMessage(() -> state.layerState(2), "layerState(2): the model has 2 layer(s)");
            assertMessage(() -> state.layerState(-1), "layerState(-1)");
            assertMessage(() -> model.layer(2), "layer(2): the stack has 2 layer(s)");
        }
    }

    @Test
    void badWordsOrArraysLeaveTheStateAsItWas() {
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            model.logProbabilities(new int[] {3, 9, 0}, state, new float[3]);
            float[] h = state.layerState(0).hidden();
            float[] c = state.layerState(0).cell();

            assertMessage(() -> call(model, new int[] {1, 2, 10, 4}, state, new float[4]),
                    "words[2] = 10, expected a word id in [0, 10)");
            assertMessage(() -> call(model, new int[] {-1}, state, new float[1]), "words[0] = -1");
            assertMessage(() -> call(model, new int[] {1, 2}, state, new float[3]), "out has 3 floats, expected [T=2]");
            assertMessage(() -> call(model, new int[] {1}, state, null), "out is null");
            assertMessage(() -> call(model, null, state, new float[1]), "words is null");
            assertMessage(() -> call(model, new int[] {1}, null, new float[1]), "state is null");
            try (LightRnn other = f.model()) {
                assertMessage(() -> call(model, new int[] {1}, other.newState(), new float[1]), "another LightRnn");
            }
            assertArrayEquals(h, state.layerState(0).hidden());
            assertArrayEquals(c, state.layerState(0).cell());
        }
    }

    @Test
    void kOutOfRangeOrShortArrays() {
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            assertMessage(() -> topK(model, state, 0, new int[1], new float[1]), "k = 0, expected 1 <= k <= V = 10");
            assertMessage(() -> topK(model, state, 11, new int[11], new float[11]), "k = 11, expected 1 <= k <= V = 10");
            assertMessage(() -> topK(model, state, 3, new int[2], new float[3]), "words has 2 entries, expected at least k = 3");
            assertMessage(() -> topK(model, state, 3, new int[3], new float[2]), "logProbs has 2 floats, expected at least k = 3");
            assertMessage(() -> topK(model, state, 3, null, new float[3]), "words is null");
            assertMessage(() -> topK(model, null, 3, new int[3], new float[3]), "state is null");
        }
    }

    @Test
    void logSoftmaxChecksItsSlice() {
        assertMessage(() -> LogSoftmax.logSumExp(new float[3], 1, 3), "z[1 .. +3]");
        assertMessage(() -> LogSoftmax.logSumExp(new float[3], 0, 0), "z[0 .. +0]");
        assertMessage(() -> LogSoftmax.logSumExp(null, 0, 1), "z is null");
    }

    private static Object call(LightRnn model, int[] words, LightRnnState state, float[] out) {
        model.logProbabilities(words, state, out);
        return null;
    }

    private static Object topK(LightRnn model, LightRnnState state, int k, int[] words, float[] logProbs) {
        model.topK(state, k, words, logProbs);
        return null;
    }
}
