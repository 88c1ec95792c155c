package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LightRnnReferenceBackward against central finite differences of {@link LightRnnReferenceBackward#loss},
 * which runs {@link LightRnnReference}'s inference forward (no backward code), for every tensor: Xr, Xc,
 * Yr, Yc, every layer's W_ih, W_hh, b_ih, b_hh and initial h (and c), for one shared cell and for stacks of
 * two and three layers of mixed cells and sizes.
 *
 * <p>Error: {@code |a - b| / max(FLOOR, |a| + |b|) <= 1e-6}, as in {@link ReferenceBackwardTest}: the
 * difference quotient has an error of its own, rounding about {@code 1e-16 * |L| / STEP ~ 1e-10} plus
 * {@code STEP^2 f'''/6 ~ 1e-11}, so entries with {@code |a| + |b| < FLOOR = 1e-3} are held to 1e-9
 * absolute. Each tensor must have entries above the floor (checked), or it would pass on the floor alone.
 * Smooth cells only (tanh, sigm): a difference quotient across a relu kink means nothing.
 */
class LightRnnReferenceBackwardTest {
    static final double STEP = 1e-5;
    static final double TOL = 1e-6;
    static final double FLOOR = 1e-3;

    /**
     * {layers (cell types, bottom first), hidden sizes, table (rowOf, colOf over R x C)}: a full 2 x 2, and a
     * 3 x 3 with an empty row and a partial one; one shared cell, and stacks of mixed cells and sizes.
     */
    static Object[][] cases() {
        int[][] full = {{0, 0, 1, 1}, {0, 1, 0, 1}};
        int[][] partial = {{0, 0, 0, 2}, {0, 1, 2, 1}};   // row 1 empty, row 2 holds one word
        RefCellType gru = RefCellType.GRU, lstm = RefCellType.LSTM, tanh = RefCellType.RNN_TANH;
        return new Object[][] {
                {new RefCellType[] {gru}, new int[] {4}, 2, 2, full}, {new RefCellType[] {lstm}, new int[] {4}, 2, 2, full},
                {new RefCellType[] {tanh}, new int[] {4}, 2, 2, full},
                {new RefCellType[] {gru}, new int[] {4}, 3, 3, partial}, {new RefCellType[] {lstm}, new int[] {4}, 3, 3, partial},
                {new RefCellType[] {gru, lstm}, new int[] {3, 4}, 2, 2, full},
                {new RefCellType[] {lstm, gru}, new int[] {4, 2}, 3, 3, partial},
                {new RefCellType[] {tanh, gru, lstm}, new int[] {2, 3, 4}, 3, 3, partial},
        };
    }

    private static double[] random(Random r, int n, double bound) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (r.nextDouble() * 2 - 1) * bound;
        return a;
    }

    /** The point: every tensor by name (mutable; a layer's have the suffix _l{k}), and the stack they make. */
    private record Point(RefCellType[] types, int[] hidden, int rows, int columns, int[] rowOf, int[] colOf, int e,
                         Map<String, double[]> tensors, int[][] words, int batch) {
        LightRnnReferenceBackward model() {
            Map<String, double[]> m = tensors;
            List<ReferenceCell> stack = new ArrayList<>();
            for (int k = 0; k < types.length; k++) {
                int input = k == 0 ? e : hidden[k - 1];
                stack.add(new ReferenceCell(types[k], input, hidden[k], m.get("W_ih_l" + k), m.get("W_hh_l" + k),
                        m.get("b_ih_l" + k), m.get("b_hh_l" + k)));
            }
            return new LightRnnReferenceBackward(rows, columns, rowOf, colOf, m.get("Xr"), m.get("Xc"), m.get("Yr"),
                    m.get("Yc"), stack);
        }

        // [L][B][H] from the tensors "{name}_l{k}" (a layer without one: null)
        double[][][] state(String name) {
            double[][][] s = new double[types.length][][];
            for (int k = 0; k < types.length; k++) {
                double[] flat = tensors.get(name + "_l" + k);
                if (flat == null) continue;
                s[k] = new double[batch][hidden[k]];
                for (int b = 0; b < batch; b++) System.arraycopy(flat, b * hidden[k], s[k][b], 0, hidden[k]);
            }
            return s;
        }

        double loss() {
            return model().loss(words, state("h0"), state("c0"));
        }

        LightRnnReferenceBackward.Result backward() {
            return model().backward(words, state("h0"), state("c0"));
        }
    }

    private static Point point(RefCellType[] types, int[] hidden, int rows, int columns, int[][] table, long seed) {
        Random r = new Random(seed);
        int e = 3, batch = 2, steps = 3;
        int h = hidden[hidden.length - 1];
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("Xr", random(r, rows * e, 1));
        m.put("Xc", random(r, columns * e, 1));
        m.put("Yr", random(r, rows * h, 1.5));
        m.put("Yc", random(r, columns * h, 1.5));
        for (int k = 0; k < types.length; k++) {
            int g = types[k].gates * hidden[k];
            int input = k == 0 ? e : hidden[k - 1];
            m.put("W_ih_l" + k, random(r, g * input, 0.7));
            m.put("W_hh_l" + k, random(r, g * hidden[k], 0.7));
            m.put("b_ih_l" + k, random(r, g, 0.5));
            m.put("b_hh_l" + k, random(r, g, 0.5));
            m.put("h0_l" + k, random(r, batch * hidden[k], 0.5));
            if (types[k].hasCellState()) m.put("c0_l" + k, random(r, batch * hidden[k], 0.5));
        }
        int[][] words = new int[steps][batch];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) words[t][b] = r.nextInt(table[0].length);
        }
        return new Point(types, hidden, rows, columns, table[0], table[1], e, m, words, batch);
    }

    private static double[] flatten(double[][] a) {
        double[] out = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        return out;
    }

    @ParameterizedTest(name = "{0} H={1} {2}x{3}")
    @MethodSource("cases")
    void gradientsMatchCentralDifferences(RefCellType[] types, int[] hidden, int rows, int columns, int[][] table) {
        for (long seed = 1; seed <= 2; seed++) {
            Point p = point(types, hidden, rows, columns, table, seed * 31 + rows + 7L * (types.length - 1));
            LightRnnReferenceBackward.Result result = p.backward();
            assertEquals(p.loss(), result.loss(), 1e-12 * Math.abs(result.loss()), "loss of backward vs inference forward");
            assertEquals(types.length, result.layers().size());
            Map<String, double[]> analytic = new LinkedHashMap<>();
            analytic.put("Xr", result.dXr());
            analytic.put("Xc", result.dXc());
            analytic.put("Yr", result.dYr());
            analytic.put("Yc", result.dYc());
            for (int k = 0; k < types.length; k++) {
                ReferenceBackward.Gradients g = result.layers().get(k);
                analytic.put("W_ih_l" + k, g.dWIh());
                analytic.put("W_hh_l" + k, g.dWHh());
                analytic.put("b_ih_l" + k, g.dBIh());
                analytic.put("b_hh_l" + k, g.dBHh());
                analytic.put("h0_l" + k, flatten(result.dH0()[k]));
                if (result.dC0()[k] != null) analytic.put("c0_l" + k, flatten(result.dC0()[k]));
            }
            assertEquals(p.tensors().keySet(), analytic.keySet());
            for (var entry : p.tensors().entrySet()) {
                check(Arrays.toString(types) + " seed " + seed + " d" + entry.getKey(), entry.getValue(),
                        analytic.get(entry.getKey()), q -> p.loss(), p);
            }
        }
    }

    private static void check(String what, double[] values, double[] analytic, Function<Point, Double> loss, Point p) {
        assertEquals(values.length, analytic.length, what + ": length");
        int aboveFloor = 0;
        for (int i = 0; i < values.length; i++) {
            double saved = values[i];
            values[i] = saved + STEP;
            double plus = loss.apply(p);
            values[i] = saved - STEP;
            double minus = loss.apply(p);
            values[i] = saved;
            double numeric = (plus - minus) / (2 * STEP);
            double a = analytic[i];
            assertTrue(Double.isFinite(a), what + "[" + i + "] = " + a);
            double size = Math.abs(a) + Math.abs(numeric);
            aboveFloor += size >= FLOOR ? 1 : 0;
            double err = Math.abs(a - numeric) / Math.max(FLOOR, size);
            assertTrue(err <= TOL, what + "[" + i + "]: analytic " + a + ", central difference " + numeric + ", error " + err);
        }
        assertTrue(aboveFloor > 0, what + ": every entry below the floor " + FLOOR + ", the check would be vacuous");
    }
}
