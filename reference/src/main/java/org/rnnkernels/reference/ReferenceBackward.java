package org.rnnkernels.reference;

import static org.rnnkernels.reference.RefMath.hardtanh;
import static org.rnnkernels.reference.RefMath.LEAK;
import static org.rnnkernels.reference.RefMath.inhibit;
import static org.rnnkernels.reference.RefMath.leakyHardtanh;
import static org.rnnkernels.reference.RefMath.leakyInhibit;
import static org.rnnkernels.reference.RefMath.relu;
import static org.rnnkernels.reference.RefMath.sigm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Backpropagation through time for a {@link ReferenceCell}, in plain double precision: the derivative of
 * every equation of CELLS.md, written literally from the forward equations, one line per derivative.
 * Shares nothing with the kernels.
 *
 * <p>Use: {@link #forward} runs a whole time-major sequence and keeps what the backward needs (the
 * states entering every step and the pre-activations {@code gi, gh}); {@link #backward} takes the
 * upstream gradients {@code dL/dh_t} of every output and {@code dL/dh_T}, {@code dL/dc_T} of the final
 * state and returns {@code dL/d} of the inputs, the initial states and every parameter;
 * {@link #truncated} is truncated BPTT over chunks of the same trace.
 *
 * <p>Kinks. {@code relu}, {@code hardtanh} and RAG's {@code S(v, q) = relu(v - q) - relu(-v - q)} are not
 * differentiable everywhere; at a kink the backward takes the subgradient 0:
 * {@code d relu(v)/dv = [v > 0]}, {@code d hardtanh(v)/dv = [-1 < v < 1]}, and S through its two relus,
 * {@code dS/dv = [v - q > 0] + [-v - q > 0]}, {@code dS/dq = -[v - q > 0] + [-v - q > 0]}. One consequence
 * worth knowing: at {@code v = 0, q = 0} (an open RAG gate on an exactly zero state, e.g. a zero
 * {@code h0}) both relus sit at their kinks and {@code dS/dv} is 0, although {@code S(v, 0) = v}. Away
 * from kinks the gradients are exact; {@link Trace#nearestKink()} says how far the traced point is from
 * the nearest one.
 *
 * <p>EGRU. Its Heaviside {@code o = Hv(v)}, {@code v = c_pre - theta}, is a jump, whose derivative is 0
 * wherever it exists; training replaces {@code dHv/dv} by the pseudo-derivative
 * {@code psi(v) = gamma * max(0, 1 - s*|v|)} (CELLS.md; {@code gamma = 0.7, s = 1} by default, set by
 * {@link #ReferenceBackward(ReferenceCell, double, double)}). The backward is then the exact derivative of
 * the forward with {@code o} held fixed plus the terms through {@code psi}: {@code dL/dv = psi(v) dL/do}
 * with {@code dL/do = dL/dy' c_pre - dL/dc' theta}. With {@code gamma = 0} it is the exact derivative
 * wherever {@code v != 0}. {@link Trace#pseudoDerivativeSupport()} is the fraction of units at which
 * {@code psi} is nonzero: the backward sparsity.
 *
 * <p>Immutable and thread-safe (it holds copies of the cell's parameters); every call allocates its own
 * results.
 */
public final class ReferenceBackward {
    private final RefCellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final ReferenceCell cell;
    private final double[] wIh; // [G*H][I] row-major
    private final double[] wHh; // [G*H][H]
    private final double[] bIh; // [G*H]
    private final double[] bHh; // [G*H]
    private final double[] alpha; // [G*H], MI cells only
    private final double[] beta1;
    private final double[] beta2;
    private final double[] theta; // [H], EGRU only
    private final double gamma;   // EGRU's pseudo-derivative gamma * max(0, 1 - s|v|)
    private final double s;

    /** EGRU's default pseudo-derivative height {@code gamma} (CELLS.md). */
    public static final double DEFAULT_GAMMA = 0.7;
    /** EGRU's default pseudo-derivative slope {@code s}: the support is {@code |v| < 1/s}. */
    public static final double DEFAULT_S = 1;

    /**
     * Differentiates {@code cell}; its parameters are copied once here. An EGRU gets the default
     * pseudo-derivative ({@link #DEFAULT_GAMMA}, {@link #DEFAULT_S}).
     */
    public ReferenceBackward(ReferenceCell cell) {
        this(cell, DEFAULT_GAMMA, DEFAULT_S, false);
    }

    /**
     * Differentiates an EGRU {@code cell} with the pseudo-derivative {@code dHv/dv ~ gamma * max(0, 1 - s*|v|)}:
     * {@code gamma} finite and {@code >= 0} (0 gives the exact derivative away from the jump), {@code s}
     * finite and {@code > 0}. Throws IllegalArgumentException for other cells, which have no Heaviside.
     */
    public ReferenceBackward(ReferenceCell cell, double gamma, double s) {
        this(cell, gamma, s, true);
    }

    private ReferenceBackward(ReferenceCell cell, double gamma, double s, boolean pseudoDerivativeGiven) {
        if (cell == null) throw new IllegalArgumentException("cell must not be null");
        if (pseudoDerivativeGiven && cell.type() != RefCellType.EGRU) {
            throw new IllegalArgumentException("gamma and s are for EGRU only, not " + cell.type());
        }
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma = " + gamma + ", expected finite and >= 0");
        }
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("s = " + s + ", expected finite and > 0");
        }
        this.cell = cell;
        this.gamma = gamma;
        this.s = s;
        this.theta = cell.theta();
        this.type = cell.type();
        this.inputSize = cell.inputSize();
        this.hiddenSize = cell.hiddenSize();
        this.wIh = cell.wIh();
        this.wHh = cell.wHh();
        this.bIh = cell.bIh();
        this.bHh = cell.bHh();
        this.alpha = cell.alpha();
        this.beta1 = cell.beta1();
        this.beta2 = cell.beta2();
    }

    public ReferenceCell cell() { return cell; }

    /**
     * What a training forward keeps for the backward: inputs {@code x [T][B][I]}, the states entering
     * every step and the final one ({@code h [T+1][B][H]}, {@code c} likewise or null), and the
     * pre-activations {@code gi, gh [T][B][G*H]} of every step. Immutable; accessors return copies.
     */
    public static final class Trace {
        private final ReferenceBackward owner;
        private final double[][][] x;
        private final double[][][] h;
        private final double[][][] c;
        private final double[][][] gi;
        private final double[][][] gh;
        private final double nearestKink;
        private final double nearestMiss;
        private final double pseudoDerivativeSupport;
        private final boolean[][][] adopted;   // EGRU: [T][B][H] decisions taken from outside, or null
        private final int adoptedCount;

        private Trace(ReferenceBackward owner, double[][][] x, double[][][] h, double[][][] c,
                      double[][][] gi, double[][][] gh, double nearestKink, double nearestMiss,
                      double pseudoDerivativeSupport, boolean[][][] adopted, int adoptedCount) {
            this.owner = owner;
            this.x = x;
            this.h = h;
            this.c = c;
            this.gi = gi;
            this.gh = gh;
            this.nearestKink = nearestKink;
            this.nearestMiss = nearestMiss;
            this.pseudoDerivativeSupport = pseudoDerivativeSupport;
            this.adopted = adopted;
            this.adoptedCount = adoptedCount;
        }

        /** EGRU: how many firing decisions {@link #forwardAdopting} took from the caller (0 otherwise). */
        public int adoptedDecisions() { return adoptedCount; }

        /** {@code T} */
        public int steps() { return x.length; }

        /** {@code B} */
        public int batch() { return x[0].length; }

        /** {@code h_1 .. h_T} as {@code [T][B][H]}: equal bit for bit to {@link ReferenceCell#run}'s outputs. */
        public double[][][] outputs() {
            double[][][] out = new double[steps()][][];
            for (int t = 0; t < steps(); t++) out[t] = copy(h[t + 1]);
            return out;
        }

        /** {@code h_T [B][H]} */
        public double[][] finalH() { return copy(h[steps()]); }

        /** {@code c_T [B][H]}, null for cells without a cell state. */
        public double[][] finalC() { return c == null ? null : copy(c[steps()]); }

        /**
         * The smallest distance, over every step, sample and unit, of an argument of a {@code relu},
         * {@code hardtanh} or {@code S} from its kink ({@code |v|} for relu, {@code |v -+ 1|} for hardtanh,
         * {@code |v - q|} and {@code |-v - q|} for S), or of EGRU's {@code v = c_pre - theta} from the
         * Heaviside's jump ({@code |v|}): where it is 0 the backward used a subgradient (for EGRU: the
         * pseudo-derivative, or 0 with {@code gamma = 0}); a finite difference with step {@code e} is
         * valid when it is well above {@code e}. Positive infinity for the smooth cells (tanh and sigm
         * only). Exactly 0 is common in RAG cells with large weights: a state saturated at exactly 1 and
         * held by an open gate, with the write blocked, puts hardtanh's argument exactly on 1.
         */
        public double nearestKink() { return nearestKink; }

        /**
         * The least of {@link #nearestKink()}'s distances that is not 0 (positive infinity if none): a kink argument
         * this close to its kink, but not on it, may fall on the other side in float arithmetic, where the kernel
         * then takes the other derivative. {@code nearestKink()} alone cannot tell, where it is 0 (common in RAG
         * cells), how close the other arguments come.
         */
        public double nearestMiss() { return nearestMiss; }

        /**
         * EGRU only: the fraction, over every step, sample and unit, of units whose pseudo-derivative
         * {@code gamma * max(0, 1 - s*|c_pre - theta|)} is nonzero, i.e. {@code |c_pre - theta| < 1/s}
         * (0 when {@code gamma = 0}). Outside this support {@code dL/do} goes nowhere, so the gradient
         * reaches {@code c_pre} only through {@code y' = o c_pre} of firing units and through
         * {@code c'}: 1 minus this fraction is the backward sparsity. Throws IllegalStateException for
         * other cells.
         */
        public double pseudoDerivativeSupport() {
            if (owner.type != RefCellType.EGRU) {
                throw new IllegalStateException("pseudoDerivativeSupport is for EGRU only, this trace is of "
                        + owner.type);
            }
            return pseudoDerivativeSupport;
        }
    }

    /**
     * Gradients of a loss with respect to a run of steps starting at step {@code firstStep}: the inputs
     * {@code dX [steps][B][I]} of those steps, the state entering the first of them {@code dInitialH [B][H]}
     * and {@code dInitialC [B][H]} (null without a cell state), and every parameter in the cell's layout
     * ({@code dWIh [G*H*I], dWHh [G*H*H], dBIh, dBHh [G*H]}; {@code dAlpha, dBeta1, dBeta2 [G*H]} for the MI
     * cells, null otherwise; {@code dTheta [H]} for EGRU, null otherwise). For EGRU {@code h} is the
     * sparse output {@code y}, so {@code dInitialH} is {@code dL/dy_0}.
     */
    public record Gradients(int firstStep, double[][][] dX, double[][] dInitialH, double[][] dInitialC,
                            double[] dWIh, double[] dWHh, double[] dBIh, double[] dBHh,
                            double[] dAlpha, double[] dBeta1, double[] dBeta2, double[] dTheta) {}

    /**
     * Training forward over a whole sequence, time-major: {@code x [T][B][I]}, {@code h0 [B][H]} (null
     * means zeros), {@code c0 [B][H]} (required for cells with a cell state, null otherwise), as
     * {@link ReferenceCell#run}. The states are computed by {@link ReferenceCell#step}, so they equal the
     * inference forward bit for bit. Inputs are copied.
     */
    public Trace forward(double[][][] x, double[][] h0, double[][] c0) {
        return forwardAdopting(x, h0, c0, null, 0);
    }

    /**
     * EGRU: {@link #forward}, except that where the reference's {@code c_pre} lies within {@code margin} of
     * {@code theta} (its jump) and {@code fired[t][b][j]} says the other thing, the step takes
     * {@code fired}'s decision ({@code y' = c_pre, c' = c_pre - theta} or {@code y' = 0, c' = c_pre}) and the
     * sequence continues from it; the backward then differentiates that decision ({@code o} as adopted).
     * For comparing a float kernel, which may decide the other way where {@code c_pre} is within its
     * rounding of {@code theta}. {@link Trace#adoptedDecisions()} counts them. {@code fired} null: no adoption.
     */
    public Trace forwardAdopting(double[][][] x, double[][] h0, double[][] c0, boolean[][][] fired, double margin) {
        final int I = inputSize, H = hiddenSize, G = type.gates;
        final boolean hasC = type.hasCellState();
        if (x == null) throw new IllegalArgumentException("x must not be null");
        final int T = x.length;
        if (T == 0) throw new IllegalArgumentException("x must have at least one time step");
        if (x[0] == null) throw new IllegalArgumentException("x[0] must not be null");
        final int B = x[0].length;
        if (B == 0) throw new IllegalArgumentException("x[0] must have at least one batch row");
        for (int t = 0; t < T; t++) {
            if (x[t] == null || x[t].length != B) {
                throw new IllegalArgumentException("x[" + t + "] must have " + B + " batch rows, shape [T][B][I]");
            }
            for (int b = 0; b < B; b++) checkLen("x[" + t + "][" + b + "]", x[t][b], I);
        }
        checkMatrix("h0", h0, B, H, true);
        if (hasC) {
            checkMatrix("c0", c0, B, H, false);
        } else if (c0 != null) {
            throw new IllegalArgumentException("c0 must be null for " + type);
        }

        double[][][] xs = new double[T][][];
        double[][][] h = new double[T + 1][][];
        double[][][] c = hasC ? new double[T + 1][][] : null;
        double[][][] gi = new double[T][B][G * H];
        double[][][] gh = new double[T][B][G * H];
        if (fired != null && type != RefCellType.EGRU) {
            throw new IllegalArgumentException("fired decisions are for EGRU only, not " + type);
        }
        if (fired != null) {
            if (fired.length != T) throw new IllegalArgumentException("fired must be [" + T + "][" + B + "][" + H + "]");
            for (int t = 0; t < T; t++) {
                if (fired[t] == null || fired[t].length != B) {
                    throw new IllegalArgumentException("fired[" + t + "] must have " + B + " rows of " + H);
                }
                for (int b = 0; b < B; b++) {
                    if (fired[t][b] == null || fired[t][b].length != H) {
                        throw new IllegalArgumentException("fired[" + t + "][" + b + "] must have length " + H);
                    }
                }
            }
        }
        boolean[][][] adopted = fired == null ? null : new boolean[T][B][H];
        int adoptedCount = 0;
        h[0] = h0 == null ? new double[B][H] : copy(h0);
        if (hasC) c[0] = copy(c0);
        for (int t = 0; t < T; t++) {
            xs[t] = copy(x[t]);
            h[t + 1] = new double[B][H];
            if (hasC) c[t + 1] = new double[B][H];
            for (int b = 0; b < B; b++) {
                cell.step(xs[t][b], h[t][b], hasC ? c[t][b] : null, h[t + 1][b], hasC ? c[t + 1][b] : null);
                cell.project(xs[t][b], h[t][b], gi[t][b], gh[t][b]);
                for (int j = 0; fired != null && j < H; j++) {
                    boolean own = h[t + 1][b][j] != 0;                         // y' = c_pre > theta >= 0 where it fired
                    double cPre = own ? h[t + 1][b][j] : c[t + 1][b][j];
                    if (own != fired[t][b][j] && Math.abs(cPre - theta[j]) < margin) {
                        h[t + 1][b][j] = own ? 0 : cPre;
                        c[t + 1][b][j] = own ? cPre : cPre - theta[j];
                        adopted[t][b][j] = true;
                        adoptedCount++;
                    }
                }
            }
        }

        // The nearest kink and EGRU's pseudo-derivative support are measured by the very lines the backward
        // differentiates at (run here with zero upstream gradient), so the two cannot disagree.
        Kinks kinks = new Kinks();
        Work work = newWork();
        double[] zero = new double[H];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                differentiate(gi[t][b], gh[t][b], h[t][b], hasC ? c[t][b] : null, zero, zero, work, kinks,
                        adopted == null ? null : adopted[t][b]);
            }
        }
        return new Trace(this, xs, h, c, gi, gh, kinks.nearest, kinks.nearestMiss,
                (double) kinks.supported / ((long) T * B * H), adopted, adoptedCount);
    }

    /**
     * Full BPTT over the traced sequence. {@code dOutputs [T][B][H]} is {@code dL/dh_t} for every output
     * (null means zeros), {@code dFinalH [B][H]} is {@code dL/dh_T} of the final state beyond its use as the
     * last output (null means zeros), {@code dFinalC [B][H]} is {@code dL/dc_T} (null means zeros; must be
     * null without a cell state). {@code firstStep} of the result is 0 and its {@code dInitialH, dInitialC}
     * are {@code dL/dh0, dL/dc0}.
     */
    public Gradients backward(Trace trace, double[][][] dOutputs, double[][] dFinalH, double[][] dFinalC) {
        checkGradients(trace, dOutputs, dFinalH, dFinalC);
        return backwardSteps(trace, 0, trace.steps(), dOutputs, dFinalH, dFinalC, 0);
    }

    /**
     * EGRU: {@link #backward} of the loss plus EvNN's activity regularisation
     * {@code L_act = weight * (a - target)^2}, {@code a} the mean of the firing decisions {@code o} over every
     * step, sample and unit of the trace ({@link #activity}); every {@code o} takes
     * {@code dL_act/do = 2 weight (a - target) / (T*B*H)} beside its {@code dL/do} through {@code y} and
     * {@code c}, and passes it on through the pseudo-derivative.
     */
    public Gradients backwardRegularized(Trace trace, double[][][] dOutputs, double[][] dFinalH, double[][] dFinalC,
                                         double weight, double target) {
        if (type != RefCellType.EGRU) throw new IllegalArgumentException("activity regularisation is for EGRU only, not " + type);
        checkGradients(trace, dOutputs, dFinalH, dFinalC);
        long outputs = (long) trace.steps() * trace.batch() * hiddenSize;
        double dActivity = 2 * weight * (activity(trace) - target) / outputs;
        return backwardSteps(trace, 0, trace.steps(), dOutputs, dFinalH, dFinalC, dActivity);
    }

    /** EGRU: the fraction of the trace's outputs {@code y_1 .. y_T} that fired ({@code o = 1}, {@code y = c_pre != 0}). */
    public static double activity(Trace trace) {
        long fired = 0, all = 0;
        for (int t = 1; t <= trace.steps(); t++) {
            for (double[] row : trace.h[t]) {
                for (double y : row) {
                    fired += y != 0 ? 1 : 0;
                    all++;
                }
            }
        }
        return (double) fired / all;
    }

    /**
     * Truncated BPTT: the traced stream (its forward unbroken, the state carried across chunks) cut into
     * chunks of {@code chunkLength} steps, {@code [0, k), [k, 2k), ...}, the last one possibly shorter.
     * Semantics: each chunk's backward treats the state entering its first step as a constant (as
     * PyTorch's {@code h.detach()} between chunks), so chunk {@code m}'s gradients are those of its own
     * loss terms only, {@code L_m = sum over its steps of dOutputs_t . h_t} (plus the final-state terms
     * for the last chunk), differentiated through its own steps only; the gradient full BPTT would carry
     * back across the boundary is returned as the chunk's {@code dInitialH, dInitialC} (dL_m/d of its first
     * state) and goes no further. The parameters are the same for every chunk: summing the chunks'
     * parameter gradients gives what truncated BPTT accumulates with no update between chunks. Hence a
     * chunk of at least {@code T} steps gives exactly {@link #backward}, and the last chunk's input
     * gradients always equal full BPTT's; the earlier chunks miss the later chunks' loss terms.
     * Returns the chunks in time order.
     */
    public List<Gradients> truncated(Trace trace, double[][][] dOutputs, double[][] dFinalH, double[][] dFinalC,
                                     int chunkLength) {
        checkGradients(trace, dOutputs, dFinalH, dFinalC);
        if (chunkLength < 1) throw new IllegalArgumentException("chunkLength must be >= 1, got " + chunkLength);
        final int T = trace.steps();
        List<Gradients> chunks = new ArrayList<>();
        for (int from = 0; from < T; from += chunkLength) {
            int to = Math.min(T, from + chunkLength);
            boolean last = to == T;
            chunks.add(backwardSteps(trace, from, to, dOutputs, last ? dFinalH : null, last ? dFinalC : null, 0));
        }
        return List.copyOf(chunks);
    }

    // BPTT over steps [from, to), starting from dL/dh_to = dEndH and dL/dc_to = dEndC (null = 0); EGRU's
    // firing decisions each take dActivity more dL/do (activity regularisation, else 0).
    private Gradients backwardSteps(Trace tr, int from, int to, double[][][] dOutputs, double[][] dEndH,
                                    double[][] dEndC, double dActivity) {
        final int I = inputSize, H = hiddenSize, GH = type.gates * hiddenSize, B = tr.batch();
        final boolean hasC = type.hasCellState();
        double[][][] dX = new double[to - from][B][I];
        double[] dWIh = new double[GH * I];
        double[] dWHh = new double[GH * H];
        double[] dBIh = new double[GH];
        double[] dBHh = new double[GH];
        Work work = newWork();
        work.dActivity = dActivity;
        double[][] dh = dEndH == null ? new double[B][H] : copy(dEndH);   // dL/dh_t, carried backwards
        double[][] dc = hasC ? (dEndC == null ? new double[B][H] : copy(dEndC)) : null;
        double[] zero = new double[H];
        double[] dhOut = new double[H];
        for (int t = to - 1; t >= from; t--) {
            for (int b = 0; b < B; b++) {
                // dL/dh_{t+1} in total: through the output at step t and through the later steps
                for (int j = 0; j < H; j++) dhOut[j] = dh[b][j] + (dOutputs == null ? 0 : dOutputs[t][b][j]);
                double[] x = tr.x[t][b];
                double[] h = tr.h[t][b];
                differentiate(tr.gi[t][b], tr.gh[t][b], h, hasC ? tr.c[t][b] : null, dhOut, hasC ? dc[b] : zero,
                        work, null, tr.adopted == null ? null : tr.adopted[t][b]);
                double[] dx = dX[t - from][b];
                for (int row = 0; row < GH; row++) {
                    dBIh[row] += work.dBi[row];                                   // gi = W_ih x + b_ih
                    dBHh[row] += work.dBh[row];                                   // gh = W_hh h + b_hh
                    for (int col = 0; col < I; col++) {
                        dWIh[row * I + col] += work.dWx[row] * x[col];           // dL/dW_ih += dL/d(W_ih x) x^T
                        dx[col] += wIh[row * I + col] * work.dWx[row];           // dL/dx = W_ih^T dL/d(W_ih x)
                    }
                    for (int col = 0; col < H; col++) {
                        dWHh[row * H + col] += work.dUh[row] * h[col];           // dL/dW_hh += dL/d(W_hh h) h^T
                        work.dhPrev[col] += wHh[row * H + col] * work.dUh[row];  // dL/dh += W_hh^T dL/d(W_hh h)
                    }
                }
                dh[b] = work.dhPrev.clone();
                if (hasC) dc[b] = work.dcPrev.clone();
            }
        }
        return new Gradients(from, dX, dh, dc, dWIh, dWHh, dBIh, dBHh, work.dAlpha, work.dBeta1, work.dBeta2,
                work.dTheta);
    }

    private Work newWork() {
        return new Work(type.gates * hiddenSize, hiddenSize, type.multiplicative(), type == RefCellType.EGRU);
    }

    /** Per-step results of {@link #differentiate}; the MI vectors and EGRU's dTheta accumulate over steps. */
    private static final class Work {
        final double[] dWx;    // dL/d(W_ih x), per row
        final double[] dBi;    // dL/db_ih contribution
        final double[] dUh;    // dL/d(W_hh h)
        final double[] dBh;    // dL/db_hh contribution
        final double[] dhPrev; // dL/dh through the step, not yet through W_hh (the caller adds W_hh^T dUh)
        final double[] dcPrev; // dL/dc through the step
        final double[] dAlpha; // MI only (else null), accumulated over steps
        final double[] dBeta1;
        final double[] dBeta2;
        final double[] dTheta; // EGRU only (else null), [H], accumulated over steps
        double dActivity;      // EGRU: dL/do of every firing decision from the activity regularisation

        Work(int gh, int h, boolean mi, boolean egru) {
            dTheta = egru ? new double[h] : null;
            dAlpha = mi ? new double[gh] : null;
            dBeta1 = mi ? new double[gh] : null;
            dBeta2 = mi ? new double[gh] : null;
            dWx = new double[gh];
            dBi = new double[gh];
            dUh = new double[gh];
            dBh = new double[gh];
            dhPrev = new double[h];
            dcPrev = new double[h];
        }

        // A plain row: gi = W_ih x + b_ih and gh = W_hh h + b_hh, so W_ih x and b_ih share dL/dgi, likewise gh.
        void plain(int row, double dGi, double dGh) {
            dWx[row] = dGi;
            dBi[row] = dGi;
            dUh[row] = dGh;
            dBh[row] = dGh;
        }
    }

    /** Records the distance of kink arguments from their kinks, and EGRU's pseudo-derivative support. */
    private static final class Kinks {
        double nearest = Double.POSITIVE_INFINITY;
        double nearestMiss = Double.POSITIVE_INFINITY;   // the least distance that is not 0
        long supported; // units with a nonzero pseudo-derivative

        void distance(double d) {
            nearest = Math.min(nearest, d);
            if (d > 0) nearestMiss = Math.min(nearestMiss, d);
        }

        void heaviside(double v, double dHv) {                                              // jump at v = 0
            distance(Math.abs(v));
            if (dHv != 0) supported++;
        }

        void relu(double v) { distance(Math.abs(v)); }                                     // kink at v = 0

        void hardtanh(double v) { distance(Math.min(Math.abs(v - 1), Math.abs(v + 1))); }

        void inhibit(double v, double q) { relu(v - q); relu(-v - q); }                     // S = relu(v-q) - relu(-v-q)
    }

    /** {@code d relu(v)/dv = [v > 0]} (subgradient 0 at the kink). */
    static double dRelu(double v) { return v > 0 ? 1 : 0; }

    /** {@code d hardtanh(v)/dv = [-1 < v < 1]} (subgradient 0 at the kinks). */
    static double dHardtanh(double v) { return -1 < v && v < 1 ? 1 : 0; }

    /** {@code dS(v,q)/dv = [v - q > 0] + [-v - q > 0]}, from {@code S = relu(v - q) - relu(-v - q)}. */
    static double dInhibitDv(double v, double q) { return dRelu(v - q) + dRelu(-v - q); }

    /** {@code dS(v,q)/dq = -[v - q > 0] + [-v - q > 0]} */
    static double dInhibitDq(double v, double q) { return -dRelu(v - q) + dRelu(-v - q); }

    /** {@code d hardtanh_l(v)/dv = (1 - l) [-1 < v < 1] + l}. */
    static double dLeakyHardtanh(double v, double l) { return (1 - l) * dHardtanh(v) + l; }

    /** {@code dS_l(v, q)/dv = (1 - l) dS(v, q)/dv + l dS(v, q/2)/dv}. */
    static double dLeakyInhibitDv(double v, double q, double l) { return (1 - l) * dInhibitDv(v, q) + l * dInhibitDv(v, q / 2); }

    /** {@code dS_l(v, q)/dq = (1 - l) dS(v, q)/dq + (l/2) dS(v, q/2)/d(q/2)}. */
    static double dLeakyInhibitDq(double v, double q, double l) { return (1 - l) * dInhibitDq(v, q) + l / 2 * dInhibitDq(v, q / 2); }

    /** EGRU's pseudo-derivative {@code dHv/dv ~ gamma * max(0, 1 - s*|v|)}. */
    private double pseudoDerivative(double v) { return gamma * Math.max(0, 1 - s * Math.abs(v)); }

    // MI pre-activation of a row whose Uh is gh - b_hh: alpha*Wx*Uh + beta1*Uh + beta2*Wx + b_ih + b_hh
    private double miPre(double[] gi, double[] gh, int row) {
        double wx = gi[row] - bIh[row], uh = gh[row] - bHh[row];
        return alpha[row] * wx * uh + beta1[row] * uh + beta2[row] * wx + (bIh[row] + bHh[row]);
    }

    // Backward of miPre, given dL/dpre: the products W_ih x, W_hh h, the biases and alpha, beta1, beta2.
    private void miPreBackward(double[] gi, double[] gh, int row, double dPre, Work w) {
        double wx = gi[row] - bIh[row], uh = gh[row] - bHh[row];
        w.dAlpha[row] += dPre * wx * uh;                    // dpre/dalpha = Wx Uh
        w.dBeta1[row] += dPre * uh;                         // dpre/dbeta1 = Uh
        w.dBeta2[row] += dPre * wx;                         // dpre/dbeta2 = Wx
        w.dWx[row] = dPre * (alpha[row] * uh + beta2[row]); // dpre/dWx = alpha Uh + beta2
        w.dUh[row] = dPre * (alpha[row] * wx + beta1[row]); // dpre/dUh = alpha Wx + beta1
        w.dBi[row] = dPre;                                  // dpre/db_ih = 1
        w.dBh[row] = dPre;                                  // dpre/db_hh = 1
    }

    /**
     * One step, one sample: recomputes the step's elementwise values from {@code gi, gh, h, c}, then, given
     * {@code dh = dL/dh'} and {@code dc = dL/dc'}, writes the row gradients and the direct parts of
     * {@code dL/dh}, {@code dL/dc} into {@code w}. Records kink arguments into {@code kinks} when not null.
     * EGRU: where {@code adopted[j]} (null: nowhere) the firing decision is the opposite of this step's own.
     */
    private void differentiate(double[] gi, double[] gh, double[] h, double[] c, double[] dh, double[] dc,
                               Work w, Kinks kinks, boolean[] adopted) {
        final int H = hiddenSize;
        Arrays.fill(w.dhPrev, 0);
        Arrays.fill(w.dcPrev, 0);
        for (int j = 0; j < H; j++) {
            switch (type) {
                case RNN_TANH -> {
                    double a = gi[j] + gh[j];                                   // a = gi + gh
                    double hN = Math.tanh(a);                                   // h' = tanh(a)
                    double dA = dh[j] * (1 - hN * hN);                          // dtanh(a)/da = 1 - tanh(a)^2
                    w.plain(j, dA, dA);
                }
                case RNN_RELU -> {
                    double a = gi[j] + gh[j];                                   // a = gi + gh ; h' = relu(a)
                    if (kinks != null) kinks.relu(a);
                    double dA = dh[j] * dRelu(a);                               // drelu(a)/da = [a > 0]
                    w.plain(j, dA, dA);
                }
                case LSTM, MI_LSTM -> {
                    final int bi = 0, bf = H, bg = 2 * H, bo = 3 * H;           // blocks i, f, g, o
                    boolean mi = type == RefCellType.MI_LSTM;
                    double aI = mi ? miPre(gi, gh, bi + j) : gi[bi + j] + gh[bi + j];
                    double aF = mi ? miPre(gi, gh, bf + j) : gi[bf + j] + gh[bf + j];
                    double aG = mi ? miPre(gi, gh, bg + j) : gi[bg + j] + gh[bg + j];
                    double aO = mi ? miPre(gi, gh, bo + j) : gi[bo + j] + gh[bo + j];
                    double i = sigm(aI), f = sigm(aF), g = Math.tanh(aG), o = sigm(aO);
                    double cN = f * c[j] + i * g;                               // c' = f c + i g
                    double tc = Math.tanh(cN);                                  // h' = o tanh(c')
                    double dO = dh[j] * tc;                                     // dh'/do = tanh(c')
                    double dCN = dc[j] + dh[j] * o * (1 - tc * tc);             // dh'/dc' = o (1 - tanh(c')^2)
                    double dI = dCN * g;                                        // dc'/di = g
                    double dF = dCN * c[j];                                     // dc'/df = c
                    double dG = dCN * i;                                        // dc'/dg = i
                    w.dcPrev[j] = dCN * f;                                      // dc'/dc = f
                    double dAI = dI * i * (1 - i);                              // dsigm(a)/da = sigm(a) (1 - sigm(a))
                    double dAF = dF * f * (1 - f);
                    double dAG = dG * (1 - g * g);                              // dtanh(a)/da = 1 - tanh(a)^2
                    double dAO = dO * o * (1 - o);
                    if (mi) {
                        miPreBackward(gi, gh, bi + j, dAI, w);
                        miPreBackward(gi, gh, bf + j, dAF, w);
                        miPreBackward(gi, gh, bg + j, dAG, w);
                        miPreBackward(gi, gh, bo + j, dAO, w);
                    } else {
                        w.plain(bi + j, dAI, dAI);                              // a_k = gi_k + gh_k
                        w.plain(bf + j, dAF, dAF);
                        w.plain(bg + j, dAG, dAG);
                        w.plain(bo + j, dAO, dAO);
                    }
                }
                case GRU -> {
                    final int br = 0, bz = H, bn = 2 * H;                       // blocks r, z, n
                    double r = sigm(gi[br + j] + gh[br + j]);                   // r = sigm(gi_r + gh_r)
                    double z = sigm(gi[bz + j] + gh[bz + j]);                   // z = sigm(gi_z + gh_z)
                    double n = Math.tanh(gi[bn + j] + r * gh[bn + j]);          // n = tanh(gi_n + r gh_n)
                    double dN = dh[j] * (1 - z);                                // h' = (1-z) n + z h: dh'/dn = 1 - z
                    double dZ = dh[j] * (h[j] - n);                             // dh'/dz = h - n
                    w.dhPrev[j] = dh[j] * z;                                    // dh'/dh = z
                    double dAN = dN * (1 - n * n);                              // a_n = gi_n + r gh_n
                    double dR = dAN * gh[bn + j];                               // da_n/dr = gh_n
                    double dAR = dR * r * (1 - r);
                    double dAZ = dZ * z * (1 - z);
                    w.plain(br + j, dAR, dAR);
                    w.plain(bz + j, dAZ, dAZ);
                    w.plain(bn + j, dAN, dAN * r);                              // da_n/dgi_n = 1, da_n/dgh_n = r
                }
                case MI_RNN -> {
                    double a = miPre(gi, gh, j);                                // a = MI(Wx, Uh) + b
                    double hN = Math.tanh(a);                                   // h' = tanh(a)
                    miPreBackward(gi, gh, j, dh[j] * (1 - hN * hN), w);
                }
                case MI_GRU -> {
                    final int br = 0, bz = H, bn = 2 * H;                       // blocks r, z, n
                    double r = sigm(miPre(gi, gh, br + j));                     // r = sigm(MI_r)
                    double z = sigm(miPre(gi, gh, bz + j));                     // z = sigm(MI_z)
                    double u = r * gh[bn + j];                                  // Uh of block n is r gh_n
                    double wx = gi[bn + j] - bIh[bn + j];                       // Wx of block n
                    double n = Math.tanh(alpha[bn + j] * wx * u + beta1[bn + j] * u + beta2[bn + j] * wx
                            + bIh[bn + j]);                                     // n = tanh(MI(Wx_n, r gh_n) + b_in)
                    double dN = dh[j] * (1 - z);                                // h' = (1-z) n + z h
                    double dZ = dh[j] * (h[j] - n);
                    w.dhPrev[j] = dh[j] * z;
                    double dPN = dN * (1 - n * n);                              // dL/d(pre-activation of n)
                    w.dAlpha[bn + j] += dPN * wx * u;                           // dpre_n/dalpha = Wx u
                    w.dBeta1[bn + j] += dPN * u;                                // dpre_n/dbeta1 = u
                    w.dBeta2[bn + j] += dPN * wx;                               // dpre_n/dbeta2 = Wx
                    w.dWx[bn + j] = dPN * (alpha[bn + j] * u + beta2[bn + j]);  // dpre_n/dWx = alpha u + beta2
                    w.dBi[bn + j] = dPN;                                        // dpre_n/db_in = 1
                    double dU = dPN * (alpha[bn + j] * wx + beta1[bn + j]);     // dpre_n/du = alpha Wx + beta1
                    w.dUh[bn + j] = dU * r;                                     // du/dgh_n = r (gh_n = Uh_n + b_hn)
                    w.dBh[bn + j] = dU * r;
                    double dR = dU * gh[bn + j];                                // du/dr = gh_n
                    miPreBackward(gi, gh, br + j, dR * r * (1 - r), w);
                    miPreBackward(gi, gh, bz + j, dZ * z * (1 - z), w);
                }
                case RAG_GRU, RAG_MINIMAL -> {
                    boolean gru = type == RefCellType.RAG_GRU;
                    final int br = 0, bz = gru ? H : 0, bn = gru ? 2 * H : H;   // blocks r, z, n (z, n for minimal)
                    double aR = gru ? gi[br + j] + gh[br + j] : 0;              // a_r = gi_r + gh_r
                    double aZ = gi[bz + j] + gh[bz + j];                        // a_z = gi_z + gh_z
                    double qR = relu(-aR);                                      // q_r = relu(-a_r)
                    double pN = gru ? gi[bn + j] + inhibit(gh[bn + j], qR)      // p_n = gi_n + S(gh_n, q_r)
                                    : gi[bn + j] + gh[bn + j];                  // p_n = gi_n + gh_n (minimal)
                    double n = hardtanh(pN);                                    // n = hardtanh(p_n)
                    double qH = relu(-aZ);                                      // q_h = relu(-a_z)
                    double qN = relu(aZ);                                       // q_n = relu(a_z)
                    double pH = inhibit(h[j], qH) + inhibit(n, qN);             // p_h = S(h, q_h) + S(n, q_n)
                    if (kinks != null) {                                        // h' = hardtanh(p_h)
                        if (gru) {
                            kinks.relu(aR);
                            kinks.inhibit(gh[bn + j], qR);
                        }
                        kinks.relu(aZ);
                        kinks.hardtanh(pN);
                        kinks.inhibit(h[j], qH);
                        kinks.inhibit(n, qN);
                        kinks.hardtanh(pH);
                    }
                    double dPH = dh[j] * dHardtanh(pH);                         // dh'/dp_h
                    w.dhPrev[j] = dPH * dInhibitDv(h[j], qH);                   // dp_h/dh = dS(h, q_h)/dh
                    double dQH = dPH * dInhibitDq(h[j], qH);                    // dp_h/dq_h
                    double dN = dPH * dInhibitDv(n, qN);                        // dp_h/dn
                    double dQN = dPH * dInhibitDq(n, qN);                       // dp_h/dq_n
                    double dAZ = -dQH * dRelu(-aZ) + dQN * dRelu(aZ);           // dq_h/da_z = -[-a_z > 0], dq_n/da_z = [a_z > 0]
                    double dPN = dN * dHardtanh(pN);                            // dn/dp_n
                    w.plain(bz + j, dAZ, dAZ);
                    if (gru) {
                        double dGhN = dPN * dInhibitDv(gh[bn + j], qR);         // dp_n/dgh_n
                        double dQR = dPN * dInhibitDq(gh[bn + j], qR);          // dp_n/dq_r
                        double dAR = -dQR * dRelu(-aR);                         // dq_r/da_r = -[-a_r > 0]
                        w.plain(br + j, dAR, dAR);
                        w.plain(bn + j, dPN, dGhN);                             // dp_n/dgi_n = 1
                    } else {
                        w.plain(bn + j, dPN, dPN);                              // dp_n/dgi_n = dp_n/dgh_n = 1
                    }
                }
                case RAG_MINIMAL_LEAKY -> {
                    final int bz = 0, bn = H;                                   // blocks z, n
                    double l = LEAK;
                    double aZ = gi[bz + j] + gh[bz + j];                        // a_z = gi_z + gh_z
                    double pN = gi[bn + j] + gh[bn + j];                        // p_n = gi_n + gh_n
                    double n = leakyHardtanh(pN, l);                            // n = hardtanh_l(p_n)
                    double qH = relu(-aZ);                                      // q_h = relu(-a_z)
                    double qN = relu(aZ);                                       // q_n = relu(a_z)
                    double pH = leakyInhibit(h[j], qH, l) + leakyInhibit(n, qN, l); // p_h = S_l(h, q_h) + S_l(n, q_n)
                    if (kinks != null) {                                        // h' = hardtanh_l(p_h)
                        kinks.relu(aZ);
                        kinks.hardtanh(pN);
                        kinks.inhibit(h[j], qH);
                        kinks.inhibit(h[j], qH / 2);
                        kinks.inhibit(n, qN);
                        kinks.inhibit(n, qN / 2);
                        kinks.hardtanh(pH);
                    }
                    double dPH = dh[j] * dLeakyHardtanh(pH, l);                 // dh'/dp_h
                    w.dhPrev[j] = dPH * dLeakyInhibitDv(h[j], qH, l);           // dp_h/dh
                    double dQH = dPH * dLeakyInhibitDq(h[j], qH, l);            // dp_h/dq_h
                    double dN = dPH * dLeakyInhibitDv(n, qN, l);                // dp_h/dn
                    double dQN = dPH * dLeakyInhibitDq(n, qN, l);               // dp_h/dq_n
                    double dAZ = -dQH * dRelu(-aZ) + dQN * dRelu(aZ);           // dq_h/da_z = -[-a_z > 0], dq_n/da_z = [a_z > 0]
                    double dPN = dN * dLeakyHardtanh(pN, l);                    // dn/dp_n
                    w.plain(bz + j, dAZ, dAZ);
                    w.plain(bn + j, dPN, dPN);                                  // dp_n/dgi_n = dp_n/dgh_n = 1
                }
                case EGRU -> {
                    // h is y_{t-1}: it enters only through gh = W_hh y + b_hh, so its direct part dhPrev stays 0
                    final int br = 0, bz = H, bn = 2 * H;                       // blocks r, z, n
                    double r = sigm(gi[br + j] + gh[br + j]);                   // r = sigm(gi_r + gh_r)
                    double z = sigm(gi[bz + j] + gh[bz + j]);                   // z = sigm(gi_z + gh_z)
                    double g = Math.tanh(gi[bn + j] + r * gh[bn + j]);          // g = tanh(gi_n + r gh_n)
                    double cPre = z * c[j] + (1 - z) * g;                       // c_pre = z c + (1-z) g
                    double v = cPre - theta[j];                                 // v = c_pre - theta
                    double o = (v > 0) != (adopted != null && adopted[j]) ? 1 : 0; // o = Hv(v) (or the adopted decision)
                    double dHv = pseudoDerivative(v);                           // dHv/dv ~ gamma max(0, 1 - s|v|)
                    if (kinks != null) kinks.heaviside(v, dHv);
                    double dO = dh[j] * cPre - dc[j] * theta[j] + w.dActivity;  // dy'/do = c_pre, dc'/do = -theta; + dL_act/do
                    double dV = dO * dHv;                                       // do/dv = psi(v)
                    double dCPre = dh[j] * o + dc[j] + dV;                      // dy'/dc_pre = o, dc'/dc_pre = 1, dv/dc_pre = 1
                    w.dTheta[j] += -dc[j] * o - dV;                             // dc'/dtheta = -o, dv/dtheta = -1
                    w.dcPrev[j] = dCPre * z;                                    // dc_pre/dc = z
                    double dZ = dCPre * (c[j] - g);                             // dc_pre/dz = c - g
                    double dG = dCPre * (1 - z);                                // dc_pre/dg = 1 - z
                    double dAN = dG * (1 - g * g);                              // a_n = gi_n + r gh_n
                    double dR = dAN * gh[bn + j];                               // da_n/dr = gh_n
                    double dAR = dR * r * (1 - r);
                    double dAZ = dZ * z * (1 - z);
                    w.plain(br + j, dAR, dAR);
                    w.plain(bz + j, dAZ, dAZ);
                    w.plain(bn + j, dAN, dAN * r);                              // da_n/dgi_n = 1, da_n/dgh_n = r
                }
                case RAG_LSTM -> {
                    final int bi = 0, bf = H, bg = 2 * H, bo = 3 * H;           // blocks i, f, g, o
                    double aI = gi[bi + j] + gh[bi + j];                        // a_k = gi_k + gh_k
                    double aF = gi[bf + j] + gh[bf + j];
                    double aG = gi[bg + j] + gh[bg + j];
                    double aO = gi[bo + j] + gh[bo + j];
                    double qC = relu(-aF);                                      // q_c = relu(-a_f)
                    double gG = hardtanh(aG);                                   // g = hardtanh(a_g)
                    double qG = relu(aF) + relu(-aI);                           // q_g = relu(a_f) + relu(-a_i)
                    double pC = inhibit(c[j], qC) + inhibit(gG, qG);            // p_c = S(c, q_c) + S(g, q_g)
                    double cN = hardtanh(pC);                                   // c' = hardtanh(p_c)
                    double qO = relu(-aO);                                      // q_o = relu(-a_o) ; h' = S(c', q_o)
                    if (kinks != null) {
                        kinks.relu(aI);
                        kinks.relu(aF);
                        kinks.hardtanh(aG);
                        kinks.relu(aO);
                        kinks.inhibit(c[j], qC);
                        kinks.inhibit(gG, qG);
                        kinks.hardtanh(pC);
                        kinks.inhibit(cN, qO);
                    }
                    double dCN = dc[j] + dh[j] * dInhibitDv(cN, qO);            // dL/dc' = dc + dh dS(c', q_o)/dc'
                    double dQO = dh[j] * dInhibitDq(cN, qO);                    // dh'/dq_o
                    double dAO = -dQO * dRelu(-aO);                             // dq_o/da_o = -[-a_o > 0]
                    double dPC = dCN * dHardtanh(pC);                           // dc'/dp_c
                    w.dcPrev[j] = dPC * dInhibitDv(c[j], qC);                   // dp_c/dc
                    double dQC = dPC * dInhibitDq(c[j], qC);                    // dp_c/dq_c
                    double dGG = dPC * dInhibitDv(gG, qG);                      // dp_c/dg
                    double dQG = dPC * dInhibitDq(gG, qG);                      // dp_c/dq_g
                    double dAG = dGG * dHardtanh(aG);                           // dg/da_g
                    double dAF = -dQC * dRelu(-aF) + dQG * dRelu(aF);           // dq_c/da_f = -[-a_f > 0], dq_g/da_f = [a_f > 0]
                    double dAI = -dQG * dRelu(-aI);                             // dq_g/da_i = -[-a_i > 0]
                    w.plain(bi + j, dAI, dAI);
                    w.plain(bf + j, dAF, dAF);
                    w.plain(bg + j, dAG, dAG);
                    w.plain(bo + j, dAO, dAO);
                }
            }
        }
    }

    private void checkGradients(Trace trace, double[][][] dOutputs, double[][] dFinalH, double[][] dFinalC) {
        if (trace == null) throw new IllegalArgumentException("trace must not be null");
        if (trace.owner != this) {
            throw new IllegalArgumentException("trace was made by another ReferenceBackward's forward");
        }
        final int T = trace.steps(), B = trace.batch(), H = hiddenSize;
        if (dOutputs != null) {
            if (dOutputs.length != T) {
                throw new IllegalArgumentException("dOutputs has " + dOutputs.length + " steps, expected [" + T
                        + "][" + B + "][" + H + "]");
            }
            for (int t = 0; t < T; t++) checkMatrix("dOutputs[" + t + "]", dOutputs[t], B, H, false);
        }
        checkMatrix("dFinalH", dFinalH, B, H, true);
        if (type.hasCellState()) {
            checkMatrix("dFinalC", dFinalC, B, H, true);
        } else if (dFinalC != null) {
            throw new IllegalArgumentException("dFinalC must be null for " + type + " (no cell state)");
        }
    }

    private static void checkMatrix(String name, double[][] a, int rows, int cols, boolean nullable) {
        if (a == null) {
            if (nullable) return;
            throw new IllegalArgumentException(name + " must not be null, expected [" + rows + "][" + cols + "]");
        }
        if (a.length != rows) {
            throw new IllegalArgumentException(name + " has " + a.length + " rows, expected [" + rows + "][" + cols + "]");
        }
        for (int r = 0; r < rows; r++) checkLen(name + "[" + r + "]", a[r], cols);
    }

    private static void checkLen(String name, double[] a, int expected) {
        if (a == null) throw new IllegalArgumentException(name + " must not be null");
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }
}
