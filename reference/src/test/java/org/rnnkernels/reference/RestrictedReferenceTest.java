package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CELLS.md "RRNN": the parameter count, the two ends of the sharing rate, and the rounding of {@code s}. */
class RestrictedReferenceTest {

    @Test
    void parameterCountFollowsTheFormula() {
        // (s + 2G(H - s)) * (k + 1), worked by hand
        assertEquals((4 + 2 * 3 * 4) * (8 + 1), RestrictedReference.parameterCount(RefCellType.GRU, 5, 8, 0.5));       // s=4, k=8
        assertEquals((4 + 2 * 4 * 3) * (12 + 1), RestrictedReference.parameterCount(RefCellType.LSTM, 12, 7, 0.5));    // s=round(3.5)=4, k=12
        assertEquals(6 * (6 + 1), RestrictedReference.parameterCount(RefCellType.RNN_TANH, 6, 6, 1.0));                // s=H: the pool is P [H, H]
        assertEquals(2 * 3 * 2 * (3 + 1), RestrictedReference.parameterCount(RefCellType.GRU, 3, 2, 0.0));             // s=0: 2G private blocks
        for (RefCellType type : new RefCellType[] {RefCellType.RNN_TANH, RefCellType.GRU, RefCellType.LSTM}) {
            for (double rate : new double[] {0, 0.25, 0.5, 0.75, 1}) {
                // the count is exactly what a cell takes: pool [d_r][k] plus bias pool [d_r]
                int rows = RestrictedReference.poolRows(type, 9, rate);
                assertEquals((long) rows * 13 + rows, RestrictedReference.parameterCount(type, 13, 9, rate));
            }
        }
    }

    @Test
    void sharedRowsRoundHalfToEven() {
        assertEquals(4, RestrictedReference.sharedRows(0.5, 7));     // 3.5 -> 4
        assertEquals(2, RestrictedReference.sharedRows(0.5, 5));     // 2.5 -> 2 (the authors' torch.round)
        assertEquals(4, RestrictedReference.sharedRows(0.5, 9));     // 4.5 -> 4
        assertEquals(2, RestrictedReference.sharedRows(0.25, 6));    // 1.5 -> 2
        assertEquals(1, RestrictedReference.sharedRows(0.25, 5));    // 1.25 -> 1
        assertEquals(0, RestrictedReference.sharedRows(0, 33));
        assertEquals(33, RestrictedReference.sharedRows(1, 33));
    }

    @Test
    void rateOutsideTheUnitIntervalIsRejected() {
        for (double rate : new double[] {Double.NaN, -0.01, 1.01, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> RestrictedReference.poolRows(RefCellType.GRU, 4, rate), "rate " + rate);
        }
        assertThrows(IllegalArgumentException.class,
                () -> RestrictedReference.cell(RefCellType.GRU, 3, 4, 0.5, new double[5], null));
        assertThrows(IllegalArgumentException.class,
                () -> RestrictedReference.cell(RefCellType.GRU, 3, 4, 0.5, new double[14 * 4], new double[13]));
    }

    /** r = 0: no shared rows, the pool is W_ih's rows then W_hh's (and b_ih's then b_hh's): the plain cell. */
    @Test
    void rateZeroIsThePlainCellOfThePoolRows() {
        Random random = new Random(11);
        for (RefCellType type : new RefCellType[] {RefCellType.RNN_TANH, RefCellType.GRU, RefCellType.LSTM}) {
            int in = 5;
            int h = 3;
            int k = 5;
            int rows = type.gates * h;
            double[] pool = random.doubles(2L * rows * k, -1, 1).toArray();
            double[] biasPool = random.doubles(2L * rows, -1, 1).toArray();
            double[] wIh = new double[rows * in];
            double[] wHh = new double[rows * h];
            for (int row = 0; row < rows; row++) {
                System.arraycopy(pool, row * k, wIh, row * in, in);
                System.arraycopy(pool, (rows + row) * k, wHh, row * h, h);
            }
            ReferenceCell plain = new ReferenceCell(type, in, h, wIh, wHh,
                    Arrays.copyOfRange(biasPool, 0, rows), Arrays.copyOfRange(biasPool, rows, 2 * rows));
            ReferenceCell restricted = RestrictedReference.cell(type, in, h, 0.0, pool, biasPool);
            double[][][] x = new double[20][2][];
            for (double[][] step : x) {
                for (int b = 0; b < 2; b++) {
                    step[b] = random.doubles(in, -1, 1).toArray();
                }
            }
            double[][] c0 = type.hasCellState() ? new double[2][h] : null;
            ReferenceCell.Sequence a = plain.run(x, null, c0);
            ReferenceCell.Sequence b = restricted.run(x, null, c0);
            for (int t = 0; t < x.length; t++) {
                for (int s = 0; s < 2; s++) {
                    assertArrayEquals(a.outputs()[t][s], b.outputs()[t][s], type + " t=" + t);
                }
            }
        }
    }

    /**
     * r = 1 with I = H: every block matrix is the whole pool, so RRNN is {@code tanh(P(x + h) + b_x + b_h)}.
     * CELLS.md's shorthand {@code + b} reads as {@code b = b_x + b_h}: both are the same shared slice
     * of the bias pool, so the bias enters twice ({@code 2 * biasPool}), as a plain Elman cell's
     * {@code b_ih + b_hh} does.
     */
    @Test
    void rateOneIsOnePoolMatrixOnTheSumOfInputAndState() {
        Random random = new Random(12);
        int n = 6;
        double[] pool = random.doubles(n * n, -0.5, 0.5).toArray();
        double[] biasPool = random.doubles(n, -0.5, 0.5).toArray();
        ReferenceCell cell = RestrictedReference.cell(RefCellType.RNN_TANH, n, n, 1.0, pool, biasPool);
        double[] h = random.doubles(n, -1, 1).toArray();
        for (int t = 0; t < 30; t++) {
            double[] x = random.doubles(n, -1, 1).toArray();
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                double sum = biasPool[i] + biasPool[i];                       // b = b_x + b_h
                for (int j = 0; j < n; j++) {
                    sum += pool[i * n + j] * (x[j] + h[j]);                   // P (x + h)
                }
                expected[i] = Math.tanh(sum);
            }
            double[] actual = new double[n];
            cell.step(x, h, null, actual, null);
            assertArrayEquals(expected, actual, 1e-12, "t=" + t);
            h = actual;
        }
    }

    /**
     * {@link RestrictedReference#poolGradients}: the dense gradients of {@link ReferenceBackward} folded into
     * the pool against central finite differences of a loss of the forward run on the pool itself,
     * {@code L = sum_t dOut_t . h_t + dFin . h_T} (smooth cells, so the difference is exact to
     * {@code O(e^2)}), every pool entry and bias-pool entry, relative error at most 1e-6 (floor: 1e-3 of the
     * largest gradient). Rates 0, 0.5 and 1 (shared rows summed over every block and both inputs), I != H.
     */
    @Test
    void poolGradientsMatchFiniteDifferences() {
        Random random = new Random(21);
        for (RefCellType type : new RefCellType[] {RefCellType.RNN_TANH, RefCellType.GRU, RefCellType.LSTM}) {
            for (double rate : new double[] {0, 0.5, 1}) {
                for (int[] sizes : new int[][] {{3, 4}, {5, 3}}) {
                    int in = sizes[0], h = sizes[1], batch = 2, steps = 6;
                    int rows = RestrictedReference.poolRows(type, h, rate), k = Math.max(in, h);
                    double[] pool = random.doubles((long) rows * k, -0.6, 0.6).toArray();
                    double[] biasPool = random.doubles(rows, -0.5, 0.5).toArray();
                    double[][][] x = new double[steps][batch][];
                    double[][][] dOut = new double[steps][batch][];
                    for (int t = 0; t < steps; t++) {
                        for (int b = 0; b < batch; b++) {
                            x[t][b] = random.doubles(in, -1, 1).toArray();
                            dOut[t][b] = random.doubles(h, -1, 1).toArray();
                        }
                    }
                    double[][] h0 = {random.doubles(h, -0.5, 0.5).toArray(), random.doubles(h, -0.5, 0.5).toArray()};
                    double[][] c0 = type.hasCellState() ? new double[][] {random.doubles(h, -0.5, 0.5).toArray(),
                            random.doubles(h, -0.5, 0.5).toArray()} : null;
                    ReferenceBackward backward = new ReferenceBackward(RestrictedReference.cell(type, in, h, rate, pool, biasPool));
                    ReferenceBackward.Gradients g = backward.backward(backward.forward(x, h0, c0), dOut, null, null);
                    double[][] folded = RestrictedReference.poolGradients(type, in, h, rate, g.dWIh(), g.dWHh(), g.dBIh(), g.dBHh());
                    String what = type + " r=" + rate + " I=" + in + " H=" + h;
                    checkFiniteDifferences(what + " pool", folded[0], pool, e -> loss(type, in, h, rate, e, biasPool, x, h0, c0, dOut));
                    checkFiniteDifferences(what + " biasPool", folded[1], biasPool, e -> loss(type, in, h, rate, pool, e, x, h0, c0, dOut));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> RestrictedReference.poolGradients(RefCellType.GRU, 3, 4, 0.5,
                new double[1], new double[48], new double[12], new double[12]));
    }

    private static void checkFiniteDifferences(String what, double[] analytic, double[] values,
                                               java.util.function.ToDoubleFunction<double[]> loss) {
        double step = 1e-5;
        double scale = Arrays.stream(analytic).map(Math::abs).max().orElse(0);
        for (int i = 0; i < values.length; i++) {
            double[] plus = values.clone();
            double[] minus = values.clone();
            plus[i] += step;
            minus[i] -= step;
            double numeric = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * step);
            double error = Math.abs(analytic[i] - numeric) / Math.max(Math.abs(numeric), 1e-3 * scale);
            if (!(error <= 1e-6)) {
                throw new AssertionError(what + " [" + i + "]: folded " + analytic[i] + ", finite difference " + numeric
                        + ", relative error " + error);
            }
        }
    }

    // L = sum_t dOut_t . h_t over the run of the restricted cell of this pool
    private static double loss(RefCellType type, int in, int h, double rate, double[] pool, double[] biasPool,
                               double[][][] x, double[][] h0, double[][] c0, double[][][] dOut) {
        double[][][] out = RestrictedReference.cell(type, in, h, rate, pool, biasPool).run(x, h0, c0).outputs();
        double sum = 0;
        for (int t = 0; t < out.length; t++) {
            for (int b = 0; b < out[t].length; b++) {
                for (int j = 0; j < h; j++) {
                    sum += dOut[t][b][j] * out[t][b][j];
                }
            }
        }
        return sum;
    }
}
