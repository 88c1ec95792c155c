package org.rnnkernels.reference;

import static org.rnnkernels.reference.RefMath.sigm;

/**
 * HitNet ternary LSTM and GRU (CELLS.md "HitNet"), literally, in double precision: weight and
 * activation ternarisation, integer dot products (as long), the step. Shares nothing with the kernels.
 */
public final class TernaryReference {

    /** Trits {@code t [rows][cols]} in {-1, 0, 1} and one scale per block of {@code rows / alphas.length} rows. */
    public record Weights(int rows, int cols, int[] trits, double[] alphas) {
        public int trit(int row, int col) {
            return trits[row * cols + col];
        }

        public double alpha(int row) {
            return alphas[row / (rows / alphas.length)];
        }
    }

    /**
     * Per block of {@code rows / blocks} rows: {@code Delta = factor * mean|w|},
     * {@code t = sign(w) * [|w| > Delta]}, {@code alpha = mean(|w| over |w| > Delta)} (0 if none).
     */
    public static Weights ternarizeWeights(float[] w, int rows, int cols, int blocks, double factor) {
        int[] t = new int[rows * cols];
        double[] alphas = new double[blocks];
        int perBlock = rows / blocks * cols;
        for (int k = 0; k < blocks; k++) {
            double sumAbs = 0;
            for (int i = k * perBlock; i < (k + 1) * perBlock; i++) {
                sumAbs += Math.abs((double) w[i]);
            }
            double delta = factor * (sumAbs / perBlock);                        // Delta = factor * mean|W|
            double keptAbs = 0;
            int kept = 0;
            for (int i = k * perBlock; i < (k + 1) * perBlock; i++) {
                double v = w[i];
                t[i] = Math.abs(v) > delta ? (v > 0 ? 1 : -1) : 0;              // t = sign(w) * [|w| > Delta]
                if (t[i] != 0) {
                    keptAbs += Math.abs(v);
                    kept++;
                }
            }
            alphas[k] = kept == 0 ? 0 : keptAbs / kept;                         // alpha = mean(|w| over |w| > Delta)
        }
        return new Weights(rows, cols, t, alphas);
    }

    /** {@code t = sign(v) * [|v| > delta]} */
    public static int[] ternarizeActivations(double[] v, double delta) {
        int[] t = new int[v.length];
        for (int j = 0; j < v.length; j++) {
            t[j] = v[j] > delta ? 1 : v[j] < -delta ? -1 : 0;
        }
        return t;
    }

    /** {@code sum_j t[row][j] * a[j]}, exact. */
    public static long dot(Weights w, int row, int[] a) {
        long s = 0;
        for (int j = 0; j < w.cols(); j++) {
            s += (long) w.trit(row, j) * a[j];
        }
        return s;
    }

    /** {@code sum_j t[row][j] * x[j]} */
    public static double dot(Weights w, int row, double[] x) {
        double s = 0;
        for (int j = 0; j < w.cols(); j++) {
            s += w.trit(row, j) * x[j];
        }
        return s;
    }

    private final boolean lstm;
    private final boolean ternaryActivations;
    private final int inputSize;
    private final int hiddenSize;
    private final Weights wIh;
    private final Weights wHh;
    private final double[] bIh;
    private final double[] bHh;
    private final double delta;
    private final double lambda;

    /**
     * @param type               LSTM or GRU
     * @param ternaryActivations {@code a(v) = sign(v)[|v| > delta]} when true, identity when false
     * @param wIh                {@code [G*H][I]}; {@code wHh [G*H][H]}; {@code bIh}, {@code bHh [G*H]}
     */
    public TernaryReference(RefCellType type, boolean ternaryActivations, int inputSize, int hiddenSize,
                            Weights wIh, Weights wHh, double[] bIh, double[] bHh, double delta, double lambda) {
        if (type != RefCellType.LSTM && type != RefCellType.GRU) {
            throw new IllegalArgumentException("type must be LSTM or GRU, got " + type);
        }
        int rows = type.gates * hiddenSize;
        if (wIh.rows() != rows || wIh.cols() != inputSize || wHh.rows() != rows || wHh.cols() != hiddenSize
                || bIh.length != rows || bHh.length != rows) {
            throw new IllegalArgumentException("shapes do not match " + type + " I=" + inputSize + " H=" + hiddenSize);
        }
        this.lstm = type == RefCellType.LSTM;
        this.ternaryActivations = ternaryActivations;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.wIh = wIh;
        this.wHh = wHh;
        this.bIh = bIh.clone();
        this.bHh = bHh.clone();
        this.delta = delta;
        this.lambda = lambda;
    }

    // alpha_k * (T · a(v)) + b, all rows
    private double[] product(Weights w, double[] v, double[] b) {
        double[] out = new double[w.rows()];
        int[] a = ternaryActivations ? ternarizeActivations(v, delta) : null;
        for (int row = 0; row < w.rows(); row++) {
            double dot = ternaryActivations ? dot(w, row, a) : dot(w, row, v);
            out[row] = w.alpha(row) * dot + b[row];
        }
        return out;
    }

    /** One step of one sample: x [I], h [H], c [H] (LSTM, else null) -> hOut [H], cOut [H] (LSTM). */
    public void step(double[] x, double[] h, double[] c, double[] hOut, double[] cOut) {
        final int H = hiddenSize;
        if (x.length != inputSize || h.length != H) {
            throw new IllegalArgumentException("x must be [" + inputSize + "] and h [" + H + "]");
        }
        double[] gi = product(wIh, x, bIh);         // gi = alpha_ih,k * (T_ih · a(x)) + b_ih
        double[] gh = product(wHh, h, bHh);         // gh = alpha_hh,k * (T_hh · a(h)) + b_hh
        double l = lambda;
        double[] hNew = new double[H];
        double[] cNew = new double[H];
        for (int j = 0; j < H; j++) {
            if (lstm) {
                double i = sigm(l * (gi[j] + gh[j]));                               // i = sigm(lambda*(gi_i+gh_i))
                double f = sigm(l * (gi[H + j] + gh[H + j]));                       // f = sigm(lambda*(gi_f+gh_f))
                double g = Math.tanh(l * (gi[2 * H + j] + gh[2 * H + j]));          // g = tanh(lambda*(gi_g+gh_g))
                double o = sigm(l * (gi[3 * H + j] + gh[3 * H + j]));               // o = sigm(lambda*(gi_o+gh_o))
                cNew[j] = f * c[j] + i * g;                                         // c' = f⊙c + i⊙g
                hNew[j] = o * Math.tanh(cNew[j]);                                   // h' = o⊙tanh(c')
            } else {
                double r = sigm(l * (gi[j] + gh[j]));                               // r = sigm(lambda*(gi_r+gh_r))
                double z = sigm(l * (gi[H + j] + gh[H + j]));                       // z = sigm(lambda*(gi_z+gh_z))
                double n = Math.tanh(l * (gi[2 * H + j] + r * gh[2 * H + j]));      // n = tanh(lambda*(gi_n + r⊙gh_n))
                hNew[j] = (1 - z) * n + z * h[j];                                   // h' = (1-z)⊙n + z⊙h
            }
        }
        System.arraycopy(hNew, 0, hOut, 0, H);
        if (lstm) {
            System.arraycopy(cNew, 0, cOut, 0, H);
        }
    }
}
