package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ReferenceBackward against central finite differences of the inference forward
 * ({@link ReferenceCell#run}, which shares no backward code), for the scalar loss
 * {@code L = sum_t sum(g_t ⊙ h_t) + sum(gH ⊙ h_T) + sum(gC ⊙ c_T)} with random fixed {@code g}.
 *
 * <p>Error measure: {@code |a - b| / max(FLOOR, |a| + |b|) <= 1e-6}. The floor is there because the
 * central difference has an error of its own that does not shrink with the gradient: rounding,
 * about {@code eps * (sum of |terms| of L) / STEP}, ~1e-9 here, plus {@code STEP^2 f'''/6}, ~1e-12. A
 * gradient entry with {@code |a| + |b|} below {@code FLOOR = 1e-3} is therefore held to an absolute
 * error of {@code 1e-6 * FLOOR = 1e-9} instead; every tensor of every cell must have entries above the
 * floor (checked), so no tensor passes on the floor alone.
 *
 * <p>Kinks: relu, hardtanh and S are only piecewise differentiable, and a finite difference across a
 * kink is meaningless. A sampled point is used only if every kink argument is farther than 1e-4 from its
 * kink ({@link ReferenceBackward.Trace#nearestKink()}); otherwise the next seed is drawn (the seeds
 * actually used are {@code base, base+1, ...} for the first point that qualifies). A perturbation of
 * {@code STEP = 1e-6} moves those arguments by far less than 1e-4 over five steps.
 *
 * <p>EGRU is differentiated here with {@code gamma = 0}, the exact derivative of its forward away from
 * the Heaviside's jump; {@code |c_pre - theta|} counts as a kink argument (checked independently in
 * {@link EgruBackwardTest}, which also checks the pseudo-derivative).
 */
class ReferenceBackwardTest {
    static final double STEP = 1e-6;
    static final double TOL = 1e-6;
    static final double FLOOR = 1e-3;
    static final double KINK_MARGIN = 1e-4;
    private static final long[] BASE_SEEDS = {1_000, 2_000};
    // {I, H, B, T}
    static final int[][] SHAPES = {{3, 4, 2, 5}, {3, 1, 2, 5}, {3, 4, 2, 1}};

    /**
     * A point at which to differentiate: parameters ({@code theta} for EGRU, else null), inputs, initial
     * states and the loss weights g.
     */
    record Point(RefCellType type, int in, int hid, double[] wIh, double[] wHh, double[] bIh, double[] bHh,
                 double[] alpha, double[] beta1, double[] beta2, double[] theta, double[][][] x, double[][] h0,
                 double[][] c0, double[][][] g, double[][] gH, double[][] gC) {

        ReferenceCell cell() {
            if (type == RefCellType.EGRU) return ReferenceCell.egru(in, hid, wIh, wHh, bIh, bHh, theta);
            return type.multiplicative()
                    ? new ReferenceCell(type, in, hid, wIh, wHh, bIh, bHh, alpha, beta1, beta2)
                    : new ReferenceCell(type, in, hid, wIh, wHh, bIh, bHh);
        }

        Point withTheta(double[] t) {
            return new Point(type, in, hid, wIh, wHh, bIh, bHh, alpha, beta1, beta2, t, x, h0, c0, g, gH, gC);
        }

        /** The backward whose gradients are the exact derivative: for EGRU the pseudo-derivative is off. */
        ReferenceBackward exactBackward() {
            return type == RefCellType.EGRU ? new ReferenceBackward(cell(), 0, 1) : new ReferenceBackward(cell());
        }

        /** L evaluated by the inference forward. */
        double loss() {
            ReferenceCell.Sequence s = cell().run(x, h0, c0);
            double sum = 0;
            for (int t = 0; t < x.length; t++) sum += dot(g[t], s.outputs()[t]);
            sum += dot(gH, s.finalH());
            if (gC != null) sum += dot(gC, s.finalC());
            return sum;
        }

        /** Every differentiable tensor as its rows (mutable in place), named. */
        Map<String, List<double[]>> tensors() {
            Map<String, List<double[]>> m = new LinkedHashMap<>();
            m.put("W_ih", List.of(wIh));
            m.put("W_hh", List.of(wHh));
            m.put("b_ih", List.of(bIh));
            m.put("b_hh", List.of(bHh));
            if (type == RefCellType.EGRU) m.put("theta", List.of(theta));
            if (type.multiplicative()) {
                m.put("alpha", List.of(alpha));
                m.put("beta1", List.of(beta1));
                m.put("beta2", List.of(beta2));
            }
            m.put("x", rows(x));
            m.put("h0", List.of(h0));
            if (c0 != null) m.put("c0", List.of(c0));
            return m;
        }
    }

    /** The analytic gradients in the same named layout as {@link Point#tensors()}. */
    static Map<String, List<double[]>> tensors(ReferenceBackward.Gradients d, RefCellType type) {
        Map<String, List<double[]>> m = new LinkedHashMap<>();
        m.put("W_ih", List.of(d.dWIh()));
        m.put("W_hh", List.of(d.dWHh()));
        m.put("b_ih", List.of(d.dBIh()));
        m.put("b_hh", List.of(d.dBHh()));
        if (type == RefCellType.EGRU) m.put("theta", List.of(d.dTheta()));
        if (type.multiplicative()) {
            m.put("alpha", List.of(d.dAlpha()));
            m.put("beta1", List.of(d.dBeta1()));
            m.put("beta2", List.of(d.dBeta2()));
        }
        m.put("x", rows(d.dX()));
        m.put("h0", List.of(d.dInitialH()));
        if (type.hasCellState()) m.put("c0", List.of(d.dInitialC()));
        return m;
    }

    private static List<double[]> rows(double[][][] a) {
        List<double[]> out = new ArrayList<>();
        for (double[][] step : a) out.addAll(List.of(step));
        return out;
    }

    static double dot(double[][] a, double[][] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) sum += a[i][j] * b[i][j];
        }
        return sum;
    }

    private static double[][][] uniform(Random r, int n0, int n1, int n2) {
        double[][][] a = new double[n0][n1][];
        for (int i = 0; i < n0; i++) {
            for (int j = 0; j < n1; j++) a[i][j] = r.doubles(n2, -1, 1).toArray();
        }
        return a;
    }

    /**
     * Weights and biases uniform in [-1/sqrt(H), 1/sqrt(H)] (PyTorch's default initialisation); inputs,
     * states, MI vectors and g uniform in [-1, 1]; EGRU's thresholds uniform in [0.05, 0.5], where both
     * firing and silent units are common (drawn last, so the other cells' points do not depend on them).
     * Wider weights saturate RAG cells so often that a kink (e.g. h exactly 1 held by an open gate) is in
     * nearly every point.
     */
    static Point sample(RefCellType type, int[] shape, long seed) {
        final int I = shape[0], H = shape[1], B = shape[2], T = shape[3], rows = type.gates * H;
        final double k = 1 / Math.sqrt(H);
        Random r = new Random(seed);
        boolean mi = type.multiplicative();
        return new Point(type, I, H, r.doubles(rows * I, -k, k).toArray(), r.doubles(rows * H, -k, k).toArray(),
                r.doubles(rows, -k, k).toArray(), r.doubles(rows, -k, k).toArray(),
                mi ? r.doubles(rows, -1, 1).toArray() : null, mi ? r.doubles(rows, -1, 1).toArray() : null,
                mi ? r.doubles(rows, -1, 1).toArray() : null, null,
                uniform(r, T, B, I), uniform(r, 1, B, H)[0], type.hasCellState() ? uniform(r, 1, B, H)[0] : null,
                uniform(r, T, B, H), uniform(r, 1, B, H)[0], type.hasCellState() ? uniform(r, 1, B, H)[0] : null)
                .withTheta(type == RefCellType.EGRU ? r.doubles(H, 0.05, 0.5).toArray() : null);
    }

    /** The first point from seed {@code base} on whose kink arguments are all farther than KINK_MARGIN. */
    static Point kinkFreePoint(RefCellType type, int[] shape, long base) {
        for (long seed = base; seed < base + 500; seed++) {
            Point p = sample(type, shape, seed);
            if (p.exactBackward().forward(p.x, p.h0, p.c0).nearestKink() > KINK_MARGIN) return p;
        }
        return fail("no kink-free point for " + type + " in 500 seeds from " + base);
    }

    private static ReferenceBackward.Gradients analytic(Point p) {
        ReferenceBackward backward = p.exactBackward();
        ReferenceBackward.Trace trace = backward.forward(p.x, p.h0, p.c0);
        return backward.backward(trace, p.g, p.gH, p.gC);
    }

    /**
     * Compares every entry of every tensor of {@code analytic} with the central difference of p.loss();
     * counts, per tensor name, the entries large enough to be held to the relative tolerance.
     */
    static void checkAgainstFiniteDifferences(Point p, Map<String, List<double[]>> analytic, String what,
                                              Map<String, Integer> resolved) {
        checkAgainstFiniteDifferences(p, p::loss, analytic, what, resolved);
    }

    /** As above, for a loss computed by {@code loss} from p's tensors (which are perturbed in place). */
    static void checkAgainstFiniteDifferences(Point p, DoubleSupplier loss, Map<String, List<double[]>> analytic,
                                              String what, Map<String, Integer> resolved) {
        Map<String, List<double[]>> leaves = p.tensors();
        assertEquals(leaves.keySet(), analytic.keySet(), what);
        for (String name : leaves.keySet()) {
            List<double[]> vs = leaves.get(name);
            List<double[]> ds = analytic.get(name);
            assertEquals(vs.size(), ds.size(), what + " " + name + " rows");
            for (int r = 0; r < vs.size(); r++) {
                double[] v = vs.get(r);
                assertEquals(v.length, ds.get(r).length, what + " " + name + " row length");
                for (int k = 0; k < v.length; k++) {
                    double keep = v[k];
                    v[k] = keep + STEP;
                    double up = loss.getAsDouble();
                    v[k] = keep - STEP;
                    double down = loss.getAsDouble();
                    v[k] = keep;
                    double numeric = (up - down) / (2 * STEP);
                    double a = ds.get(r)[k];
                    assertTrue(Double.isFinite(a), what + " " + name + " not finite");
                    double scale = Math.abs(a) + Math.abs(numeric);
                    double err = Math.abs(a - numeric) / Math.max(FLOOR, scale);
                    if (err > TOL) {
                        fail(what + " d" + name + " row " + r + " [" + k + "]: backward " + a + ", finite difference "
                                + numeric + ", relative error " + err);
                    }
                    if (scale > FLOOR) resolved.merge(name, 1, Integer::sum);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void gradientsMatchCentralDifferences(RefCellType type) {
        Map<String, Integer> resolved = new LinkedHashMap<>();
        for (int[] shape : SHAPES) {
            for (long base : BASE_SEEDS) {
                Point p = kinkFreePoint(type, shape, base);
                String what = type + " I,H,B,T=" + Arrays.toString(shape) + " seed~" + base;
                checkAgainstFiniteDifferences(p, tensors(analytic(p), type), what, resolved);
            }
        }
        // Not vacuous: every tensor had entries above the floor, checked to the relative tolerance.
        for (String name : sample(type, SHAPES[0], 0).tensors().keySet()) {
            assertTrue(resolved.getOrDefault(name, 0) > 0, type + " d" + name + " never above the floor " + FLOOR);
        }
    }

    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void trainingForwardEqualsInferenceForward(RefCellType type) {
        Point p = sample(type, SHAPES[0], 7);
        ReferenceCell.Sequence s = p.cell().run(p.x, p.h0, p.c0);
        ReferenceBackward.Trace trace = p.exactBackward().forward(p.x, p.h0, p.c0);
        assertArrayEquals(s.outputs(), trace.outputs(), type.name());
        assertArrayEquals(s.finalH(), trace.finalH(), type.name());
        if (type.hasCellState()) assertArrayEquals(s.finalC(), trace.finalC(), type.name());
        assertEquals(5, trace.steps());
        assertEquals(2, trace.batch());
    }

    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void wholeSequenceChunkIsFullBptt(RefCellType type) {
        Point p = sample(type, SHAPES[0], 11);
        ReferenceBackward backward = p.exactBackward();
        ReferenceBackward.Trace trace = backward.forward(p.x, p.h0, p.c0);
        ReferenceBackward.Gradients full = backward.backward(trace, p.g, p.gH, p.gC);
        for (int chunk : new int[] {5, 8}) {
            List<ReferenceBackward.Gradients> chunks = backward.truncated(trace, p.g, p.gH, p.gC, chunk);
            assertEquals(1, chunks.size());
            assertSameGradients(full, chunks.get(0), type, type + " chunk " + chunk);
        }
    }

    private static void assertSameGradients(ReferenceBackward.Gradients a, ReferenceBackward.Gradients b,
                                            RefCellType type, String what) {
        assertEquals(a.firstStep(), b.firstStep(), what);
        Map<String, List<double[]>> ta = tensors(a, type), tb = tensors(b, type);
        for (String name : ta.keySet()) {
            for (int r = 0; r < ta.get(name).size(); r++) {
                assertArrayEquals(ta.get(name).get(r), tb.get(name).get(r), 0.0, what + " d" + name);
            }
        }
    }

    /**
     * The documented semantics: with chunks of 2 over T = 5 ([0,2), [2,4), [4,5)), chunk m's gradients
     * are the gradients of its own loss terms, with the state entering the chunk held at its forward
     * value, checked by finite differences of the inference forward run on the chunk alone. And they
     * differ from full BPTT: the parameter gradients summed over the chunks miss the terms carried across
     * the boundaries, while the last chunk's input gradients are full BPTT's.
     */
    @ParameterizedTest
    @EnumSource(RefCellType.class)
    void truncatedChunksDifferentiateTheirOwnLossFromAFixedFirstState(RefCellType type) {
        final int chunk = 2;
        Point p = kinkFreePoint(type, SHAPES[0], 3_000);
        ReferenceBackward backward = p.exactBackward();
        ReferenceBackward.Trace trace = backward.forward(p.x, p.h0, p.c0);
        List<ReferenceBackward.Gradients> chunks = backward.truncated(trace, p.g, p.gH, p.gC, chunk);
        assertEquals(3, chunks.size());
        final int T = p.x.length;
        Map<String, Integer> resolved = new LinkedHashMap<>();
        for (ReferenceBackward.Gradients d : chunks) {
            int from = d.firstStep(), to = Math.min(T, from + chunk);
            assertEquals(to - from, d.dX().length);
            boolean last = to == T;
            // the state entering the chunk, from the inference forward of the steps before it
            double[][] hStart = p.h0;
            double[][] cStart = p.c0;
            if (from > 0) {
                ReferenceCell.Sequence before = p.cell().run(Arrays.copyOfRange(p.x, 0, from), p.h0, p.c0);
                hStart = before.finalH();
                cStart = before.finalC();
            }
            double[][] zero = new double[p.gH.length][p.hid];
            Point chunkPoint = new Point(type, p.in, p.hid, p.wIh, p.wHh, p.bIh, p.bHh, p.alpha, p.beta1, p.beta2, p.theta,
                    Arrays.copyOfRange(p.x, from, to), hStart, cStart,
                    Arrays.copyOfRange(p.g, from, to), last ? p.gH : zero,
                    type.hasCellState() ? (last ? p.gC : new double[p.gH.length][p.hid]) : null);
            checkAgainstFiniteDifferences(chunkPoint, tensors(d, type), type + " chunk from " + from, resolved);
        }

        ReferenceBackward.Gradients full = backward.backward(trace, p.g, p.gH, p.gC);
        ReferenceBackward.Gradients lastChunk = chunks.get(2);
        for (int b = 0; b < p.gH.length; b++) {
            assertArrayEquals(full.dX()[4][b], lastChunk.dX()[0][b], 0.0, type + ": the last chunk's dX is full BPTT's");
        }
        double[] summed = new double[full.dWHh().length];
        for (ReferenceBackward.Gradients d : chunks) {
            for (int k = 0; k < summed.length; k++) summed[k] += d.dWHh()[k];
        }
        double largest = 0;
        for (int k = 0; k < summed.length; k++) {
            largest = Math.max(largest, Math.abs(summed[k] - full.dWHh()[k]) / Math.max(FLOOR,
                    Math.abs(summed[k]) + Math.abs(full.dWHh()[k])));
        }
        assertTrue(largest > 1e-3, type + ": chunked dW_hh should miss the cross-boundary terms, differs by " + largest);
    }

    // ---- kinks ----

    @Test
    void subgradientIsZeroAtTheKinks() {
        assertEquals(0, ReferenceBackward.dRelu(0));
        assertEquals(1, ReferenceBackward.dRelu(1e-300));
        assertEquals(0, ReferenceBackward.dHardtanh(1));
        assertEquals(0, ReferenceBackward.dHardtanh(-1));
        assertEquals(1, ReferenceBackward.dHardtanh(0.999));
        assertEquals(0, ReferenceBackward.dHardtanh(-1.5));
        // S(v, q) = relu(v - q) - relu(-v - q)
        assertEquals(1, ReferenceBackward.dInhibitDv(0.7, 0.5));   // S = v - q
        assertEquals(-1, ReferenceBackward.dInhibitDq(0.7, 0.5));
        assertEquals(1, ReferenceBackward.dInhibitDv(-0.7, 0.5));  // S = v + q
        assertEquals(1, ReferenceBackward.dInhibitDq(-0.7, 0.5));
        assertEquals(0, ReferenceBackward.dInhibitDv(0.3, 0.5));   // blocked
        assertEquals(0, ReferenceBackward.dInhibitDq(0.3, 0.5));
        assertEquals(0, ReferenceBackward.dInhibitDv(0.5, 0.5));   // kink |v| = q
        assertEquals(0, ReferenceBackward.dInhibitDv(0, 0));       // both relus at their kink (documented)
    }

    @Test
    void kinkAtTheTracedPointIsReportedAndGetsSubgradientZero() {
        // RNN_RELU, I = H = 1: a = (0.5*2 - 0.25) + (-0.5*1.5 + 0) = 0 exactly, so d relu(a)/da = 0.
        ReferenceCell relu = new ReferenceCell(RefCellType.RNN_RELU, 1, 1, new double[] {0.5}, new double[] {-0.5},
                new double[] {-0.25}, new double[] {0});
        ReferenceBackward rb = new ReferenceBackward(relu);
        ReferenceBackward.Trace trace = rb.forward(new double[][][] {{{2}}}, new double[][] {{1.5}}, null);
        assertEquals(0, trace.nearestKink());
        assertEquals(Double.POSITIVE_INFINITY, trace.nearestMiss(), "its one kink argument is on the kink: no miss");
        // a second step, a = (0.5*2 - 0.25) + (-0.5*0 + 0) = 0.75 from the kink: the least distance that is not 0
        ReferenceBackward.Trace twoSteps = rb.forward(new double[][][] {{{2}}, {{2}}}, new double[][] {{1.5}}, null);
        assertEquals(0, twoSteps.nearestKink());
        assertEquals(0.75, twoSteps.nearestMiss(), 1e-15);
        ReferenceBackward.Gradients d = rb.backward(trace, new double[][][] {{{1}}}, null, null);
        assertEquals(0, d.dBIh()[0]);
        assertEquals(0, d.dInitialH()[0][0]);

        // RAG-minimal, I = H = 1, blocks z, n: a_z = 0.5*2 - 1 + 0*h + 0 = 0 exactly
        ReferenceCell rag = new ReferenceCell(RefCellType.RAG_MINIMAL, 1, 1, new double[] {0.5, 0.1},
                new double[] {0, 0.2}, new double[] {-1, 0}, new double[] {0, 0});
        ReferenceBackward gb = new ReferenceBackward(rag);
        ReferenceBackward.Trace ragTrace = gb.forward(new double[][][] {{{2}}}, new double[][] {{0.5}}, null);
        assertEquals(0, ragTrace.nearestKink());
        ReferenceBackward.Gradients dr = gb.backward(ragTrace, new double[][][] {{{1}}}, null, null);
        assertEquals(0, dr.dBIh()[0], "d/da_z takes the subgradient 0 at a_z = 0");
        // h' = hardtanh(S(h, 0) + S(n, 0)) = h + n = 0.5 + hardtanh(0.1*2 + 0.2*0.5) = 0.8:
        // dh'/dh = 1 directly, plus W_hh,n = 0.2 through n
        assertEquals(1.2, dr.dInitialH()[0][0], 1e-15);
    }

    /**
     * The kink that makes most random RAG points unusable for finite differences: a state saturated at
     * exactly 1, held by an open gate while the write is blocked, puts hardtanh's argument exactly on 1.
     */
    @Test
    void saturatedStateHeldByAnOpenGateIsAKink() {
        // RAG-minimal, I = H = 1, blocks z, n; W_hh = 0, biases 0, x = 2, h0 = 1:
        // a_z = 1 -> q_h = 0, q_n = 1 ; n = hardtanh(0.1*2) = 0.2, S(0.2, 1) = 0 ; p_h = S(1, 0) + 0 = 1 exactly
        ReferenceCell rag = new ReferenceCell(RefCellType.RAG_MINIMAL, 1, 1, new double[] {0.5, 0.1},
                new double[] {0, 0}, new double[] {0, 0}, new double[] {0, 0});
        ReferenceBackward gb = new ReferenceBackward(rag);
        ReferenceBackward.Trace trace = gb.forward(new double[][][] {{{2}}}, new double[][] {{1}}, null);
        assertEquals(1, trace.finalH()[0][0]);
        assertEquals(0, trace.nearestKink());
        assertEquals(0, gb.backward(trace, new double[][][] {{{1}}}, null, null).dInitialH()[0][0],
                "d hardtanh(p)/dp at p = 1 is the subgradient 0");

        // RAG-LSTM, I = H = 1, blocks i, f, g, o; x = 2, c0 = 1: a = (-1, 1, 0.5, 1) -> q_c = 0,
        // q_g = relu(1) + relu(1) = 2 blocks g = 0.5 ; p_c = S(1, 0) + S(0.5, 2) = 1 exactly ; h' = S(1, 0) = 1
        ReferenceCell lstm = new ReferenceCell(RefCellType.RAG_LSTM, 1, 1, new double[] {-0.5, 0.5, 0.25, 0.5},
                new double[4], new double[4], new double[4]);
        ReferenceBackward lb = new ReferenceBackward(lstm);
        ReferenceBackward.Trace lt = lb.forward(new double[][][] {{{2}}}, new double[][] {{0.3}}, new double[][] {{1}});
        assertEquals(1, lt.finalC()[0][0]);
        assertEquals(0, lt.nearestKink());
        assertEquals(0, lb.backward(lt, null, null, new double[][] {{1}}).dInitialC()[0][0]);
    }

    @Test
    void smoothCellsHaveNoKinks() {
        for (RefCellType type : new RefCellType[] {RefCellType.RNN_TANH, RefCellType.LSTM, RefCellType.GRU,
                RefCellType.MI_RNN, RefCellType.MI_LSTM, RefCellType.MI_GRU}) {
            Point p = sample(type, SHAPES[0], 5);
            assertEquals(Double.POSITIVE_INFINITY, new ReferenceBackward(p.cell()).forward(p.x, p.h0, p.c0).nearestKink());
        }
    }

    // ---- bad input ----

    @Test
    void badInputNamesTheArgument() {
        Point p = sample(RefCellType.GRU, SHAPES[0], 9);
        ReferenceBackward rb = new ReferenceBackward(p.cell());
        ReferenceBackward.Trace trace = rb.forward(p.x, p.h0, null);
        assertMessage("dOutputs", () -> rb.backward(trace, new double[4][2][4], null, null));
        assertMessage("dOutputs[1]", () -> rb.backward(trace, new double[][][] {new double[2][4], new double[1][4],
                new double[2][4], new double[2][4], new double[2][4]}, null, null));
        assertMessage("dFinalH[0]", () -> rb.backward(trace, null, new double[2][3], null));
        assertMessage("dFinalC", () -> rb.backward(trace, null, null, new double[2][4]));
        assertMessage("chunkLength", () -> rb.truncated(trace, null, null, null, 0));
        assertMessage("trace", () -> rb.backward(null, null, null, null));
        ReferenceBackward other = new ReferenceBackward(p.cell());
        assertMessage("trace", () -> other.backward(trace, null, null, null));
        assertMessage("x[0][1]", () -> rb.forward(new double[][][] {{new double[3], new double[2]}}, null, null));
        assertMessage("h0", () -> rb.forward(p.x, new double[3][4], null));
        assertMessage("c0", () -> rb.forward(p.x, p.h0, new double[2][4]));
        Point lstm = sample(RefCellType.LSTM, SHAPES[0], 9);
        assertMessage("c0", () -> new ReferenceBackward(lstm.cell()).forward(lstm.x, lstm.h0, null));
    }

    static void assertMessage(String name, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(name), "message should name " + name + ": " + e.getMessage());
    }
}
