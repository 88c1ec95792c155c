package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Independent checks of ReferenceCell: expected values are written out by hand from CELLS.md with
 * concrete numbers (using only Math.exp / Math.tanh / literals), never by calling RefMath.
 */
class ReferenceCellTest {
    private static final double TOL = 1e-14;

    private static double sig(double v) { return 1.0 / (1.0 + Math.exp(-v)); }

    private static double[] d(double... v) { return v; }

    /** Runs one step for I=H=1 cells without cell state, returns h'. */
    private static double step1(RefCellType t, double[] wIh, double[] wHh, double[] bIh, double[] bHh,
                                double x, double h) {
        ReferenceCell cell = new ReferenceCell(t, 1, 1, wIh, wHh, bIh, bHh);
        double[] out = new double[1];
        cell.step(d(x), d(h), null, out, null);
        return out[0];
    }

    // ---- enum ----

    @Test
    void cellTypeGatesAndCellState() {
        assertEquals(1, RefCellType.RNN_TANH.gates);
        assertEquals(1, RefCellType.RNN_RELU.gates);
        assertEquals(4, RefCellType.LSTM.gates);
        assertEquals(3, RefCellType.GRU.gates);
        assertEquals(3, RefCellType.RAG_GRU.gates);
        assertEquals(2, RefCellType.RAG_MINIMAL.gates);
        assertEquals(4, RefCellType.RAG_LSTM.gates);
        for (RefCellType t : RefCellType.values()) {
            assertEquals(t == RefCellType.LSTM || t == RefCellType.RAG_LSTM || t == RefCellType.MI_LSTM || t == RefCellType.EGRU,
                    t.hasCellState(), t.name());
        }
    }

    // ---- hand-computed single steps, I = H = 1 ----

    @Test
    void rnnTanhByHand() {
        // pre = (0.5*2 + 0.1) + (-0.3*0.4 + 0.2) = 1.1 + 0.08 = 1.18 ; h' = tanh(1.18)
        double got = step1(RefCellType.RNN_TANH, d(0.5), d(-0.3), d(0.1), d(0.2), 2.0, 0.4);
        assertEquals(Math.tanh(1.18), got, TOL);
        assertEquals(0.8274516110081667, got, 1e-12); // tanh(1.18)
    }

    @Test
    void rnnReluByHand() {
        // pre = 1.18 as above -> relu = 1.18
        assertEquals(1.18, step1(RefCellType.RNN_RELU, d(0.5), d(-0.3), d(0.1), d(0.2), 2.0, 0.4), TOL);
        // x = -2: pre = (-1.0 + 0.1) + 0.08 = -0.82 -> 0
        assertEquals(0.0, step1(RefCellType.RNN_RELU, d(0.5), d(-0.3), d(0.1), d(0.2), -2.0, 0.4), 0.0);
    }

    @Test
    void lstmByHand() {
        // blocks i, f, g, o ; x = 1, h = 0.5, c = 0.25
        ReferenceCell cell = new ReferenceCell(RefCellType.LSTM, 1, 1,
                d(0.1, 0.2, 0.3, 0.4), d(0.5, 0.6, 0.7, 0.8), d(0.01, 0.02, 0.03, 0.04), d(0.0, -0.1, 0.1, 0.0));
        double[] hOut = new double[1], cOut = new double[1];
        cell.step(d(1.0), d(0.5), d(0.25), hOut, cOut);
        // a_i = 0.1*1 + 0.01 + 0.5*0.5 + 0.0  = 0.36
        // a_f = 0.2*1 + 0.02 + 0.6*0.5 - 0.1  = 0.42
        // a_g = 0.3*1 + 0.03 + 0.7*0.5 + 0.1  = 0.78
        // a_o = 0.4*1 + 0.04 + 0.8*0.5 + 0.0  = 0.84
        double i = 1 / (1 + Math.exp(-0.36));
        double f = 1 / (1 + Math.exp(-0.42));
        double g = Math.tanh(0.78);
        double o = 1 / (1 + Math.exp(-0.84));
        double c1 = f * 0.25 + i * g;
        double h1 = o * Math.tanh(c1);
        assertEquals(c1, cOut[0], TOL);
        assertEquals(h1, hOut[0], TOL);
        assertEquals(0.5353414538590336, cOut[0], 1e-12);
        assertEquals(0.3418662645735228, hOut[0], 1e-12);
    }

    @Test
    void gruByHand() {
        // blocks r, z, n ; x = 1, h = 0.5
        double got = step1(RefCellType.GRU, d(0.1, 0.2, 0.3), d(0.4, 0.5, 0.6), d(0.01, 0.02, 0.03),
                d(0.04, 0.05, 0.06), 1.0, 0.5);
        // a_r = (0.1 + 0.01) + (0.4*0.5 + 0.04) = 0.11 + 0.24 = 0.35
        // a_z = (0.2 + 0.02) + (0.5*0.5 + 0.05) = 0.22 + 0.30 = 0.52
        // gi_n = 0.3 + 0.03 = 0.33 ; gh_n = 0.6*0.5 + 0.06 = 0.36 (b_hh_n is inside the reset product)
        double r = 1 / (1 + Math.exp(-0.35));
        double z = 1 / (1 + Math.exp(-0.52));
        double n = Math.tanh(0.33 + r * 0.36);
        double expected = (1 - z) * n + z * 0.5;
        assertEquals(expected, got, TOL);
        assertEquals(0.4977190479758463, got, 1e-12);
        // The other GRU form (b_hh_n outside the product) must NOT be what we compute.
        double other = (1 - z) * Math.tanh(0.33 + r * 0.30 + 0.06) + z * 0.5;
        assertTrue(Math.abs(other - got) > 1e-4);
    }

    @Test
    void ragGruByHand() {
        // blocks r, z, n ; x = 1, h = -0.5
        double got = step1(RefCellType.RAG_GRU, d(1.0, 0.375, 0.5), d(0.5, 0.5, 1.0), d(-1.5, 0.0, 0.0),
                d(0.0, 0.0, -0.5), 1.0, -0.5);
        // a_r = (1 - 1.5) + 0.5*(-0.5) = -0.75          -> relu(-a_r) = 0.75
        // a_z = 0.375 + 0.5*(-0.5) = 0.125              -> relu(-a_z) = 0, relu(a_z) = 0.125
        // gi_n = 0.5 ; gh_n = 1.0*(-0.5) - 0.5 = -1.0
        // S(-1.0, 0.75) = relu(-1.75) - relu(1.0 - 0.75) = -0.25 ; n = hardtanh(0.5 - 0.25) = 0.25
        // S(h=-0.5, 0) = -0.5 ; S(n=0.25, 0.125) = 0.125 ; h' = hardtanh(-0.5 + 0.125) = -0.375
        assertEquals(-0.375, got, 0.0);
    }

    @Test
    void ragGruClampsByHand() {
        // a_r = 3 -> relu(-a_r) = 0 (reset fully open) ; a_z = -2 (z closed: h blocked, n passes)
        // weights: r: wIh 3, z: wIh -2, n: wIh 4 ; wHh r,z = 0, n = 1 ; biases 0 ; x = 1, h = 0.5
        double got = step1(RefCellType.RAG_GRU, d(3.0, -2.0, 4.0), d(0.0, 0.0, 1.0), d(0, 0, 0), d(0, 0, 0),
                1.0, 0.5);
        // gi_n = 4, gh_n = 0.5 ; S(0.5, relu(-3) = 0) = 0.5 ; n = hardtanh(4.5) = 1
        // a_z = -2: S(h=0.5, relu(2)=2) = 0 ; S(n=1, relu(-2)=0) = 1 ; h' = hardtanh(0 + 1) = 1
        assertEquals(1.0, got, 0.0);
        // same with wHh_z = 0 and wIh_z = 0.25 (a_z = 0.25) and h = 0.9:
        // gh_n = 0.9 ; n = hardtanh(4 + 0.9) = 1 ; S(0.9, 0) = 0.9 ; S(1, 0.25) = 0.75 ; h' = hardtanh(1.65) = 1
        assertEquals(1.0, step1(RefCellType.RAG_GRU, d(3.0, 0.25, 4.0), d(0.0, 0.0, 1.0), d(0, 0, 0),
                d(0, 0, 0), 1.0, 0.9), 0.0);
    }

    @Test
    void ragMinimalByHand() {
        // blocks z, n ; x = 1, h = 0.25
        double got = step1(RefCellType.RAG_MINIMAL, d(-0.5, 0.5), d(0.5, 1.0), d(0.0, -1.25), d(0.0, 0.0),
                1.0, 0.25);
        // a_z = -0.5 + 0.5*0.25 = -0.375 -> relu(-a_z) = 0.375, relu(a_z) = 0
        // n = hardtanh((0.5 - 1.25) + 1.0*0.25) = hardtanh(-0.5) = -0.5
        // S(h=0.25, 0.375) = relu(-0.125) - relu(-0.625) = 0 ; S(n=-0.5, 0) = -0.5 ; h' = -0.5
        assertEquals(-0.5, got, 0.0);
        // a_z = +0.25 (wIh_z = 0.125): S(h=0.25, 0) = 0.25 ; S(n=-0.5, 0.25) = -0.25 ; h' = 0
        assertEquals(0.0, step1(RefCellType.RAG_MINIMAL, d(0.125, 0.5), d(0.5, 1.0), d(0.0, -1.25),
                d(0.0, 0.0), 1.0, 0.25), 0.0);
    }

    @Test
    void ragLstmByHand() {
        // blocks i, f, g, o ; x = 1, h = 0.5, c = 0.5
        ReferenceCell cell = new ReferenceCell(RefCellType.RAG_LSTM, 1, 1,
                d(0.5, 0.25, 2.0, -0.5), d(0.5, 0.5, 0.5, 0.5), d(-1.0, 0.0, 0.0, 0.0), d(0.0, 0.0, 0.0, 0.0));
        double[] hOut = new double[1], cOut = new double[1];
        cell.step(d(1.0), d(0.5), d(0.5), hOut, cOut);
        // a_i = 0.5 - 1 + 0.25 = -0.25 ; a_f = 0.25 + 0.25 = 0.5 ; a_g = 2 + 0.25 = 2.25 ; a_o = -0.5 + 0.25 = -0.25
        // S(c=0.5, relu(-0.5)=0) = 0.5
        // hardtanh(a_g) = 1 ; q = relu(0.5) + relu(0.25) = 0.75 ; S(1, 0.75) = 0.25
        // c' = hardtanh(0.5 + 0.25) = 0.75 ; h' = S(0.75, relu(0.25)) = 0.5
        assertEquals(0.75, cOut[0], 0.0);
        assertEquals(0.5, hOut[0], 0.0);

        // negative cell state, closing forget gate: wIh_f = -1.25 -> a_f = -1.25 + 0.25 = -1 ; c = -1.5
        ReferenceCell cell2 = new ReferenceCell(RefCellType.RAG_LSTM, 1, 1,
                d(0.5, -1.25, -0.5, 1.0), d(0.5, 0.5, 0.5, 0.5), d(-1.0, 0.0, 0.0, 0.0), d(0.0, 0.0, 0.0, 0.0));
        cell2.step(d(1.0), d(0.5), d(-1.5), hOut, cOut);
        // a_i = -0.25 ; a_f = -1 ; a_g = -0.5 + 0.25 = -0.25 ; a_o = 1 + 0.25 = 1.25
        // S(c=-1.5, relu(1)=1) = relu(-2.5) - relu(0.5) = -0.5
        // hardtanh(a_g) = -0.25 ; q = relu(-1) + relu(0.25) = 0.25 ; S(-0.25, 0.25) = 0
        // c' = hardtanh(-0.5 + 0) = -0.5 ; h' = S(-0.5, relu(-1.25) = 0) = -0.5
        assertEquals(-0.5, cOut[0], 0.0);
        assertEquals(-0.5, hOut[0], 0.0);
    }

    // ---- hand-computed step, I = 2, H = 2 (checks the row-major [G*H][I] layout and block order) ----

    @Test
    void gruTwoByTwoByHand() {
        // rows r0, r1, z0, z1, n0, n1
        double[] wIh = {
                0.1, -0.2,   // r0
                0.3, 0.4,    // r1
                -0.5, 0.6,   // z0
                0.7, -0.8,   // z1
                0.9, 1.0,    // n0
                -1.1, 1.2};  // n1
        double[] wHh = {
                0.2, 0.1,
                -0.3, 0.5,
                0.4, -0.6,
                0.1, 0.2,
                -0.7, 0.3,
                0.5, 0.9};
        double[] bIh = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06};
        double[] bHh = {-0.01, 0.03, -0.05, 0.07, -0.09, 0.11};
        double[] x = {0.5, -1.0};
        double[] h = {0.3, -0.6};
        ReferenceCell cell = new ReferenceCell(RefCellType.GRU, 2, 2, wIh, wHh, bIh, bHh);
        double[] out = new double[2];
        cell.step(x, h, null, out, null);

        double giR0 = 0.1 * 0.5 + -0.2 * -1.0 + 0.01, ghR0 = 0.2 * 0.3 + 0.1 * -0.6 + -0.01;
        double giR1 = 0.3 * 0.5 + 0.4 * -1.0 + 0.02, ghR1 = -0.3 * 0.3 + 0.5 * -0.6 + 0.03;
        double giZ0 = -0.5 * 0.5 + 0.6 * -1.0 + 0.03, ghZ0 = 0.4 * 0.3 + -0.6 * -0.6 + -0.05;
        double giZ1 = 0.7 * 0.5 + -0.8 * -1.0 + 0.04, ghZ1 = 0.1 * 0.3 + 0.2 * -0.6 + 0.07;
        double giN0 = 0.9 * 0.5 + 1.0 * -1.0 + 0.05, ghN0 = -0.7 * 0.3 + 0.3 * -0.6 + -0.09;
        double giN1 = -1.1 * 0.5 + 1.2 * -1.0 + 0.06, ghN1 = 0.5 * 0.3 + 0.9 * -0.6 + 0.11;
        double r0 = sig(giR0 + ghR0), r1 = sig(giR1 + ghR1);
        double z0 = sig(giZ0 + ghZ0), z1 = sig(giZ1 + ghZ1);
        double n0 = Math.tanh(giN0 + r0 * ghN0), n1 = Math.tanh(giN1 + r1 * ghN1);
        double h0 = (1 - z0) * n0 + z0 * 0.3;
        double h1 = (1 - z1) * n1 + z1 * -0.6;
        assertEquals(h0, out[0], TOL);
        assertEquals(h1, out[1], TOL);
        // x and h unchanged
        assertArrayEquals(new double[] {0.5, -1.0}, x, 0.0);
        assertArrayEquals(new double[] {0.3, -0.6}, h, 0.0);
    }

    @Test
    void ragLstmThreeInputsTwoHiddenByHand() {
        // I = 3, H = 2 (I != H catches a transposed layout); rows i0, i1, f0, f1, g0, g1, o0, o1
        double[] wIh = {
                1, 0, 0,       // i0
                0, 1, 0,       // i1
                0, 0, 1,       // f0
                1, 1, 0,       // f1
                0.5, 0, 0,     // g0
                0, 0, -2,      // g1
                0, 0.5, 0,     // o0
                0, 0, 0};      // o1
        double[] wHh = {
                0, 0,
                0, 0,
                0, 0,
                0, 0,
                1, 0,          // g0
                0, 0,
                0, 0,
                0, 1};         // o1
        double[] bIh = {0, 0, 0, 0, 0, 0, 0, 0};
        double[] bHh = {0, 0, -0.5, 0, 0, 0, 0, -1};
        double[] x = {0.25, -0.5, 1.0};
        double[] h = {0.5, -0.5};
        double[] c = {0.5, -0.75};
        ReferenceCell cell = new ReferenceCell(RefCellType.RAG_LSTM, 3, 2, wIh, wHh, bIh, bHh);
        double[] hOut = new double[2], cOut = new double[2];
        cell.step(x, h, c, hOut, cOut);
        // unit 0: a_i = 0.25 ; a_f = 1 - 0.5 = 0.5 ; a_g = 0.125 + 0.5 = 0.625 ; a_o = -0.25
        //   S(0.5, relu(-0.5)=0) = 0.5 ; q = relu(0.5) + relu(-0.25) = 0.5 ; S(0.625, 0.5) = 0.125
        //   c' = hardtanh(0.625) = 0.625 ; h' = S(0.625, 0.25) = 0.375
        // unit 1: a_i = -0.5 ; a_f = 0.25 - 0.5 = -0.25 ; a_g = -2 ; a_o = -0.5 - 1 = -1.5
        //   S(-0.75, relu(0.25)=0.25) = -0.5 ; hardtanh(-2) = -1 ; q = relu(-0.25) + relu(0.5) = 0.5
        //   S(-1, 0.5) = -0.5 ; c' = hardtanh(-1.0) = -1 ; h' = S(-1, 1.5) = 0
        assertArrayEquals(new double[] {0.625, -1.0}, cOut, 0.0);
        assertArrayEquals(new double[] {0.375, 0.0}, hOut, 0.0);
    }

    // ---- zero weights ----

    private static ReferenceCell zeroCell(RefCellType t, int i, int hs) {
        int g = t.gates * hs;
        return new ReferenceCell(t, i, hs, new double[g * i], new double[g * hs], new double[g], new double[g]);
    }

    @Test
    void gruZeroWeightsHalvesH() {
        // r = z = sigm(0) = 0.5 ; n = tanh(0 + 0.5*0) = 0 ; h' = 0.5*0 + 0.5*h
        ReferenceCell cell = zeroCell(RefCellType.GRU, 2, 3);
        double[] out = new double[3];
        cell.step(d(0.7, -3.0), d(0.8, -0.4, 2.0), null, out, null);
        assertArrayEquals(new double[] {0.4, -0.2, 1.0}, out, 0.0);
    }

    @Test
    void lstmZeroWeights() {
        // i = f = o = 0.5, g = 0: c' = 0.5*c, h' = 0.5*tanh(c')
        ReferenceCell cell = zeroCell(RefCellType.LSTM, 2, 3);
        double[] hOut = new double[3], cOut = new double[3];
        cell.step(d(1.0, 2.0), d(0.3, 0.3, 0.3), d(1.0, -0.6, 4.0), hOut, cOut);
        assertArrayEquals(new double[] {0.5, -0.3, 2.0}, cOut, 0.0);
        assertArrayEquals(new double[] {0.5 * Math.tanh(0.5), 0.5 * Math.tanh(-0.3), 0.5 * Math.tanh(2.0)}, hOut, TOL);
    }

    @Test
    void ragMinimalZeroWeightsClampsH() {
        // a_z = 0, n = hardtanh(0) = 0: h' = hardtanh(S(h, 0) + S(0, 0)) = clamp(h, -1, 1)
        ReferenceCell cell = zeroCell(RefCellType.RAG_MINIMAL, 1, 4);
        double[] out = new double[4];
        cell.step(d(5.0), d(1.5, -2.0, 0.3, -0.7), null, out, null);
        assertArrayEquals(new double[] {1.0, -1.0, 0.3, -0.7}, out, 0.0);
    }

    @Test
    void ragGruZeroWeightsClampsH() {
        // a_r = a_z = 0, gh_n = 0 -> n = 0 ; h' = hardtanh(h)
        ReferenceCell cell = zeroCell(RefCellType.RAG_GRU, 1, 3);
        double[] out = new double[3];
        cell.step(d(5.0), d(1.5, -0.25, -9.0), null, out, null);
        assertArrayEquals(new double[] {1.0, -0.25, -1.0}, out, 0.0);
    }

    @Test
    void ragLstmZeroWeights() {
        // all a = 0: c' = hardtanh(S(c, 0) + S(0, 0)) = clamp(c) ; h' = S(c', 0) = c'
        ReferenceCell cell = zeroCell(RefCellType.RAG_LSTM, 1, 3);
        double[] hOut = new double[3], cOut = new double[3];
        cell.step(d(5.0), d(0.1, 0.2, 0.3), d(2.0, -0.5, -1.25), hOut, cOut);
        assertArrayEquals(new double[] {1.0, -0.5, -1.0}, cOut, 0.0);
        assertArrayEquals(new double[] {1.0, -0.5, -1.0}, hOut, 0.0);
    }

    @Test
    void elmanZeroWeightsGiveZero() {
        for (RefCellType t : new RefCellType[] {RefCellType.RNN_TANH, RefCellType.RNN_RELU}) {
            double[] out = {9, 9};
            zeroCell(t, 1, 2).step(d(3.0), d(0.5, -0.5), null, out, null);
            assertArrayEquals(new double[] {0.0, 0.0}, out, 0.0, t.name());
        }
    }

    // ---- run() vs step() ----

    private static double[] rand(Random r, int n, double scale) {
        double[] a = new double[n];
        for (int k = 0; k < n; k++) a[k] = (r.nextDouble() * 2 - 1) * scale;
        return a;
    }

    private static ReferenceCell randomCell(RefCellType t, int i, int hs, Random r) {
        int g = t.gates * hs;
        if (t == RefCellType.EGRU) {
            double[] theta = new double[hs];
            for (int j = 0; j < hs; j++) theta[j] = 0.05 + 0.4 * r.nextDouble();
            return ReferenceCell.egru(i, hs, rand(r, g * i, 0.8), rand(r, g * hs, 0.8), rand(r, g, 0.3), rand(r, g, 0.3), theta);
        }
        if (t.multiplicative()) {
            return new ReferenceCell(t, i, hs, rand(r, g * i, 0.8), rand(r, g * hs, 0.8), rand(r, g, 0.3), rand(r, g, 0.3),
                    rand(r, g, 1.0), rand(r, g, 1.0), rand(r, g, 1.0));
        }
        return new ReferenceCell(t, i, hs, rand(r, g * i, 0.8), rand(r, g * hs, 0.8), rand(r, g, 0.3), rand(r, g, 0.3));
    }

    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void runEqualsRepeatedStep(RefCellType t) {
        Random r = new Random(42 + t.ordinal());
        int I = 3, H = 4, B = 2, T = 6;
        ReferenceCell cell = randomCell(t, I, H, r);
        double[][][] x = new double[T][B][];
        for (int s = 0; s < T; s++) for (int b = 0; b < B; b++) x[s][b] = rand(r, I, 1.5);
        double[][] h0 = {rand(r, H, 0.9), rand(r, H, 0.9)};
        double[][] c0 = t.hasCellState() ? new double[][] {rand(r, H, 0.9), rand(r, H, 0.9)} : null;
        double[][] h0Copy = {h0[0].clone(), h0[1].clone()};

        ReferenceCell.Sequence seq = cell.run(x, h0, c0);
        assertArrayEquals(h0Copy[0], h0[0], 0.0, "h0 modified");
        assertEquals(T, seq.outputs().length);
        for (int b = 0; b < B; b++) {
            double[] h = h0[b].clone();
            double[] c = t.hasCellState() ? c0[b].clone() : null;
            for (int s = 0; s < T; s++) {
                double[] hn = new double[H];
                double[] cn = t.hasCellState() ? new double[H] : null;
                cell.step(x[s][b], h, c, hn, cn);
                assertArrayEquals(hn, seq.outputs()[s][b], 0.0, t + " t=" + s + " b=" + b);
                for (double v : hn) assertTrue(Double.isFinite(v));
                h = hn;
                c = cn;
            }
            assertArrayEquals(h, seq.finalH()[b], 0.0);
            if (t.hasCellState()) assertArrayEquals(c, seq.finalC()[b], 0.0);
        }
        if (!t.hasCellState()) assertNull(seq.finalC());
    }

    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void runWithNullH0StartsFromZeros(RefCellType t) {
        Random r = new Random(7 + t.ordinal());
        ReferenceCell cell = randomCell(t, 2, 3, r);
        double[][][] x = {{rand(r, 2, 1)}, {rand(r, 2, 1)}};
        double[][] c0 = t.hasCellState() ? new double[][] {new double[3]} : null;
        ReferenceCell.Sequence a = cell.run(x, null, c0);
        ReferenceCell.Sequence b = cell.run(x, new double[][] {new double[3]}, c0);
        for (int s = 0; s < 2; s++) assertArrayEquals(b.outputs()[s][0], a.outputs()[s][0], 0.0);
    }

    @Test
    void stepAllowsAliasingAndDoesNotModifyInputs() {
        Random r = new Random(3);
        ReferenceCell cell = randomCell(RefCellType.LSTM, 2, 3, r);
        double[] x = rand(r, 2, 1), h = rand(r, 3, 1), c = rand(r, 3, 1);
        double[] x0 = x.clone(), hCopy = h.clone(), cCopy = c.clone();
        double[] hOut = new double[3], cOut = new double[3];
        cell.step(x, h, c, hOut, cOut);
        assertArrayEquals(x0, x, 0.0);
        assertArrayEquals(hCopy, h, 0.0);
        assertArrayEquals(cCopy, c, 0.0);
        cell.step(x, h, c, h, c); // in place
        assertArrayEquals(hOut, h, 0.0);
        assertArrayEquals(cOut, c, 0.0);
    }

    @Test
    void weightsAreCopied() {
        double[] wIh = {0.5}, wHh = {-0.3}, bIh = {0.1}, bHh = {0.2};
        ReferenceCell cell = new ReferenceCell(RefCellType.RNN_TANH, 1, 1, wIh, wHh, bIh, bHh);
        wIh[0] = 100; wHh[0] = 100; bIh[0] = 100; bHh[0] = 100;
        double[] out = new double[1];
        cell.step(d(2.0), d(0.4), null, out, null);
        assertEquals(Math.tanh(1.18), out[0], TOL);
        assertEquals(RefCellType.RNN_TANH, cell.type());
        assertEquals(1, cell.inputSize());
        assertEquals(1, cell.hiddenSize());
    }

    // ---- argument checking ----

    @Test
    void wrongWeightLengthsThrowNamingTheArgument() {
        // GRU, I = 2, H = 3: wIh 18, wHh 27, bIh 9, bHh 9
        double[] wIh = new double[18], wHh = new double[27], bIh = new double[9], bHh = new double[9];
        new ReferenceCell(RefCellType.GRU, 2, 3, wIh, wHh, bIh, bHh); // correct lengths are fine
        IllegalArgumentException e;
        e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceCell(RefCellType.GRU, 2, 3, new double[17], wHh, bIh, bHh));
        assertTrue(e.getMessage().contains("wIh"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceCell(RefCellType.GRU, 2, 3, wIh, new double[18], bIh, bHh));
        assertTrue(e.getMessage().contains("wHh"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceCell(RefCellType.GRU, 2, 3, wIh, wHh, new double[3], bHh));
        assertTrue(e.getMessage().contains("bIh"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceCell(RefCellType.GRU, 2, 3, wIh, wHh, bIh, new double[10]));
        assertTrue(e.getMessage().contains("bHh"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceCell(RefCellType.GRU, 2, 3, wIh, wHh, bIh, null));
        assertTrue(e.getMessage().contains("bHh"), e.getMessage());
    }

    @Test
    void cellStateArgumentsChecked() {
        ReferenceCell lstm = zeroCell(RefCellType.LSTM, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> lstm.step(d(1), d(0, 0), null, new double[2], new double[2]));
        ReferenceCell gru = zeroCell(RefCellType.GRU, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> gru.step(d(1), d(0, 0), d(0, 0), new double[2], null));
        assertThrows(IllegalArgumentException.class,
                () -> gru.step(d(1, 2), d(0, 0), null, new double[2], null));
        assertFalse(RefCellType.GRU.hasCellState());
    }
}
