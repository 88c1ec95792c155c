package org.rnnkernels.reference;

import static org.rnnkernels.reference.RefMath.hardtanh;
import static org.rnnkernels.reference.RefMath.LEAK;
import static org.rnnkernels.reference.RefMath.inhibit;
import static org.rnnkernels.reference.RefMath.leakyHardtanh;
import static org.rnnkernels.reference.RefMath.leakyInhibit;
import static org.rnnkernels.reference.RefMath.relu;
import static org.rnnkernels.reference.RefMath.sigm;

import java.util.Objects;

/**
 * One layer, one direction of a cell of CELLS.md, in plain double precision: a literal
 * transcription of the equations, one line per equation. Shares nothing with the kernels.
 */
public final class ReferenceCell {
    private final RefCellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final double[] wIh; // [G*H][I] row-major
    private final double[] wHh; // [G*H][H] row-major
    private final double[] bIh; // [G*H]
    private final double[] bHh; // [G*H]
    private final double[] alpha; // [G*H], MI cells only
    private final double[] beta1; // [G*H]
    private final double[] beta2; // [G*H]
    private final double[] theta; // [H], EGRU only: the per-unit thresholds

    /**
     * Weights in PyTorch layout, row-major: wIh [G*H][I] flattened, wHh [G*H][H], bIh [G*H],
     * bHh [G*H]; copied. Gate block order per CELLS.md (LSTM i,f,g,o; GRU r,z,n; RAG-minimal z,n).
     * Throws IllegalArgumentException on wrong lengths.
     */
    public ReferenceCell(RefCellType type, int inputSize, int hiddenSize,
                         double[] wIh, double[] wHh, double[] bIh, double[] bHh) {
        this(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, null, null, null);
    }

    /** A multiplicative-integration cell (CELLS.md): {@code alpha, beta1, beta2 [G*H]}, null for the other cells. */
    public ReferenceCell(RefCellType type, int inputSize, int hiddenSize,
                         double[] wIh, double[] wHh, double[] bIh, double[] bHh,
                         double[] alpha, double[] beta1, double[] beta2) {
        this(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, alpha, beta1, beta2, null);
    }

    /**
     * An EGRU (CELLS.md): GRU-layout weights and the per-unit thresholds {@code theta [H]}, each
     * finite and {@code > 0}. Its {@code h} is the sparse output {@code y}, its {@code c} the internal state.
     */
    public static ReferenceCell egru(int inputSize, int hiddenSize, double[] wIh, double[] wHh, double[] bIh, double[] bHh,
                                     double[] theta) {
        return new ReferenceCell(RefCellType.EGRU, inputSize, hiddenSize, wIh, wHh, bIh, bHh, null, null, null, theta);
    }

    private ReferenceCell(RefCellType type, int inputSize, int hiddenSize,
                          double[] wIh, double[] wHh, double[] bIh, double[] bHh,
                          double[] alpha, double[] beta1, double[] beta2, double[] theta) {
        this.type = Objects.requireNonNull(type, "type");
        if (inputSize < 1) throw new IllegalArgumentException("inputSize must be >= 1, got " + inputSize);
        if (hiddenSize < 1) throw new IllegalArgumentException("hiddenSize must be >= 1, got " + hiddenSize);
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        int gh = type.gates * hiddenSize;
        this.wIh = checkedCopy("wIh", wIh, (long) gh * inputSize);
        this.wHh = checkedCopy("wHh", wHh, (long) gh * hiddenSize);
        this.bIh = checkedCopy("bIh", bIh, gh);
        this.bHh = checkedCopy("bHh", bHh, gh);
        if (type.multiplicative()) {
            this.alpha = checkedCopy("alpha", alpha, gh);
            this.beta1 = checkedCopy("beta1", beta1, gh);
            this.beta2 = checkedCopy("beta2", beta2, gh);
        } else {
            if (alpha != null || beta1 != null || beta2 != null) {
                throw new IllegalArgumentException("alpha, beta1, beta2 are for the MI cells only, not " + type);
            }
            this.alpha = this.beta1 = this.beta2 = null;
        }
        if (type == RefCellType.EGRU) {
            this.theta = checkedCopy("theta", theta, hiddenSize);
            for (int j = 0; j < hiddenSize; j++) {
                if (!(this.theta[j] >= 0) || Double.isInfinite(this.theta[j])) {
                    throw new IllegalArgumentException("theta[" + j + "] = " + this.theta[j] + ", expected finite and >= 0");
                }
            }
        } else {
            if (theta != null) throw new IllegalArgumentException("theta is for EGRU only, not " + type);
            this.theta = null;
        }
    }

    /**
     * The MI pre-activation of row {@code row}: alpha*(Wx)*(Uh) + beta1*(Uh) + beta2*(Wx) + b, with
     * Wx = gi - b_ih and b = b_ih + b_hh (Uh passed by the caller: gh - b_hh, or r*gh_n for MI-GRU's n).
     */
    private double mi(int row, double wx, double uh, double b) {
        return alpha[row] * wx * uh + beta1[row] * uh + beta2[row] * wx + b;
    }

    // MI pre-activation of a block whose Uh is gh - b_hh
    private double miRow(double[] gi, double[] gh, int row) {
        return mi(row, gi[row] - bIh[row], gh[row] - bHh[row], bIh[row] + bHh[row]);
    }

    private static double[] checkedCopy(String name, double[] a, long expected) {
        if (a == null) throw new IllegalArgumentException(name + " must not be null");
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
        return a.clone();
    }

    public RefCellType type() { return type; }
    public int inputSize() { return inputSize; }
    public int hiddenSize() { return hiddenSize; }

    /**
     * One step for one sample: x [I], h [H], c [H] (null unless hasCellState) -> writes hOut [H] and
     * cOut [H] (null unless hasCellState). Inputs are not modified.
     */
    public void step(double[] x, double[] h, double[] c, double[] hOut, double[] cOut) {
        final int I = inputSize, H = hiddenSize, G = type.gates;
        checkLen("x", x, I);
        checkLen("h", h, H);
        checkLen("hOut", hOut, H);
        if (type.hasCellState()) {
            checkLen("c", c, H);
            checkLen("cOut", cOut, H);
        } else {
            if (c != null) throw new IllegalArgumentException("c must be null for " + type);
            if (cOut != null) throw new IllegalArgumentException("cOut must be null for " + type);
        }

        double[] gi = new double[G * H];
        double[] gh = new double[G * H];
        project(x, h, gi, gh);

        // Computed into locals first so hOut/cOut may alias h/c.
        double[] hNew = new double[H];
        double[] cNew = type.hasCellState() ? new double[H] : null;
        for (int j = 0; j < H; j++) {
            switch (type) {
                case RNN_TANH -> {
                    hNew[j] = Math.tanh(gi[j] + gh[j]);                                 // h' = tanh(gi + gh)
                }
                case RNN_RELU -> {
                    hNew[j] = relu(gi[j] + gh[j]);                                      // h' = relu(gi + gh)
                }
                case LSTM -> {
                    final int bi = 0, bf = H, bg = 2 * H, bo = 3 * H;                   // blocks i, f, g, o
                    double i = sigm(gi[bi + j] + gh[bi + j]);                           // i = sigm(gi_i+gh_i)
                    double f = sigm(gi[bf + j] + gh[bf + j]);                           // f = sigm(gi_f+gh_f)
                    double g = Math.tanh(gi[bg + j] + gh[bg + j]);                      // g = tanh(gi_g+gh_g)
                    double o = sigm(gi[bo + j] + gh[bo + j]);                           // o = sigm(gi_o+gh_o)
                    cNew[j] = f * c[j] + i * g;                                         // c' = f⊙c + i⊙g
                    hNew[j] = o * Math.tanh(cNew[j]);                                   // h' = o⊙tanh(c')
                }
                case GRU -> {
                    final int br = 0, bz = H, bn = 2 * H;                               // blocks r, z, n
                    double r = sigm(gi[br + j] + gh[br + j]);                           // r = sigm(gi_r+gh_r)
                    double z = sigm(gi[bz + j] + gh[bz + j]);                           // z = sigm(gi_z+gh_z)
                    double n = Math.tanh(gi[bn + j] + r * gh[bn + j]);                  // n = tanh(gi_n + r⊙gh_n)
                    hNew[j] = (1 - z) * n + z * h[j];                                   // h' = (1-z)⊙n + z⊙h
                }
                case RAG_GRU -> {
                    final int br = 0, bz = H, bn = 2 * H;                               // blocks r, z, n
                    double aR = gi[br + j] + gh[br + j];                                // a_r = gi_r + gh_r
                    double aZ = gi[bz + j] + gh[bz + j];                                // a_z = gi_z + gh_z
                    double n = hardtanh(gi[bn + j] + inhibit(gh[bn + j], relu(-aR)));   // n = hardtanh(gi_n + S(gh_n, relu(-a_r)))
                    hNew[j] = hardtanh(inhibit(h[j], relu(-aZ)) + inhibit(n, relu(aZ))); // h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
                }
                case RAG_MINIMAL -> {
                    final int bz = 0, bn = H;                                           // blocks z, n
                    double aZ = gi[bz + j] + gh[bz + j];                                // a_z = gi_z + gh_z
                    double n = hardtanh(gi[bn + j] + gh[bn + j]);                       // n = hardtanh(gi_n + gh_n)
                    hNew[j] = hardtanh(inhibit(h[j], relu(-aZ)) + inhibit(n, relu(aZ))); // h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
                }
                case RAG_MINIMAL_LEAKY -> {
                    final int bz = 0, bn = H;                                           // blocks z, n
                    double aZ = gi[bz + j] + gh[bz + j];                                // a_z = gi_z + gh_z
                    double n = leakyHardtanh(gi[bn + j] + gh[bn + j], LEAK);            // n = hardtanh_l(gi_n + gh_n)
                    hNew[j] = leakyHardtanh(leakyInhibit(h[j], relu(-aZ), LEAK)
                            + leakyInhibit(n, relu(aZ), LEAK), LEAK);                   // h' = hardtanh_l(S_l(h, relu(-a_z)) + S_l(n, relu(a_z)))
                }
                case MI_RNN -> {
                    hNew[j] = Math.tanh(mi(j, gi[j] - bIh[j], gh[j] - bHh[j], bIh[j] + bHh[j]));   // h' = tanh(MI(Wx, Uh) + b)
                }
                case MI_LSTM -> {
                    int bi = 0, bf = H, bg = 2 * H, bo = 3 * H;
                    double i = sigm(miRow(gi, gh, bi + j));                             // i = sigm(MI_i)
                    double f = sigm(miRow(gi, gh, bf + j));                             // f = sigm(MI_f)
                    double g = Math.tanh(miRow(gi, gh, bg + j));                        // g = tanh(MI_g)
                    double o = sigm(miRow(gi, gh, bo + j));                             // o = sigm(MI_o)
                    cNew[j] = f * c[j] + i * g;                                         // c' = f⊙c + i⊙g
                    hNew[j] = o * Math.tanh(cNew[j]);                                   // h' = o⊙tanh(c')
                }
                case MI_GRU -> {
                    int br = 0, bz = H, bn = 2 * H;
                    double r = sigm(miRow(gi, gh, br + j));                             // r = sigm(MI_r)
                    double z = sigm(miRow(gi, gh, bz + j));                             // z = sigm(MI_z)
                    double u = r * gh[bn + j];                                          // Uh of block n is r⊙gh_n
                    double n = Math.tanh(mi(bn + j, gi[bn + j] - bIh[bn + j], u, bIh[bn + j])); // n = tanh(MI(Wx_n, r⊙gh_n) + b_in)
                    hNew[j] = (1 - z) * n + z * h[j];                                   // h' = (1-z)⊙n + z⊙h
                }
                case EGRU -> {
                    // h is y_{t-1}, the sparse output: gh = W_hh y_{t-1} + b_hh above
                    final int br = 0, bz = H, bn = 2 * H;                               // blocks r, z, n
                    double r = sigm(gi[br + j] + gh[br + j]);                           // r = sigm(gi_r + gh_r)
                    double z = sigm(gi[bz + j] + gh[bz + j]);                           // z = sigm(gi_z + gh_z)
                    double g = Math.tanh(gi[bn + j] + r * gh[bn + j]);                  // g = tanh(gi_n + r⊙gh_n)
                    double cPre = z * c[j] + (1 - z) * g;                               // c_pre = z⊙c + (1-z)⊙g
                    double o = cPre - theta[j] > 0 ? 1 : 0;                             // o = Hv(c_pre - theta)
                    hNew[j] = o * cPre;                                                 // y' = o⊙c_pre
                    cNew[j] = cPre - o * theta[j];                                      // c' = c_pre - o⊙theta
                }
                case RAG_LSTM -> {
                    final int bi = 0, bf = H, bg = 2 * H, bo = 3 * H;                   // blocks i, f, g, o
                    double aI = gi[bi + j] + gh[bi + j];                                // a_i = gi_i + gh_i
                    double aF = gi[bf + j] + gh[bf + j];                                // a_f = gi_f + gh_f
                    double aG = gi[bg + j] + gh[bg + j];                                // a_g = gi_g + gh_g
                    double aO = gi[bo + j] + gh[bo + j];                                // a_o = gi_o + gh_o
                    cNew[j] = hardtanh(inhibit(c[j], relu(-aF))
                            + inhibit(hardtanh(aG), relu(aF) + relu(-aI)));            // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)))
                    hNew[j] = inhibit(cNew[j], relu(-aO));                              // h' = S(c', relu(-a_o))
                }
            }
        }
        System.arraycopy(hNew, 0, hOut, 0, H);
        if (cNew != null) System.arraycopy(cNew, 0, cOut, 0, H);
    }

    /**
     * The two matrix products of a step, unchecked (callers in this package pass x [I], h [H], gi and gh
     * [G*H]); shared by {@link #step} and the training forward of {@link ReferenceBackward}, so both see
     * the same pre-activations bit for bit.
     */
    void project(double[] x, double[] h, double[] gi, double[] gh) {
        final int I = inputSize, H = hiddenSize, G = type.gates;
        // gi = W_ih x + b_ih ; gh = W_hh h + b_hh   (all G blocks; row k*H + j is unit j of block k)
        for (int row = 0; row < G * H; row++) {
            double si = bIh[row];
            for (int col = 0; col < I; col++) si += wIh[row * I + col] * x[col];
            gi[row] = si;
            double sh = bHh[row];
            for (int col = 0; col < H; col++) sh += wHh[row * H + col] * h[col];
            gh[row] = sh;
        }
    }

    // Copies of the parameters for ReferenceBackward (same package); alpha, beta1, beta2 are null unless MI.
    double[] wIh() { return wIh.clone(); }
    double[] wHh() { return wHh.clone(); }
    double[] bIh() { return bIh.clone(); }
    double[] bHh() { return bHh.clone(); }
    double[] alpha() { return alpha == null ? null : alpha.clone(); }
    double[] beta1() { return beta1 == null ? null : beta1.clone(); }
    double[] beta2() { return beta2 == null ? null : beta2.clone(); }
    double[] theta() { return theta == null ? null : theta.clone(); } // EGRU only, else null

    /**
     * Whole sequence, time-major: x [T][B][I], h0 [B][H], c0 [B][H] (null unless hasCellState;
     * null h0 means zeros).
     */
    public Sequence run(double[][][] x, double[][] h0, double[][] c0) {
        if (x == null) throw new IllegalArgumentException("x must not be null");
        final int T = x.length;
        if (T == 0) throw new IllegalArgumentException("x must have at least one time step");
        if (x[0] == null) throw new IllegalArgumentException("x[0] must not be null");
        final int B = x[0].length, H = hiddenSize;
        final boolean hasC = type.hasCellState();
        for (int t = 0; t < T; t++) {
            if (x[t] == null || x[t].length != B) {
                throw new IllegalArgumentException("x[" + t + "] must have " + B + " batch rows");
            }
        }
        if (h0 != null && h0.length != B) {
            throw new IllegalArgumentException("h0 has " + h0.length + " batch rows, expected " + B);
        }
        if (hasC) {
            if (c0 == null) throw new IllegalArgumentException("c0 must not be null for " + type);
            if (c0.length != B) throw new IllegalArgumentException("c0 has " + c0.length + " batch rows, expected " + B);
        } else if (c0 != null) {
            throw new IllegalArgumentException("c0 must be null for " + type);
        }

        double[][] h = new double[B][];
        double[][] c = hasC ? new double[B][] : null;
        for (int b = 0; b < B; b++) {
            h[b] = h0 == null ? new double[H] : checkLen("h0[" + b + "]", h0[b], H).clone();
            if (hasC) c[b] = checkLen("c0[" + b + "]", c0[b], H).clone();
        }
        double[][][] outputs = new double[T][B][H];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                double[] hNext = new double[H];
                double[] cNext = hasC ? new double[H] : null;
                step(x[t][b], h[b], hasC ? c[b] : null, hNext, cNext);
                h[b] = hNext;
                if (hasC) c[b] = cNext;
                outputs[t][b] = hNext.clone();
            }
        }
        return new Sequence(outputs, h, c);
    }

    private static double[] checkLen(String name, double[] a, int expected) {
        if (a == null) throw new IllegalArgumentException(name + " must not be null");
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
        return a;
    }

    /** Result of {@link #run}: outputs [T][B][H], finalH [B][H], finalC [B][H] or null. */
    public record Sequence(double[][][] outputs, double[][] finalH, double[][] finalC) {}
}
