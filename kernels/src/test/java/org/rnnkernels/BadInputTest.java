package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.rnnkernels.train.TorchInit;

/** Bad input: an IllegalArgumentException naming the argument and shapes, before anything is written. */
class BadInputTest {
    private final CellFixture f = new CellFixture(CellType.LSTM, 5, 7, 2, 3, 1L);
    private final Fixtures.Weights w = f.weights;

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' does not mention '" + fragment + "'");
        }
    }

    @Test
    void badWeightsAreRejected() {
        rejects(() -> RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 5, 7)
                .inputWeights(new float[3])
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build()),
                "W_ih", "[G*H=28][I=5]", "140");
        rejects(() -> RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 5, 7)
                .inputWeights(w.weightIh())
                .recurrentWeights(null)
                .biases(w.biasIh(), w.biasHh())
                .build()), "W_hh", "null");
        rejects(() -> RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 5, 7)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(new float[27], w.biasHh())
                .build()),
                "b_ih", "[G*H=28]");
        rejects(() -> RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 5, 7)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), null)
                .build()), "b_ih", "b_hh");
        rejects(() -> RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 0, 7)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build()), "inputSize");
        rejects(() -> RecurrentLayer.create(LayerWeights.of(null, 5, 7)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build()), "cell");
    }

    @Test
    void badCallsLeaveStateAndOutputUntouched() {
        try (RecurrentLayer layer = f.layer()) {
            LayerState state = f.initialState(layer);
            float[] h = state.hidden();
            float[] c = state.cell();
            float[] out = new float[f.steps * 2 * 7];
            Arrays.fill(out, 42f);
            float[] untouched = out.clone();

            rejects(() -> layer.forward(new float[f.x.length - 1], f.steps, state, out), "input", "[T=3][B=2][I=5]", "30");
            rejects(() -> layer.forward((float[]) null, f.steps, state, out), "input", "null");
            rejects(() -> layer.forward(f.x, f.steps, state, new float[5]), "output", "[T=3][B=2][H=7]");
            rejects(() -> layer.forward(f.x, -1, state, out), "steps");
            rejects(() -> layer.forward(f.x, f.steps, null, out), "state");
            rejects(() -> layer.step(new float[9], state, new float[14]), "input", "[T=1][B=2][I=5]");
            rejects(() -> state.setHidden(new float[13]), "hidden", "[2][7]");

            assertArrayEquals(untouched, out, "output written by a rejected call");
            assertArrayEquals(h, state.hidden(), "h changed by a rejected call");
            assertArrayEquals(c, state.cell(), "c changed by a rejected call");
        }
    }

    @Test
    void stateOfAnotherCellOrSizeIsRejected() {
        try (RecurrentLayer layer = f.layer();
             RecurrentLayer gru = RecurrentLayer.create(LayerWeights.of(CellType.GRU, 5, 7)
                     .inputWeights(new float[105])
                     .recurrentWeights(new float[147])
                     .build());
             RecurrentLayer wider = RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 5, 8)
                     .inputWeights(new float[160])
                     .recurrentWeights(new float[256])
                     .build())) {
            float[] out = new float[f.steps * 2 * 7];
            rejects(() -> layer.forward(f.x, f.steps, gru.newState(2), out), "state", "GRU", "expected a LSTM state with H=7");
            rejects(() -> layer.forward(f.x, f.steps, wider.newState(2), out), "state", "H=8");
        }
    }

    @Test
    void closedLayerRefusesWork() {
        RecurrentLayer layer = f.layer();
        LayerState state = f.initialState(layer);
        layer.close();
        layer.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> layer.forward(f.x, f.steps, state, new float[f.steps * 14]));
    }

    @Test
    void nanInInputsPropagatesToOutputs() {
        for (CellType type : CellType.values()) {
            CellFixture g = new CellFixture(type, 4, 17, 1, 3, 2L);
            float[] x = g.x.clone();
            x[1] = Float.NaN;   // step 0, sample 0
            float[] out = new float[3 * 17];
            try (RecurrentLayer layer = g.layer()) {
                layer.forward(x, 3, g.initialState(layer), out);
            }
            for (int j = 0; j < 17; j++) {
                assertTrue(Float.isNaN(out[j]), type + ": NaN input gave " + out[j] + " at unit " + j);
            }
        }
    }
}
