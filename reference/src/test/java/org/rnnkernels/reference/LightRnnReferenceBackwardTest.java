package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LightRnnReferenceBackward against central finite differences of {@link LightRnnReferenceBackward#loss},
 * which runs {@link LightRnnReference}'s inference forward (no backward code), for every tensor: Xr, Xc,
 * Yr, Yc, the cell's W_ih, W_hh, b_ih, b_hh, and the initial h (and c).
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

    /** {type, table (rowOf, colOf over R x C)}: a full 2 x 2, and a 3 x 3 with an empty row and a partial one. */
    static Object[][] cases() {
        int[][] full = {{0, 0, 1, 1}, {0, 1, 0, 1}};
        int[][] partial = {{0, 0, 0, 2}, {0, 1, 2, 1}};   // row 1 empty, row 2 holds one word
        return new Object[][] {
                {RefCellType.GRU, 2, 2, full}, {RefCellType.LSTM, 2, 2, full}, {RefCellType.RNN_TANH, 2, 2, full},
                {RefCellType.GRU, 3, 3, partial}, {RefCellType.LSTM, 3, 3, partial},
        };
    }

    private static double[] random(Random r, int n, double bound) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (r.nextDouble() * 2 - 1) * bound;
        return a;
    }

    /** The point: every tensor by name (mutable), and a function from the tensors to a backward. */
    private record Point(RefCellType type, int rows, int columns, int[] rowOf, int[] colOf, int e, int h,
                         Map<String, double[]> tensors, int[][] words, int batch) {
        LightRnnReferenceBackward model() {
            Map<String, double[]> m = tensors;
            ReferenceCell cell = new ReferenceCell(type, e, h, m.get("W_ih"), m.get("W_hh"), m.get("b_ih"), m.get("b_hh"));
            return new LightRnnReferenceBackward(rows, columns, rowOf, colOf, m.get("Xr"), m.get("Xc"), m.get("Yr"),
                    m.get("Yc"), cell);
        }

        double[][] state(String name) {
            double[] flat = tensors.get(name);
            if (flat == null) return null;
            double[][] s = new double[batch][h];
            for (int b = 0; b < batch; b++) System.arraycopy(flat, b * h, s[b], 0, h);
            return s;
        }

        double loss() {
            return model().loss(words, state("h0"), state("c0"));
        }

        LightRnnReferenceBackward.Result backward() {
            return model().backward(words, state("h0"), state("c0"));
        }
    }

    private static Point point(RefCellType type, int rows, int columns, int[][] table, long seed) {
        Random r = new Random(seed);
        int e = 3, h = 4, batch = 2, steps = 3;
        int g = type.gates * h;
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("Xr", random(r, rows * e, 1));
        m.put("Xc", random(r, columns * e, 1));
        m.put("Yr", random(r, rows * h, 1.5));
        m.put("Yc", random(r, columns * h, 1.5));
        m.put("W_ih", random(r, g * e, 0.7));
        m.put("W_hh", random(r, g * h, 0.7));
        m.put("b_ih", random(r, g, 0.5));
        m.put("b_hh", random(r, g, 0.5));
        m.put("h0", random(r, batch * h, 0.5));
        if (type.hasCellState()) m.put("c0", random(r, batch * h, 0.5));
        int[][] words = new int[steps][batch];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) words[t][b] = r.nextInt(table[0].length);
        }
        return new Point(type, rows, columns, table[0], table[1], e, h, m, words, batch);
    }

    private static double[] flatten(double[][] a) {
        double[] out = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        return out;
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void gradientsMatchCentralDifferences(RefCellType type, int rows, int columns, int[][] table) {
        for (long seed = 1; seed <= 2; seed++) {
            Point p = point(type, rows, columns, table, seed * 31 + rows);
            LightRnnReferenceBackward.Result result = p.backward();
            assertEquals(p.loss(), result.loss(), 1e-12 * Math.abs(result.loss()), "loss of backward vs inference forward");
            Map<String, double[]> analytic = new LinkedHashMap<>();
            analytic.put("Xr", result.dXr());
            analytic.put("Xc", result.dXc());
            analytic.put("Yr", result.dYr());
            analytic.put("Yc", result.dYc());
            analytic.put("W_ih", result.cell().dWIh());
            analytic.put("W_hh", result.cell().dWHh());
            analytic.put("b_ih", result.cell().dBIh());
            analytic.put("b_hh", result.cell().dBHh());
            analytic.put("h0", flatten(result.dH0()));
            if (result.dC0() != null) analytic.put("c0", flatten(result.dC0()));
            assertEquals(p.tensors().keySet(), analytic.keySet());
            for (var entry : p.tensors().entrySet()) {
                check(type + " seed " + seed + " d" + entry.getKey(), entry.getValue(), analytic.get(entry.getKey()), q -> p.loss(), p);
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
