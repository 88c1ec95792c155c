package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Hand-computed cases for the ternary reference. */
class TernaryReferenceTest {

    @Test
    void weightTernarisationByHand() {
        // block 0: |w| = 1, 0.2, 3, 0.4 -> mean 1.15, Delta = 0.805: t = +1, 0, -1, 0 ; alpha = (1 + 3) / 2
        // block 1: all zero -> t = 0, alpha = 0
        float[] w = {1f, -0.2f, -3f, 0.4f, 0f, 0f, 0f, 0f};
        TernaryReference.Weights t = TernaryReference.ternarizeWeights(w, 2, 4, 2, 0.7);
        assertArrayEquals(new int[] {1, 0, -1, 0, 0, 0, 0, 0}, t.trits());
        assertArrayEquals(new double[] {2.0, 0.0}, t.alphas());
        // one block over both rows: mean 0.575, Delta = 0.4025: same trits, same alpha
        TernaryReference.Weights one = TernaryReference.ternarizeWeights(w, 2, 4, 1, 0.7);
        assertArrayEquals(new int[] {1, 0, -1, 0, 0, 0, 0, 0}, one.trits());
        assertEquals(2.0, one.alpha(1));
    }

    @Test
    void activationTernarisationAndDots() {
        int[] a = TernaryReference.ternarizeActivations(new double[] {0.5, 0.51, -0.7, -0.5, 0.0, Double.NaN}, 0.5);
        assertArrayEquals(new int[] {0, 1, -1, 0, 0, 0}, a);
        TernaryReference.Weights w = new TernaryReference.Weights(1, 6, new int[] {1, 1, 1, -1, 1, -1}, new double[] {1});
        assertEquals(1 - 1, TernaryReference.dot(w, 0, a));      // +1*+1 + (+1)*(-1)
        assertEquals(0.25 + 2 - 3 - 4 + 0.5, TernaryReference.dot(w, 0, new double[] {0.25, 2, -3, 4, 0.5, 0}), 0);
    }

    @Test
    void gruStepByHand() {
        // I = H = 1, GRU rows r, z, n; all weights +1 with alpha 0.5, biases 0, x = 1 (ternary a = 1), h = 0 (a = 0)
        TernaryReference.Weights wIh = new TernaryReference.Weights(3, 1, new int[] {1, 1, 1}, new double[] {0.5});
        TernaryReference.Weights wHh = new TernaryReference.Weights(3, 1, new int[] {1, 1, 1}, new double[] {0.5});
        double lambda = 2;
        TernaryReference cell = new TernaryReference(RefCellType.GRU, true, 1, 1, wIh, wHh,
                new double[3], new double[3], 0.5, lambda);
        double[] h = new double[1];
        cell.step(new double[] {1}, new double[] {0}, null, h, null);
        // gi = 0.5, gh = 0: r = z = sigm(1), n = tanh(2 * 0.5) ; h' = (1 - z) n
        double z = 1 / (1 + Math.exp(-1));
        assertEquals((1 - z) * Math.tanh(1), h[0], 1e-15);
    }

    @Test
    void lstmStepByHandWithFloatActivations() {
        // I = H = 1, rows i, f, g, o all +1, alpha 1; x = 0.25 (identity), h = 0, c = 0.5, lambda = 1
        TernaryReference.Weights wIh = new TernaryReference.Weights(4, 1, new int[] {1, 1, 1, 1}, new double[] {1});
        TernaryReference.Weights wHh = new TernaryReference.Weights(4, 1, new int[] {1, 1, 1, 1}, new double[] {1});
        TernaryReference cell = new TernaryReference(RefCellType.LSTM, false, 1, 1, wIh, wHh,
                new double[4], new double[4], 0.5, 1);
        double[] h = new double[1];
        double[] c = new double[1];
        cell.step(new double[] {0.25}, new double[] {0}, new double[] {0.5}, h, c);
        double s = 1 / (1 + Math.exp(-0.25));
        double cNew = s * 0.5 + s * Math.tanh(0.25);
        assertEquals(cNew, c[0], 1e-15);
        assertEquals(s * Math.tanh(cNew), h[0], 1e-15);
    }
}
