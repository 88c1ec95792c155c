package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnkernels.train.LossTest.rejects;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blases;

/**
 * PyTorch's default initialisation: the bound {@code 1/sqrt(H)}, the shapes, the order of the draws
 * (which seeded runs depend on), the extra parameters' starting values, and bad arguments.
 */
class TorchInitTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void weightsAreDrawnInPyTorchsOrderWithinTheBound(CellType type) {
        int input = 3, hidden = 7;
        int rows = type.gates() * hidden;
        LayerWeights w = TorchInit.weights(type, input, hidden, new SplittableRandom(11));
        assertEquals(rows * input, w.inputWeights().length);
        assertEquals(rows * hidden, w.recurrentWeights().length);
        assertEquals(rows, w.inputBias().length);
        assertEquals(rows, w.recurrentBias().length);
        // One stream, in the order W_ih, W_hh, b_ih, b_hh.
        float bound = TorchInit.bound(hidden);
        float[] stream = TorchInit.uniform(new SplittableRandom(11), rows * (input + hidden + 2), bound);
        float[] drawn = concat(w.inputWeights(), w.recurrentWeights(), w.inputBias(), w.recurrentBias());
        assertArrayEquals(stream, drawn);
        for (float v : drawn) {
            assertTrue(Math.abs(v) <= bound, type + ": " + v + " outside +-" + bound);
        }
    }

    @Test
    void theBoundIsOneOverTheSquareRootOfH() {
        assertEquals(0.125f, TorchInit.bound(64));
        assertEquals((float) (1 / Math.sqrt(7)), TorchInit.bound(7));
        float bound = TorchInit.bound(100);
        float max = 0;
        for (float v : TorchInit.uniform(new SplittableRandom(3), 4000, bound)) {
            max = Math.max(max, Math.abs(v));
        }
        assertEquals(bound, max, 1e-3, "the largest |w| of 4000 draws is near the bound");
    }

    @Test
    void layersGetTheirCellsStartingValues() {
        SplittableRandom random = new SplittableRandom(5);
        int input = 2, hidden = 6;
        try (RecurrentLayer mi = TorchInit.layer(CellType.MI_GRU, input, hidden, random, Blases.get())) {
            int rows = 3 * hidden;
            MiParameters initial = MiParameters.initial(rows);
            assertArrayEquals(initial.alpha(), mi.miParameters().alpha());
            assertArrayEquals(initial.beta1(), mi.miParameters().beta1());
            assertArrayEquals(initial.beta2(), mi.miParameters().beta2());
        }
        // EGRU: the thresholds are drawn after the weights, uniform in [0, 1), at least MIN_THRESHOLD.
        SplittableRandom expected = new SplittableRandom(9);
        SplittableRandom alone = new SplittableRandom(9);
        TorchInit.uniform(alone, 3 * hidden * (input + hidden + 2), 1);    // W_ih, W_hh, b_ih, b_hh: 3 gate blocks
        float[] theta = TorchInit.thresholds(hidden, alone);
        LayerWeights w = TorchInit.weights(CellType.EGRU, input, hidden, expected);
        try (RecurrentLayer egru = TorchInit.layer(CellType.EGRU, input, hidden, new SplittableRandom(9), Blases.get())) {
            assertArrayEquals(w.recurrentWeights(), egru.weightHh());
            assertArrayEquals(theta, egru.thresholds());
            assertArrayEquals(theta, w.thresholds());
        }
        for (float t : TorchInit.thresholds(500, new SplittableRandom(1))) {
            assertTrue(t >= TrainingLayer.MIN_THRESHOLD && t < 1, "threshold " + t);
        }
        try (RecurrentLayer gru = TorchInit.layer(CellType.GRU, input, hidden, new SplittableRandom(4), Blases.get())) {
            LayerWeights g = TorchInit.weights(CellType.GRU, input, hidden, new SplittableRandom(4));
            assertArrayEquals(g.inputWeights(), gru.weightIh());
            assertArrayEquals(g.recurrentBias(), gru.biasHh());
        }
    }

    @Test
    void restrictedPoolsAreDrawnLikeTheWeights() {
        int input = 4, hidden = 9;
        double rate = 0.5;
        RestrictedWeights w = TorchInit.restricted(CellType.LSTM, input, hidden, rate, new SplittableRandom(2));
        int poolRows = RestrictedWeights.poolRows(CellType.LSTM, hidden, rate);
        float[] stream = TorchInit.uniform(new SplittableRandom(2), poolRows * (hidden + 1), TorchInit.bound(hidden));
        assertArrayEquals(stream, concat(w.pool(), w.biasPool()));
    }

    @Test
    void aLinearHeadIsNnLinears() {
        LinearHead head = TorchInit.linear(10, 3, new SplittableRandom(8));
        LinearHead created = LinearHead.create(10, 3, 8);
        assertArrayEquals(created.weight(), head.weight());
        assertArrayEquals(created.bias(), head.bias());
        // nn.Linear's bound is the double 1/sqrt(H), drawn W first, then b.
        float[] stream = TorchInit.uniform(new SplittableRandom(8), 33, 1 / Math.sqrt(10));
        assertArrayEquals(stream, concat(head.weight(), head.bias()));
        assertNotEquals(0f, head.bias()[2]);
    }

    @Test
    void badArgumentsAreRejected() {
        SplittableRandom random = new SplittableRandom(1);
        rejects(() -> TorchInit.bound(0), "hiddenSize");
        rejects(() -> TorchInit.uniform(null, 3, 1), "random");
        rejects(() -> TorchInit.uniform(random, -1, 1), "n = -1");
        rejects(() -> TorchInit.uniform(random, 3, 0), "bound = 0");
        rejects(() -> TorchInit.uniform(random, 3, Double.NaN), "bound = NaN");
        rejects(() -> TorchInit.weights(null, 3, 4, random), "type");
        rejects(() -> TorchInit.weights(CellType.GRU, 0, 4, random), "inputSize");
        rejects(() -> TorchInit.weights(CellType.GRU, 3, -2, random), "hiddenSize");
        rejects(() -> TorchInit.thresholds(0, random), "hiddenSize");
        rejects(() -> TorchInit.restricted(CellType.MI_GRU, 3, 4, 0.5, random), "MI_GRU");
        rejects(() -> TorchInit.linear(4, 0, random), "outputs");
    }

    private static float[] concat(float[]... arrays) {
        int n = 0;
        for (float[] a : arrays) {
            n += a.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] a : arrays) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }
}
