package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * HitNet's training backward against central finite differences of a straight-through forward (the idea of
 * {@link EgruBackwardTest}): written out here, independently of the reference, it replaces each
 * ternarisation {@code q(u)} by {@code q(u0) + s(u) - s(u0)}, {@code u0} the evaluation point (and, for the
 * stochastic activations, the draw taken there): {@code s} is the identity for the weights
 * ({@code W_hat0 + (w - w0)}) and hardtanh for the activations. That forward equals the true one at the
 * point and its derivative there is the STE gradient, so the reference's backward must match its finite
 * differences to {@value #TOL} relative (double), for every tensor: the master weights, both biases,
 * {@code x}, {@code h0}, {@code c0}. Inputs {@code x} are drawn in (-1.5, 1.5), keeping {@value #KINK} away
 * from hardtanh's kinks at +-1, so that both sides of the activation STE ({@code [|x| <= 1]}) are exercised.
 */
class HitNetTrainingReferenceTest {
    static final double STEP = 1e-6;
    static final double TOL = 1e-6;
    static final double FLOOR = 1e-3;
    static final double KINK = 1e-3;
    static final double FACTOR = 0.7;
    static final double DELTA = 0.5;
    // I, H, B, T
    static final int[][] SHAPES = {{3, 4, 2, 5}, {3, 1, 2, 5}, {3, 4, 2, 1}};

    /** A sample point: master weights (float, as the kernel keeps them), inputs, draws and the loss's weights. */
    static final class Point {
        final RefCellType type;
        final HitNetTrainingReference.Activations mode;
        final boolean ternary;
        final int in, hid, batch, steps, blocks;
        final double lambda;
        final float[] wIh0, wHh0;
        final double[] wIh, wHh, bIh, bHh;   // perturbed in place by the finite differences
        final double[][][] x;
        final double[][] h0, c0;
        final double[][][] uniforms, g;
        final double[][] gH, gC;

        Point(RefCellType type, HitNetTrainingReference.Activations mode, int[] shape, int blocks, double lambda, long seed) {
            Random r = new Random(seed);
            this.type = type;
            this.mode = mode;
            this.ternary = mode != HitNetTrainingReference.Activations.FLOAT;
            this.in = shape[0];
            this.hid = shape[1];
            this.batch = shape[2];
            this.steps = shape[3];
            this.blocks = blocks;
            this.lambda = lambda;
            int rows = type.gates * hid;
            wIh0 = floats(r, rows * in, 0.8);
            wHh0 = floats(r, rows * hid, 0.8);
            wIh = doubles(wIh0);
            wHh = doubles(wHh0);
            bIh = doubles(floats(r, rows, 0.5));
            bHh = doubles(floats(r, rows, 0.5));
            x = new double[steps][batch][in];
            for (double[][] m : x) {
                for (double[] row : m) {
                    for (int k = 0; k < in; k++) {
                        double v;
                        do {
                            v = (float) (3 * r.nextDouble() - 1.5);
                        } while (Math.abs(Math.abs(v) - 1) < KINK);
                        row[k] = v;
                    }
                }
            }
            h0 = grid(r, batch, hid, 0.5);
            c0 = type == RefCellType.LSTM ? grid(r, batch, hid, 0.5) : null;
            uniforms = new double[steps][][];
            g = new double[steps][][];
            for (int t = 0; t < steps; t++) {
                uniforms[t] = new double[batch][in + hid];
                for (double[] row : uniforms[t]) {
                    for (int k = 0; k < row.length; k++) row[k] = (float) r.nextDouble();
                }
                g[t] = grid(r, batch, hid, 1);
            }
            gH = grid(r, batch, hid, 1);
            gC = type == RefCellType.LSTM ? grid(r, batch, hid, 1) : null;
        }

        HitNetTrainingReference reference() {
            return new HitNetTrainingReference(type, mode, DELTA, in, hid, wIh0, wHh0, bIh, bHh, FACTOR, blocks, lambda);
        }

        Map<String, double[][]> tensors() {
            Map<String, double[][]> m = new LinkedHashMap<>();
            m.put("W_ih", new double[][] {wIh});
            m.put("W_hh", new double[][] {wHh});
            m.put("b_ih", new double[][] {bIh});
            m.put("b_hh", new double[][] {bHh});
            m.put("x", flat(x));
            m.put("h0", h0);
            if (c0 != null) m.put("c0", c0);
            return m;
        }

        @Override
        public String toString() {
            return type + " " + mode + " I,H,B,T=" + in + "," + hid + "," + batch + "," + steps
                    + " blocks=" + blocks + " lambda=" + lambda;
        }
    }

    static float[] floats(Random r, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((2 * r.nextDouble() - 1) * bound);
        return a;
    }

    static double[] doubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static double[][] grid(Random r, int rows, int cols, double bound) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) for (int k = 0; k < cols; k++) row[k] = (float) ((2 * r.nextDouble() - 1) * bound);
        return a;
    }

    static double[][] flat(double[][][] a) {
        double[][] out = new double[a.length * a[0].length][];
        for (int t = 0; t < a.length; t++) for (int b = 0; b < a[0].length; b++) out[t * a[0].length + b] = a[t][b];
        return out;
    }

    static double hardtanh(double v) {
        return Math.min(Math.max(v, -1), 1);
    }

    static double sigm(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** W_hat0 = alpha_k * t(w0) per block, from the inference reference's ternariser. */
    static double[] quantized(float[] w, int rows, int cols, int blocks) {
        TernaryReference.Weights q = TernaryReference.ternarizeWeights(w, rows, cols, blocks, FACTOR);
        double[] out = new double[rows * cols];
        for (int i = 0; i < out.length; i++) out[i] = q.alpha(i / cols) * q.trit(i / cols, i % cols);
        return out;
    }

    /**
     * The straight-through forward's loss {@code sum_t g_t . h_t + gH . h_T + gC . c_T}. With {@code record}
     * it is the true forward, storing {@code v0} and the realised {@code q0} of every activation ternarisation
     * into {@code v0q0 [T][B][I+H][2]}; without, it reads them and uses {@code q0 + hardtanh(v) - hardtanh(v0)}.
     */
    static double loss(Point p, double[] wHatIh0, double[] wHatHh0, double[][][][] v0q0, boolean record) {
        final int I = p.in, H = p.hid, G = p.type.gates, GH = G * H;
        final double l = p.lambda;
        double[] wI = new double[GH * I], wH = new double[GH * H];
        for (int i = 0; i < wI.length; i++) wI[i] = wHatIh0[i] + (p.wIh[i] - p.wIh0[i]);    // W_hat0 + (w - w0)
        for (int i = 0; i < wH.length; i++) wH[i] = wHatHh0[i] + (p.wHh[i] - p.wHh0[i]);
        double loss = 0;
        for (int b = 0; b < p.batch; b++) {
            double[] h = p.h0[b].clone();
            double[] c = p.c0 == null ? null : p.c0[b].clone();
            for (int t = 0; t < p.steps; t++) {
                double[] a = new double[I + H];
                for (int k = 0; k < I + H; k++) {
                    double v = k < I ? p.x[t][b][k] : h[k - I];
                    if (!p.ternary) {
                        a[k] = v;
                    } else if (record && p.mode == HitNetTrainingReference.Activations.THRESHOLD) {
                        a[k] = v > DELTA ? 1 : v < -DELTA ? -1 : 0;                  // sign(v) [|v| > delta]
                        v0q0[t][b][k] = new double[] {v, a[k]};
                    } else if (record) {
                        double u = p.uniforms[t][b][k];
                        a[k] = u < Math.min(Math.abs(v), 1) ? Math.signum(v) : 0;
                        v0q0[t][b][k] = new double[] {v, a[k]};
                    } else {
                        a[k] = v0q0[t][b][k][1] + hardtanh(v) - hardtanh(v0q0[t][b][k][0]);
                    }
                }
                double[] gi = new double[GH], gh = new double[GH];
                for (int row = 0; row < GH; row++) {
                    gi[row] = p.bIh[row];
                    gh[row] = p.bHh[row];
                    for (int k = 0; k < I; k++) gi[row] += wI[row * I + k] * a[k];
                    for (int k = 0; k < H; k++) gh[row] += wH[row * H + k] * a[I + k];
                }
                double[] hN = new double[H];
                for (int j = 0; j < H; j++) {
                    if (c != null) {
                        double i = sigm(l * (gi[j] + gh[j])), f = sigm(l * (gi[H + j] + gh[H + j]));
                        double gg = Math.tanh(l * (gi[2 * H + j] + gh[2 * H + j])), o = sigm(l * (gi[3 * H + j] + gh[3 * H + j]));
                        c[j] = f * c[j] + i * gg;
                        hN[j] = o * Math.tanh(c[j]);
                    } else {
                        double r = sigm(l * (gi[j] + gh[j])), z = sigm(l * (gi[H + j] + gh[H + j]));
                        double n = Math.tanh(l * (gi[2 * H + j] + r * gh[2 * H + j]));
                        hN[j] = (1 - z) * n + z * h[j];
                    }
                    loss += p.g[t][b][j] * hN[j];
                }
                h = hN;
            }
            for (int j = 0; j < H; j++) loss += p.gH[b][j] * h[j] + (c == null ? 0 : p.gC[b][j] * c[j]);
        }
        return loss;
    }

    static Map<String, double[][]> analytic(ReferenceBackward.Gradients d) {
        Map<String, double[][]> m = new LinkedHashMap<>();
        m.put("W_ih", new double[][] {d.dWIh()});
        m.put("W_hh", new double[][] {d.dWHh()});
        m.put("b_ih", new double[][] {d.dBIh()});
        m.put("b_hh", new double[][] {d.dBHh()});
        m.put("x", flat(d.dX()));
        m.put("h0", d.dInitialH());
        if (d.dInitialC() != null) m.put("c0", d.dInitialC());
        return m;
    }

    @Test
    void steGradientsMatchCentralDifferencesOfTheStraightThroughForward() {
        Map<String, Integer> resolved = new LinkedHashMap<>();
        int xBlocked = 0;
        for (RefCellType type : new RefCellType[] {RefCellType.LSTM, RefCellType.GRU}) {
            for (HitNetTrainingReference.Activations mode : HitNetTrainingReference.Activations.values()) {
                boolean ternary = mode != HitNetTrainingReference.Activations.FLOAT;
                for (int s = 0; s < SHAPES.length; s++) {
                    int blocks = s == 1 ? 1 : type.gates;
                    double lambda = s == 2 ? 1 : 1.7;
                    Point p = new Point(type, mode, SHAPES[s], blocks, lambda, 100 * s + switch (mode) {
                        case STOCHASTIC -> 1;
                        case FLOAT -> 2;
                        case THRESHOLD -> 5;
                    } + type.ordinal());
                    int rows = type.gates * p.hid;
                    double[] wHatIh0 = quantized(p.wIh0, rows, p.in, blocks);
                    double[] wHatHh0 = quantized(p.wHh0, rows, p.hid, blocks);
                    double[][][][] v0q0 = new double[p.steps][p.batch][p.in + p.hid][];
                    double trueLoss = loss(p, wHatIh0, wHatHh0, v0q0, true);

                    HitNetTrainingReference ref = p.reference();
                    HitNetTrainingReference.Trace trace = ref.forward(p.x, p.h0, p.c0, p.uniforms);
                    double refLoss = 0;
                    double[][][] out = trace.outputs();
                    for (int t = 0; t < p.steps; t++) {
                        for (int b = 0; b < p.batch; b++) {
                            for (int j = 0; j < p.hid; j++) refLoss += p.g[t][b][j] * out[t][b][j];
                        }
                    }
                    for (int b = 0; b < p.batch; b++) {
                        for (int j = 0; j < p.hid; j++) {
                            refLoss += p.gH[b][j] * trace.h()[p.steps][b][j] + (p.c0 == null ? 0 : p.gC[b][j] * trace.c()[p.steps][b][j]);
                        }
                    }
                    assertEquals(trueLoss, refLoss, 1e-12, p + ": the reference forward is the forward written here");
                    assertEquals(trueLoss, loss(p, wHatIh0, wHatHh0, v0q0, false), 1e-12,
                            p + ": the straight-through forward equals the forward at the point");

                    ReferenceBackward.Gradients d = ref.backward(trace, p.g, p.gH, p.gC);
                    check(p, () -> loss(p, wHatIh0, wHatHh0, v0q0, false), analytic(d), p.toString(), resolved);
                    if (ternary) {
                        for (double[] row : flat(d.dX())) for (double e : row) if (e == 0) xBlocked++;
                    }
                }
            }
        }
        for (String name : new String[] {"W_ih", "W_hh", "b_ih", "b_hh", "x", "h0", "c0"}) {
            assertTrue(resolved.getOrDefault(name, 0) > 0, "d" + name + " never above the floor " + FLOOR);
        }
        assertTrue(xBlocked > 0, "no input outside [-1, 1]: the activation STE's zero side went untested");
    }

    static void check(Point p, java.util.function.DoubleSupplier loss, Map<String, double[][]> analytic, String what,
                      Map<String, Integer> resolved) {
        Map<String, double[][]> leaves = p.tensors();
        assertEquals(leaves.keySet(), analytic.keySet(), what);
        for (String name : leaves.keySet()) {
            double[][] vs = leaves.get(name), ds = analytic.get(name);
            assertEquals(vs.length, ds.length, what + " " + name);
            for (int r = 0; r < vs.length; r++) {
                assertEquals(vs[r].length, ds[r].length, what + " " + name);
                for (int k = 0; k < vs[r].length; k++) {
                    double keep = vs[r][k];
                    vs[r][k] = keep + STEP;
                    double up = loss.getAsDouble();
                    vs[r][k] = keep - STEP;
                    double down = loss.getAsDouble();
                    vs[r][k] = keep;
                    double numeric = (up - down) / (2 * STEP);
                    double a = ds[r][k];
                    double scale = Math.abs(a) + Math.abs(numeric);
                    double err = Math.abs(a - numeric) / Math.max(FLOOR, scale);
                    if (!(err <= TOL)) {
                        fail(what + " d" + name + " [" + r + "][" + k + "]: backward " + a + ", finite difference " + numeric
                                + ", relative error " + err);
                    }
                    if (scale > FLOOR) resolved.merge(name, 1, Integer::sum);
                }
            }
        }
    }

    /**
     * FLOAT and THRESHOLD modes draw nothing and are the inference cell: the training forward equals
     * TernaryReference's steps (identity activations, or ternarised at the same delta).
     */
    @Test
    void floatAndThresholdModesForwardIsTheInferenceForward() {
        for (RefCellType type : new RefCellType[] {RefCellType.LSTM, RefCellType.GRU}) {
            for (HitNetTrainingReference.Activations mode : new HitNetTrainingReference.Activations[] {
                    HitNetTrainingReference.Activations.FLOAT, HitNetTrainingReference.Activations.THRESHOLD}) {
                Point p = new Point(type, mode, SHAPES[0], type.gates, 1.3, 77);
                int rows = type.gates * p.hid;
                TernaryReference inference = new TernaryReference(type, p.ternary, p.in, p.hid,
                        TernaryReference.ternarizeWeights(p.wIh0, rows, p.in, type.gates, FACTOR),
                        TernaryReference.ternarizeWeights(p.wHh0, rows, p.hid, type.gates, FACTOR), p.bIh, p.bHh, DELTA, 1.3);
                HitNetTrainingReference.Trace trace = p.reference().forward(p.x, p.h0, p.c0, null);
                for (int b = 0; b < p.batch; b++) {
                    double[] h = p.h0[b].clone();
                    double[] c = p.c0 == null ? null : p.c0[b].clone();
                    for (int t = 0; t < p.steps; t++) {
                        double[] hN = new double[p.hid], cN = new double[p.hid];
                        inference.step(p.x[t][b], h, c, hN, cN);
                        for (int j = 0; j < p.hid; j++) assertEquals(hN[j], trace.h()[t + 1][b][j], 1e-12, p + " t " + t);
                        h = hN;
                        c = c == null ? null : cN;
                    }
                }
            }
        }
    }

    /** The stochastic rule is unbiased: over evenly spread draws its mean is hardtanh(v). */
    @Test
    void stochasticTernarisationIsUnbiasedOnMinusOneToOne() {
        int n = 10_000;
        for (double v : new double[] {-1.7, -0.83, -0.25, 0, 0.1, 0.5, 0.999, 2.5}) {
            double sum = 0;
            for (int k = 0; k < n; k++) sum += HitNetTrainingReference.sample(v, (k + 0.5) / n);
            assertEquals(hardtanh(v), sum / n, 1.0 / n, "v = " + v);
        }
    }
}
