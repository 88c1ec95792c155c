package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.product.ColumnProduct;
import org.rnnkernels.product.PanelProduct;
import org.rnnkernels.train.TorchInit;

/**
 * EGRU against the double reference, and its sparse product against the dense one.
 *
 * <p>The output {@code y = Hv(c_pre - theta) * c_pre} jumps at {@code c_pre = theta}: where the
 * reference's {@code c_pre} lies within float rounding of {@code theta}, the float kernel may
 * decide the other way, and both are right to float precision. There (margin below
 * {@value #AMBIGUOUS}, far above the kernel's error, far below any real difference) the reference
 * adopts the kernel's decision and continues from it; every other unit, every step, must agree
 * within CELLS.md's GRU tolerance, and such adopted decisions must stay rare.
 */
class EgruTest {
    static final double AMBIGUOUS = 1e-5;
    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int hidden : new int[] {1, 7, 8, 9, 15, 16, 17, 33, 257}) {
            for (int batch : new int[] {1, 3}) {
                for (long seed = 1; seed <= 2; seed++) {
                    cases.add(Arguments.of(hidden + 3, hidden, batch, 300, seed * 101 + hidden));
                }
            }
        }
        cases.add(Arguments.of(9, 17, PanelProduct.MAX_BATCH + 1, 40, 5L));
        cases.add(Arguments.of(100, 345, 3, 60, 6L));   // G*H = 1035: more than one column tile (1024 rows)
        return cases.stream();
    }

    @ParameterizedTest(name = "I={0} H={1} B={2} T={3} seed={4}")
    @MethodSource("cases")
    void sequenceMatchesReference(int input, int hidden, int batch, int steps, long seed) {
        CellFixture f = new CellFixture(CellType.EGRU, input, hidden, batch, steps, seed);
        ReferenceCell reference = f.reference();
        float[] out = new float[steps * batch * hidden];
        float[] finalY;
        float[] finalC;
        try (RecurrentLayer layer = f.layer()) {
            LayerState state = f.initialState(layer);
            layer.forward(f.x, steps, state, out);
            finalY = state.hidden();
            finalC = state.cell();
        }
        double[][] y = new double[batch][];
        double[][] c = new double[batch][];
        for (int b = 0; b < batch; b++) {
            y[b] = Fixtures.toDouble(f.h0, b * hidden, hidden);
            c[b] = Fixtures.toDouble(f.c0, b * hidden, hidden);
        }
        int adopted = 0;
        int fired = 0;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                double[] yNew = new double[hidden];
                double[] cNew = new double[hidden];
                reference.step(Fixtures.toDouble(f.x, (t * batch + b) * input, input), y[b], c[b], yNew, cNew);
                int row = (t * batch + b) * hidden;
                adopted += adoptAmbiguous(f.thresholds, yNew, cNew, out, row);
                compare("t=" + t + " b=" + b + " y", yNew, out, row);
                y[b] = yNew;
                c[b] = cNew;
                for (int j = 0; j < hidden; j++) {
                    fired += yNew[j] != 0 ? 1 : 0;
                }
            }
        }
        for (int b = 0; b < batch; b++) {
            compare("final y b=" + b, y[b], finalY, b * hidden);
            compare("final c b=" + b, c[b], finalC, b * hidden);
        }
        long unitSteps = (long) steps * batch * hidden;
        assertTrue(adopted <= 1 + unitSteps / 1000, adopted + " ambiguous decisions in " + unitSteps);
        // The fixture's thresholds make a real test of the sparse path: neither silent nor always on.
        if (unitSteps >= 1000) {
            double activity = (double) fired / unitSteps;
            assertTrue(activity > 0.02 && activity < 0.9, "activity " + activity);
        }
    }

    @Test
    void everyStepMatchesReferenceFromTheSameState() {
        CellFixture f = new CellFixture(CellType.EGRU, 20, 33, 2, 100, 77L);
        ReferenceCell reference = f.reference();
        float[] y = f.h0.clone();
        float[] c = f.c0.clone();
        float[] x = new float[2 * 20];
        float[] out = new float[2 * 33];
        try (RecurrentLayer layer = f.layer()) {
            LayerState state = layer.newState(2);
            for (int t = 0; t < 100; t++) {
                state.setHidden(y).setCell(c);
                System.arraycopy(f.x, t * 2 * 20, x, 0, x.length);
                layer.step(x, state, out);
                float[] cKernel = state.cell();
                for (int b = 0; b < 2; b++) {
                    double[] yRef = new double[33];
                    double[] cRef = new double[33];
                    reference.step(Fixtures.toDouble(x, b * 20, 20), Fixtures.toDouble(y, b * 33, 33),
                            Fixtures.toDouble(c, b * 33, 33), yRef, cRef);
                    adoptAmbiguous(f.thresholds, yRef, cRef, out, b * 33);
                    compare("t=" + t + " y", yRef, out, b * 33);
                    compare("t=" + t + " c", cRef, cKernel, b * 33);
                    for (int j = 0; j < 33; j++) {
                        y[b * 33 + j] = (float) yRef[j];
                        c[b * 33 + j] = (float) cRef[j];
                    }
                }
            }
        }
    }

    /**
     * Where the reference's {@code c_pre} is within {@link #AMBIGUOUS} of theta and the kernel decided
     * otherwise, rewrites the reference's step with the kernel's decision (c_pre recovered from the
     * reference's outputs: {@code y} where it fired, else {@code c}). Returns how many it rewrote.
     */
    static int adoptAmbiguous(float[] theta, double[] yRef, double[] cRef, float[] kernelY, int offset) {
        int adopted = 0;
        for (int j = 0; j < yRef.length; j++) {
            boolean refFired = yRef[j] != 0;
            double cPre = refFired ? yRef[j] : cRef[j];
            boolean kernelFired = kernelY[offset + j] != 0;
            if (refFired != kernelFired && Math.abs(cPre - theta[j]) < AMBIGUOUS) {
                yRef[j] = kernelFired ? cPre : 0;
                cRef[j] = kernelFired ? cPre - theta[j] : cPre;
                adopted++;
            }
        }
        return adopted;
    }

    static void compare(String what, double[] expected, float[] actual, int offset) {
        for (int j = 0; j < expected.length; j++) {
            float a = actual[offset + j];
            if (!Float.isFinite(a)) {
                fail(what + " j=" + j + ": " + a);
            }
            double error = Math.abs(a - expected[j]) / Math.max(1, Math.abs(expected[j]));
            if (error > TOLERANCE) {
                fail(what + " j=" + j + ": " + a + " vs " + expected[j] + ", error " + error);
            }
        }
    }

    /** The sparse product against a plain dense one, on tile edges, lane edges, 0% and 100% activity. */
    @Test
    void sparseProductEqualsDenseProduct() {
        ColumnProduct product = ColumnProduct.get();
        SplittableRandom random = new SplittableRandom(9);
        for (int rows : new int[] {1, 7, 8, 9, 1023, 1024, 1025, 2100}) {
            for (int cols : new int[] {1, 5, 16, 33}) {
                for (double density : new double[] {0, 0.1, 0.5, 1}) {
                    int batch = 3;
                    float[] w = TorchInit.uniform(random, rows * cols, 1f);
                    float[] x = new float[batch * cols];
                    int[] active = new int[batch * cols];
                    int[] count = new int[batch];
                    for (int b = 0; b < batch; b++) {
                        for (int j = 0; j < cols; j++) {
                            if (random.nextDouble() < density) {
                                x[b * cols + j] = (float) random.nextDouble(-1, 1);
                                active[b * cols + count[b]++] = j;
                            }
                        }
                    }
                    float[] packed = product.pack(w, rows, cols);
                    float[] y = new float[batch * rows];
                    java.util.Arrays.fill(y, Float.NaN);   // must be overwritten
                    // in three shares, as a team would split the rows, one of them across a tile's edge
                    int first = ColumnProduct.shareStart(rows, 1, 3), second = ColumnProduct.shareStart(rows, 2, 3);
                    product.multiply(packed, rows, cols, batch, x, active, count, y, second, rows);
                    product.multiply(packed, rows, cols, batch, x, active, count, y, 0, first);
                    product.multiply(packed, rows, cols, batch, x, active, count, y, first, second);
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            double expected = 0;
                            for (int j = 0; j < cols; j++) {
                                expected += (double) w[r * cols + j] * x[b * cols + j];
                            }
                            float actual = y[b * rows + r];
                            assertTrue(Math.abs(actual - expected) <= 1e-5 * (1 + cols),
                                    rows + "x" + cols + " density " + density + " b=" + b + " r=" + r + ": " + actual + " vs " + expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void activityCountsTheNonzeroRecurrentInputs() {
        CellFixture f = new CellFixture(CellType.EGRU, 6, 40, 3, 50, 12L);
        float[] out = new float[50 * 3 * 40];
        try (RecurrentLayer layer = f.layer(); LayerState state = f.initialState(layer)) {
            assertTrue(Double.isNaN(state.activity()));
            layer.forward(f.x, 50, state, out);
            // step t reads y_{t-1}: the initial state, then the outputs of steps 0 .. T-2
            long nonzero = 0;
            for (float v : f.h0) {
                nonzero += v != 0 ? 1 : 0;
            }
            for (int i = 0; i < 49 * 3 * 40; i++) {
                nonzero += out[i] != 0 ? 1 : 0;
            }
            assertEquals((double) nonzero / (50 * 3 * 40), state.activity(), 1e-12);
            long last = 0;
            for (int i = 48 * 3 * 40; i < 49 * 3 * 40; i++) {
                last += out[i] != 0 ? 1 : 0;
            }
            assertEquals((double) last / (3 * 40), state.lastStepActivity(), 1e-12);
            state.resetActivity();
            assertTrue(Double.isNaN(state.activity()));
        }
    }

    @Test
    void silentUnitsLeaveOnlyTheBias() {
        // Thresholds above any reachable c_pre (|c_pre| < 1): nothing fires, y stays 0, c integrates.
        CellFixture f = new CellFixture(CellType.EGRU, 5, 9, 2, 30, 4L);
        Fixtures.Weights w = f.weights;
        float[] high = new float[9];
        java.util.Arrays.fill(high, 2f);
        float[] out = new float[30 * 2 * 9];
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 5, 9)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .thresholds(high)
                .build());
             LayerState state = layer.newState(2)) {
            layer.forward(f.x, 30, state, out);
            assertArrayEquals(new float[out.length], out);
            assertEquals(0.0, state.activity());
        }
    }

    /**
     * EvNN clamps thresholds to [0, 1], so its checkpoints may hold 0 (CELLS.md: {@code theta >= 0}): such a
     * layer loads, and a unit with {@code theta = 0} fires whenever {@code c_pre > 0}, against the reference.
     */
    @Test
    void zeroThresholdsLoadAndMatchTheReference() {
        CellFixture f = new CellFixture(CellType.EGRU, 5, 4, 3, 40, 6L);
        float[] theta = {0f, 0.2f, 0f, 0.3f};
        Fixtures.Weights w = f.weights;
        float[] out = new float[40 * 3 * 4];
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 5, 4)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .thresholds(theta)
                .build());
             LayerState state = layer.newState(3)) {
            layer.forward(f.x, 40, state, out);
        }
        org.rnnkernels.reference.ReferenceCell.Sequence expected = Fixtures.referenceCell(CellType.EGRU, 5, 4, w, null, theta)
                .run(Fixtures.sequence(f.x, 40, 3, 5), new double[3][4], new double[3][4]);
        double[] flat = Fixtures.flatten(expected.outputs());
        int fired = 0;
        for (int i = 0; i < out.length; i++) {
            assertEquals(flat[i], out[i], 1e-4 * Math.max(1, Math.abs(flat[i])), "y[" + i + "]");
            fired += (i % 4 == 0 || i % 4 == 2) && out[i] != 0 ? 1 : 0;
        }
        assertTrue(fired > 0, "the units with theta = 0 fire");
    }

    @Test
    void badThresholdsAreRefusedNamingTheUnit() {
        CellFixture f = new CellFixture(CellType.EGRU, 5, 4, 1, 1, 4L);
        Fixtures.Weights w = f.weights;
        for (float bad : new float[] {-0.1f, -Float.MIN_VALUE, Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] theta = {0.1f, 0.2f, bad, 0.3f};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 5, 4)
                            .inputWeights(w.weightIh())
                            .recurrentWeights(w.weightHh())
                            .biases(w.biasIh(), w.biasHh())
                            .thresholds(theta)
                            .build()));
            assertTrue(e.getMessage().contains("thresholds[2]"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 5, 4)
                        .inputWeights(w.weightIh())
                        .recurrentWeights(w.weightHh())
                        .biases(w.biasIh(), w.biasHh())
                        .thresholds(new float[3])
                        .build()));
        assertTrue(e.getMessage().contains("thresholds") && e.getMessage().contains("[H=4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 5, 4)
                        .inputWeights(w.weightIh())
                        .recurrentWeights(w.weightHh())
                        .biases(w.biasIh(), w.biasHh())
                        .build()));
        assertTrue(e.getMessage().contains("thresholds") && e.getMessage().contains("null"), e.getMessage());
    }
}
