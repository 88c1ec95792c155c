package org.rnnkernels.reference;

import static org.rnnkernels.reference.RefMath.sigm;

/**
 * HitNet training (CELLS.md "HitNet") of a ternary LSTM or GRU, literally, in double precision: the
 * training forward over float master weights and its backward with straight-through estimators (STE).
 * Shares nothing with the kernels.
 *
 * <p>Forward. Each matrix is used as {@code W_hat = alpha_k * t(w)} per scale block ({@link
 * TernaryReference#ternarizeWeights}: {@code Delta = factor * mean|w|}, {@code t = sign(w)[|w| > Delta]},
 * {@code alpha = mean(|w| over |w| > Delta)}), as the inference layer uses it:
 * <pre>
 *   gi = W_hat_ih a(x_t) + b_ih        gh = W_hat_hh a(h_{t-1}) + b_hh
 *   gates sigm(lambda * pre), tanh(lambda * pre) (the LSTM's h' = o tanh(c') keeps the plain tanh)
 * </pre>
 * {@code a} is the identity in {@link Activations#FLOAT} mode; in {@link Activations#THRESHOLD} mode it is the
 * deployed layer's own rule ({@link TernaryReference#ternarizeActivations}), so training and deployment agree:
 * <pre>
 *   a(v) = sign(v) * [|v| > delta]
 * </pre>
 * and in {@link Activations#STOCHASTIC} mode the stochastic ternarisation, with {@code u} a uniform draw in
 * {@code [0, 1)},
 * <pre>
 *   a(v) = sign(v) * [u < min(|v|, 1)]        (E[a] = hardtanh(v): unbiased on [-1, 1])
 * </pre>
 * The STOCHASTIC draws are the caller's, {@code uniforms [T][B][I + H]}: for step {@code t} and sample {@code b},
 * entries {@code 0 .. I-1} decide {@code a(x_t)} and entries {@code I .. I+H-1} decide {@code a(h_{t-1})}
 * (the kernel's {@code TernaryTrainingLayer} reads them in the same layout, so both take the same draws).
 *
 * <p>Backward, the standard TWN/HitNet STEs:
 * <ul>
 *   <li>weights: {@code dL/dw := dL/dW_hat} (the ternariser, scale included, passes the gradient as the
 *       identity);</li>
 *   <li>activations (THRESHOLD and STOCHASTIC modes): {@code da/dv := [|v| <= 1]} (hardtanh's derivative, the
 *       estimator of the unbiased rule above, used for the threshold rule as well); FLOAT mode: {@code a} is the
 *       identity.</li>
 * </ul>
 * Everything else is the exact derivative. Equivalently: the backward is the exact derivative, at the
 * traced point, of the forward in which each ternarisation {@code q(u)} is replaced by
 * {@code q(u0) + s(u) - s(u0)} ({@code s} the identity for weights, hardtanh for activations).
 *
 * <p>Immutable and thread-safe; every call allocates its own results.
 */
public final class HitNetTrainingReference {
    /** How activations enter the products while training. */
    public enum Activations {
        /** As they are. */
        FLOAT,
        /** {@code sign(v) * [|v| > delta]}. */
        THRESHOLD,
        /** {@code sign(v) * [u < min(|v|, 1)]}, {@code u} the caller's draw. */
        STOCHASTIC
    }

    private final boolean lstm;
    private final Activations activations;
    private final boolean ternaryActivations;
    private final double delta;
    private final int inputSize;
    private final int hiddenSize;
    private final int gates;
    private final double[] wIh; // W_hat_ih [G*H][I]
    private final double[] wHh; // W_hat_hh [G*H][H]
    private final double[] bIh;
    private final double[] bHh;
    private final double lambda;

    /**
     * @param type               LSTM or GRU
     * @param activations        FLOAT, THRESHOLD (at {@code delta}) or STOCHASTIC
     * @param delta              the THRESHOLD mode's threshold (ignored by the others)
     * @param wIh                master weights {@code [G*H][I]}; {@code wHh [G*H][H]}; {@code bIh, bHh [G*H]}
     * @param factor             {@code Delta = factor * mean|w|}
     * @param scaleBlocks        1 (one scale per matrix) or G (one per gate block)
     * @param lambda             the sloping factor
     */
    public HitNetTrainingReference(RefCellType type, Activations activations, double delta, int inputSize, int hiddenSize,
                                   float[] wIh, float[] wHh, double[] bIh, double[] bHh, double factor,
                                   int scaleBlocks, double lambda) {
        if (type != RefCellType.LSTM && type != RefCellType.GRU) {
            throw new IllegalArgumentException("type must be LSTM or GRU, got " + type);
        }
        int rows = type.gates * hiddenSize;
        if (wIh.length != rows * inputSize || wHh.length != rows * hiddenSize || bIh.length != rows || bHh.length != rows) {
            throw new IllegalArgumentException("shapes do not match " + type + " I=" + inputSize + " H=" + hiddenSize);
        }
        if (activations == null) {
            throw new IllegalArgumentException("activations is null, expected FLOAT, THRESHOLD or STOCHASTIC");
        }
        if (scaleBlocks != 1 && scaleBlocks != type.gates) {
            throw new IllegalArgumentException("scaleBlocks must be 1 or " + type.gates + ", got " + scaleBlocks);
        }
        this.lstm = type == RefCellType.LSTM;
        this.activations = activations;
        this.ternaryActivations = activations != Activations.FLOAT;
        this.delta = delta;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.gates = type.gates;
        this.wIh = dequantized(TernaryReference.ternarizeWeights(wIh, rows, inputSize, scaleBlocks, factor));
        this.wHh = dequantized(TernaryReference.ternarizeWeights(wHh, rows, hiddenSize, scaleBlocks, factor));
        this.bIh = bIh.clone();
        this.bHh = bHh.clone();
        this.lambda = lambda;
    }

    // W_hat = alpha_k * t
    private static double[] dequantized(TernaryReference.Weights w) {
        double[] out = new double[w.rows() * w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            for (int c = 0; c < w.cols(); c++) out[r * w.cols() + c] = w.alpha(r) * w.trit(r, c);
        }
        return out;
    }

    /** {@code W_hat_ih = alpha_k * t(w_ih)}, {@code [G*H][I]} (a copy). */
    public double[] quantizedIh() { return wIh.clone(); }

    /** {@code W_hat_hh}, {@code [G*H][H]} (a copy). */
    public double[] quantizedHh() { return wHh.clone(); }

    // a(v): the mode's ternarisation, u its draw (STOCHASTIC), or v itself (FLOAT)
    private double activation(double v, double u) {
        return switch (activations) {
            case FLOAT -> v;
            case THRESHOLD -> TernaryReference.ternarizeActivations(new double[] {v}, delta)[0];
            case STOCHASTIC -> sample(v, u);
        };
    }

    /** The stochastic ternarisation {@code sign(v) * [u < min(|v|, 1)]}. */
    public static double sample(double v, double u) {
        return u < Math.min(Math.abs(v), 1) ? Math.signum(v) : 0;
    }

    /** The activation STE {@code da/dv := [|v| <= 1]}. */
    public static double straightThrough(double v) {
        return Math.abs(v) <= 1 ? 1 : 0;
    }

    /** What the backward needs; arrays are the reference's own (do not modify). */
    public record Trace(double[][][] x, double[][][] ax, double[][][] ah, double[][][] h, double[][][] c,
                        double[][][] gi, double[][][] gh) {
        /** {@code h_1 .. h_T}, {@code [T][B][H]}. */
        public double[][][] outputs() {
            double[][][] out = new double[x.length][][];
            for (int t = 0; t < x.length; t++) out[t] = h[t + 1];
            return out;
        }
    }

    /**
     * Training forward: {@code x [T][B][I]}, {@code h0 [B][H]}, {@code c0 [B][H]} (LSTM, else null),
     * {@code uniforms [T][B][I+H]} (STOCHASTIC mode; ignored, may be null, in the others).
     */
    public Trace forward(double[][][] x, double[][] h0, double[][] c0, double[][][] uniforms) {
        final int T = x.length, B = x[0].length, I = inputSize, H = hiddenSize, GH = gates * H;
        boolean drawn = activations == Activations.STOCHASTIC;
        if (drawn && (uniforms == null || uniforms.length != T)) {
            throw new IllegalArgumentException("uniforms must be [T=" + T + "][B][I+H] in STOCHASTIC mode");
        }
        double[][][] ax = new double[T][B][I];
        double[][][] ah = new double[T][B][H];
        double[][][] h = new double[T + 1][B][];
        double[][][] c = lstm ? new double[T + 1][B][] : null;
        double[][][] gi = new double[T][B][GH];
        double[][][] gh = new double[T][B][GH];
        for (int b = 0; b < B; b++) {
            h[0][b] = h0[b].clone();
            if (lstm) c[0][b] = c0[b].clone();
        }
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                for (int k = 0; k < I; k++) {
                    ax[t][b][k] = activation(x[t][b][k], drawn ? uniforms[t][b][k] : 0);
                }
                for (int j = 0; j < H; j++) {
                    ah[t][b][j] = activation(h[t][b][j], drawn ? uniforms[t][b][I + j] : 0);
                }
                for (int row = 0; row < GH; row++) {
                    double si = bIh[row], sh = bHh[row];
                    for (int k = 0; k < I; k++) si += wIh[row * I + k] * ax[t][b][k];   // gi = W_hat_ih a(x) + b_ih
                    for (int k = 0; k < H; k++) sh += wHh[row * H + k] * ah[t][b][k];   // gh = W_hat_hh a(h) + b_hh
                    gi[t][b][row] = si;
                    gh[t][b][row] = sh;
                }
                h[t + 1][b] = new double[H];
                if (lstm) c[t + 1][b] = new double[H];
                step(gi[t][b], gh[t][b], h[t][b], lstm ? c[t][b] : null, h[t + 1][b], lstm ? c[t + 1][b] : null);
            }
        }
        double[][][] xs = new double[T][B][];
        for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) xs[t][b] = x[t][b].clone();
        return new Trace(xs, ax, ah, h, c, gi, gh);
    }

    private void step(double[] gi, double[] gh, double[] h, double[] c, double[] hOut, double[] cOut) {
        final int H = hiddenSize;
        final double l = lambda;
        for (int j = 0; j < H; j++) {
            if (lstm) {
                double i = sigm(l * (gi[j] + gh[j]));                                // i = sigm(lambda*(gi_i+gh_i))
                double f = sigm(l * (gi[H + j] + gh[H + j]));                        // f
                double g = Math.tanh(l * (gi[2 * H + j] + gh[2 * H + j]));           // g = tanh(lambda*(gi_g+gh_g))
                double o = sigm(l * (gi[3 * H + j] + gh[3 * H + j]));                // o
                cOut[j] = f * c[j] + i * g;                                          // c' = f c + i g
                hOut[j] = o * Math.tanh(cOut[j]);                                    // h' = o tanh(c')
            } else {
                double r = sigm(l * (gi[j] + gh[j]));                                // r = sigm(lambda*(gi_r+gh_r))
                double z = sigm(l * (gi[H + j] + gh[H + j]));                        // z
                double n = Math.tanh(l * (gi[2 * H + j] + r * gh[2 * H + j]));       // n = tanh(lambda*(gi_n + r gh_n))
                hOut[j] = (1 - z) * n + z * h[j];                                    // h' = (1-z) n + z h
            }
        }
    }

    /**
     * Full BPTT over the trace, for {@code L} with {@code dL/dh_t = dOutputs[t-1]} ({@code [T][B][H]}, null
     * = zeros), {@code dFinalH = dL/dh_T}, {@code dFinalC = dL/dc_T} ({@code [B][H]}, null = zeros). Returns
     * {@code dX}, {@code dh0}, {@code dc0} and the parameter gradients (with respect to the MASTER weights, by
     * the weight STE) as a {@link ReferenceBackward.Gradients} (MI and EGRU entries null).
     */
    public ReferenceBackward.Gradients backward(Trace tr, double[][][] dOutputs, double[][] dFinalH, double[][] dFinalC) {
        final int T = tr.x().length, B = tr.x()[0].length, I = inputSize, H = hiddenSize, GH = gates * H;
        final double l = lambda;
        double[][][] dX = new double[T][B][I];
        double[] dWIh = new double[GH * I], dWHh = new double[GH * H], dBIh = new double[GH], dBHh = new double[GH];
        double[][] dh = new double[B][H];
        double[][] dc = new double[B][H];
        for (int b = 0; b < B; b++) {
            if (dFinalH != null) dh[b] = dFinalH[b].clone();
            if (dFinalC != null) dc[b] = dFinalC[b].clone();
        }
        double[] dGi = new double[GH], dGh = new double[GH];
        for (int t = T - 1; t >= 0; t--) {
            for (int b = 0; b < B; b++) {
                double[] gi = tr.gi()[t][b], gh = tr.gh()[t][b], h = tr.h()[t][b];
                double[] dhPrev = new double[H], dcPrev = new double[H];
                for (int j = 0; j < H; j++) {
                    double dH = dh[b][j] + (dOutputs == null ? 0 : dOutputs[t][b][j]);   // dL/dh_{t+1}
                    if (lstm) {
                        double i = sigm(l * (gi[j] + gh[j])), f = sigm(l * (gi[H + j] + gh[H + j]));
                        double g = Math.tanh(l * (gi[2 * H + j] + gh[2 * H + j])), o = sigm(l * (gi[3 * H + j] + gh[3 * H + j]));
                        double cN = f * tr.c()[t][b][j] + i * g, tc = Math.tanh(cN);
                        double dCN = dc[b][j] + dH * o * (1 - tc * tc);                  // dh'/dc' = o (1 - tanh(c')^2)
                        double dAI = dCN * g * i * (1 - i);                              // dc'/di = g ; dsigm = s (1-s)
                        double dAF = dCN * tr.c()[t][b][j] * f * (1 - f);                // dc'/df = c
                        double dAG = dCN * i * (1 - g * g);                              // dc'/dg = i ; dtanh = 1 - tanh^2
                        double dAO = dH * tc * o * (1 - o);                              // dh'/do = tanh(c')
                        dcPrev[j] = dCN * f;                                             // dc'/dc = f
                        double[] dA = {dAI, dAF, dAG, dAO};
                        for (int k = 0; k < 4; k++) {
                            dGi[k * H + j] = l * dA[k];                                  // a_k = lambda (gi_k + gh_k)
                            dGh[k * H + j] = l * dA[k];
                        }
                    } else {
                        double r = sigm(l * (gi[j] + gh[j])), z = sigm(l * (gi[H + j] + gh[H + j]));
                        double n = Math.tanh(l * (gi[2 * H + j] + r * gh[2 * H + j]));
                        double dN = dH * (1 - z);                                        // h' = (1-z) n + z h
                        double dZ = dH * (h[j] - n);
                        dhPrev[j] = dH * z;                                              // dh'/dh = z (direct)
                        double dAN = dN * (1 - n * n);                                   // a_n = lambda (gi_n + r gh_n)
                        double dR = dAN * l * gh[2 * H + j];                             // da_n/dr = lambda gh_n
                        double dAR = dR * r * (1 - r);
                        double dAZ = dZ * z * (1 - z);
                        dGi[j] = dGh[j] = l * dAR;
                        dGi[H + j] = dGh[H + j] = l * dAZ;
                        dGi[2 * H + j] = l * dAN;                                        // da_n/dgi_n = lambda
                        dGh[2 * H + j] = l * dAN * r;                                    // da_n/dgh_n = lambda r
                    }
                }
                double[] ax = tr.ax()[t][b], ah = tr.ah()[t][b], x = tr.x()[t][b];
                double[] dAx = new double[I], dAh = new double[H];
                for (int row = 0; row < GH; row++) {
                    dBIh[row] += dGi[row];                                               // dgi/db_ih = 1
                    dBHh[row] += dGh[row];
                    for (int k = 0; k < I; k++) {
                        dWIh[row * I + k] += dGi[row] * ax[k];                           // dL/dw := dL/dW_hat = dGi a(x)^T
                        dAx[k] += wIh[row * I + k] * dGi[row];                           // dL/da(x) = W_hat^T dGi
                    }
                    for (int k = 0; k < H; k++) {
                        dWHh[row * H + k] += dGh[row] * ah[k];
                        dAh[k] += wHh[row * H + k] * dGh[row];
                    }
                }
                for (int k = 0; k < I; k++) {
                    dX[t][b][k] = dAx[k] * (ternaryActivations ? straightThrough(x[k]) : 1);  // da/dx := [|x| <= 1]
                }
                for (int k = 0; k < H; k++) {
                    dh[b][k] = dhPrev[k] + dAh[k] * (ternaryActivations ? straightThrough(h[k]) : 1);
                }
                dc[b] = dcPrev;
            }
        }
        return new ReferenceBackward.Gradients(0, dX, dh, lstm ? dc : null, dWIh, dWHh, dBIh, dBHh,
                null, null, null, null);
    }
}
