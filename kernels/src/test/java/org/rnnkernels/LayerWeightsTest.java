package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** LayerWeights: named arrays checked against the cell, copies in and out, and a layer rebuilt from its own weights. */
class LayerWeightsTest {

    private static LayerWeights.Builder builder(CellFixture f) {
        return LayerWeights.of(f.type, f.input, f.hidden).inputWeights(f.weights.weightIh()).recurrentWeights(f.weights.weightHh())
                .biases(f.weights.biasIh(), f.weights.biasHh()).mi(f.mi).thresholds(f.thresholds);
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void aLayerRebuiltFromItsWeightsComputesTheSameBits(CellType type) {
        CellFixture f = new CellFixture(type, 7, 13, 3, 5, 41);
        try (RecurrentLayer a = RecurrentLayer.create(builder(f).build());
             RecurrentLayer b = RecurrentLayer.create(a.weights());
             LayerState sa = a.newState(f.batch);
             LayerState sb = b.newState(f.batch)) {
            float[] ya = new float[f.steps * f.batch * f.hidden];
            float[] yb = new float[ya.length];
            a.forward(f.x, f.steps, sa, ya);
            b.forward(f.x, f.steps, sb, yb);
            assertArrayEquals(ya, yb);
            LayerWeights w = a.weights();
            assertEquals(type, w.cell());
            assertArrayEquals(f.weights.weightIh(), w.inputWeights());
            assertArrayEquals(f.weights.weightHh(), w.recurrentWeights());
            assertArrayEquals(f.weights.biasIh(), w.inputBias());
            assertArrayEquals(f.weights.biasHh(), w.recurrentBias());
        }
    }

    @Test
    void swappedMatricesAreRefusedByName() {
        CellFixture f = new CellFixture(CellType.GRU, 5, 9, 1, 1, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerWeights.of(CellType.GRU, 5, 9)
                .inputWeights(f.weights.weightHh()).recurrentWeights(f.weights.weightIh()).biases(f.weights.biasIh(), f.weights.biasHh()).build());
        assertTrue(e.getMessage().contains("inputWeights (W_ih)") && e.getMessage().contains("[G*H=27][I=5]"), e.getMessage());
    }

    @Test
    void missingOrForeignExtrasAreRefused() {
        CellFixture gru = new CellFixture(CellType.GRU, 4, 6, 1, 1, 5);
        CellFixture miGru = new CellFixture(CellType.MI_GRU, 4, 6, 1, 1, 5);
        CellFixture egru = new CellFixture(CellType.EGRU, 4, 6, 1, 1, 5);
        assertMessage("mi is missing", () -> builder(miGru).mi(null).build());
        assertMessage("not a multiplicative", () -> builder(gru).mi(miGru.mi).build());
        assertMessage("thresholds", () -> builder(egru).thresholds(null).build());
        assertMessage("not event-based", () -> builder(gru).thresholds(egru.thresholds).build());
        float[] bad = egru.thresholds.clone();
        bad[2] = -0.5f;
        assertMessage("thresholds[2] = -0.5, expected finite and >= 0", () -> builder(egru).thresholds(bad).build());
        assertMessage("both be given", () -> builder(gru).biases(gru.weights.biasIh(), null).build());
        assertMessage("b_hh", () -> builder(gru).biases(gru.weights.biasIh(), new float[5]).build());
        assertMessage("hiddenSize", () -> LayerWeights.of(CellType.GRU, 4, 0));
        assertMessage("cell", () -> LayerWeights.of(null, 4, 6));
    }

    @Test
    void builtWeightsAreCopies() {
        CellFixture f = new CellFixture(CellType.LSTM, 3, 4, 1, 1, 9);
        float[] wIh = f.weights.weightIh().clone();
        LayerWeights w = LayerWeights.of(CellType.LSTM, 3, 4).inputWeights(wIh).recurrentWeights(f.weights.weightHh()).build();
        wIh[0] += 1;
        w.inputWeights()[1] += 1;
        assertArrayEquals(f.weights.weightIh(), w.inputWeights());
        assertNull(w.inputBias());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
