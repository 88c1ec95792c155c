package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.rnnkernels.lightrnn.WordTableTest.assertMessage;

import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.train.TorchInit;

/** Bad arguments: an IllegalArgumentException naming the argument and what was expected, before any state changes. */
class LightRnnBadInputTest {
    private final LightRnnFixture f = new LightRnnFixture(CellType.LSTM, WordTable.sequential(10, 3, 4), 5, 6, 1, 1f, 1f);
    private final TorchInit.Weights w = f.weights;

    private RecurrentLayer layer() {
        return RecurrentLayer.create(LayerWeights.of(f.type, f.embedding, f.hidden)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .mi((MiParameters) null)
                .build(), org.rnnkernels.blas.Blases.get());
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
            assertMessage(() -> LightRnn.create(f.table, f.xr, f.xc, f.yr, f.yc, null), "layer is null");
        }
    }

    @Test
    void badWordsOrArraysLeaveTheStateAsItWas() {
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            model.logProbabilities(new int[] {3, 9, 0}, state, new float[3]);
            float[] h = state.layerState().hidden();
            float[] c = state.layerState().cell();

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
            assertArrayEquals(h, state.layerState().hidden());
            assertArrayEquals(c, state.layerState().cell());
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
