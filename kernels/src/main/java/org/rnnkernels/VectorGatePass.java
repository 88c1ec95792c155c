package org.rnnkernels;

import static org.rnnkernels.VectorMath.sigm;
import static org.rnnkernels.VectorMath.tanh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API gate pass: the equations of {@link ScalarGatePass}, a vector of hidden units at a
 * time; the last {@code H mod lanes} units of a row go through {@link ScalarGatePass}'s code for
 * the same step.
 *
 * <p>The shape of this class is set by C2's node budget. Each Vector API operation inlines a chain
 * of methods; when a compiled loop holds too many of them, C2 stops inlining part-way and boxes
 * every vector after that point: a heap allocation per operation, 5-10x slower. Seen with JFR
 * (28 KB allocated per GRU step at H = 256) and fixed by keeping each loop small:
 * <ul>
 *   <li>one method per cell, not one loop per cell inside one method;</li>
 *   <li>GRU and LSTM activate their gates in a loop of their own, called from a single site
 *       ({@link #activateInPlace}, one exp), before the state update;</li>
 *   <li>constants are vectors made once, never {@code v.max(0f)} (a broadcast per use);</li>
 *   <li>the tail is scalar, not a masked second copy of the loop body.</li>
 * </ul>
 * GRU's gate pass went from ~6 us to ~1.3 us per step at H = 256 and allocated nothing. Since the
 * unit ranges (multi-thread steps) and the MI cells came in, C2 again boxes a few vectors at the
 * end of some loops: per step at H = 256, B = 1, GRU 4 KB, LSTM 2 KB, MI-GRU 12 KB (RNN, RAG and
 * MI-LSTM 0), measured alone with ThreadMXBean (sites from JFR). Open work: find which loop tips over.
 */
final class VectorGatePass implements GatePass {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    // Constants as vectors made once: v.max(0f) would broadcast in the loop body.
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);

    @Override
    public void apply(CellType type, int rows, int hidden, int from, int to,
                      float[] gi, int giOffset, float[] gh, float[] bias, float[] mi,
                      float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c) {
        // One method (and so one JIT compilation budget) per cell.
        switch (type) {
            case RNN_TANH -> rnnRows(false, rows, from, to, hidden, gi, giOffset, gh, bias, hOut, hOutOffset);
            case RNN_RELU -> rnnRows(true, rows, from, to, hidden, gi, giOffset, gh, bias, hOut, hOutOffset);
            case LSTM -> lstmRows(rows, from, to, hidden, gi, giOffset, gh, bias, hOut, hOutOffset, c);
            case GRU -> gruRows(rows, from, to, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_GRU -> ragGruRows(rows, from, to, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_MINIMAL -> ragMinimalRows(rows, from, to, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_LSTM -> ragLstmRows(rows, from, to, hidden, gi, giOffset, gh, bias, hOut, hOutOffset, c);
            case MI_RNN -> miRnnRows(rows, from, to, hidden, gi, giOffset, gh, bias, mi, hOut, hOutOffset);
            case MI_LSTM -> miLstmRows(rows, from, to, hidden, gi, giOffset, gh, bias, mi, hOut, hOutOffset, c);
            case MI_GRU -> miGruRows(rows, from, to, hidden, gi, giOffset, gh, bias, mi, hPrev, hPrevOffset, hOut, hOutOffset);
            case EGRU -> egruRows(rows, from, to, hidden, gi, giOffset, gh, bias, mi, hOut, hOutOffset, c);
        }
    }

    // Each ...Rows method walks samples b and vectors of units j; row b of gi/gh starts at b*G*H,
    // of h/c at b*H.

    private static void rnnRows(boolean relu, int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * n, q = b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector a = pre(gi, g, gh, q, bias, 0, j);
                store(relu ? a.max(ZERO) : tanh(a), hOut, ho + j);
            }
            ScalarGatePass.rnn(relu, end, to, n, gi, g, gh, q, bias, hOut, ho);
        }
    }

    private static void lstmRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                 float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            // i, f, g, o activated in place over gh, then c' = f*c + i*g ; h' = o*tanh(c')
            for (int block = 0; block < 4; block++) {
                activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, block == 2);
            }
            for (int j = from; j < end; j += S.length()) {
                FloatVector cNew = load(gh, q + n + j).mul(load(c, cs + j)).add(load(gh, q + j).mul(load(gh, q + 2 * n + j)));
                store(cNew, c, cs + j);
                store(load(gh, q + 3 * n + j).mul(tanh(cNew)), hOut, ho + j);
            }
            ScalarGatePass.lstmUpdate(end, to, n, gh, q, hOut, ho, c, cs);
        }
    }

    private static void gruRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                float[] hPrev, int hpo, float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            // r, z activated in place over gh, then n = tanh(gi_n + b_in + r*(gh_n + b_hn)), h' = n + z*(h - n)
            for (int block = 0; block < 2; block++) {
                activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, false);
            }
            for (int j = from; j < end; j += S.length()) {
                FloatVector r = load(gh, q + j);
                FloatVector z = load(gh, q + n + j);
                FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
                FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
                FloatVector cand = tanh(gin.add(r.mul(ghn)));
                FloatVector h = load(hPrev, hp + j);
                store(cand.add(z.mul(h.sub(cand))), hOut, ho + j);
            }
            ScalarGatePass.gruUpdate(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
        }
    }

    // EGRU: r, z activated in place over gh; c_pre = z*c + (1-z)*g = g + z*(c - g) stored over gh_n
    // (its own loop: with the threshold in the same body the loop passed C2's node budget); then
    // o = Hv(c_pre - theta), y' = o*c_pre, c' = c_pre - o*theta. theta holds [H] thresholds.
    private static void egruRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                 float[] theta, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, ho = hoo + b * n, cs = b * n;
            for (int block = 0; block < 2; block++) {
                activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, false);
            }
            for (int j = from; j < end; j += S.length()) {
                FloatVector r = load(gh, q + j);
                FloatVector z = load(gh, q + n + j);
                FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
                FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
                FloatVector cand = tanh(gin.add(r.mul(ghn)));
                store(cand.add(z.mul(load(c, cs + j).sub(cand))), gh, q + 2 * n + j);
            }
            ScalarGatePass.egruCandidate(end, to, n, gi, g, gh, q, bias, c, cs);
            for (int j = from; j < end; j += S.length()) {
                FloatVector cPre = load(gh, q + 2 * n + j);
                FloatVector th = load(theta, j);
                VectorMask<Float> fires = cPre.compare(VectorOperators.LE, th).not();   // NaN fires: see ScalarGatePass.egruFire
                store(ZERO.blend(cPre, fires), hOut, ho + j);
                store(cPre.sub(ZERO.blend(th, fires)), c, cs + j);
            }
            ScalarGatePass.egruFire(end, to, n, gh, q, theta, hOut, ho, c, cs);
        }
    }

    // gh[k + j] = act(gi[k + j] + gh[k + j] + b[k + j]) over the block at offset k, act = sigm, or
    // tanh as tanh(a) = 2*sigm(2a) - 1, so that this loop holds ONE exp and is called from ONE site
    // (a loop over blocks): every inlined exp costs node budget (see the class comment).
    private static void activateInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, int k, boolean tanh) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector a = pre(gi, g, gh, q, bias, k, j);
            FloatVector s = sigm(tanh ? a.add(a) : a);
            store(tanh ? s.add(s).sub(ONE) : s, gh, q + k + j);
        }
        ScalarGatePass.activateInPlace(end, to, n, gi, g, gh, q, bias, k, tanh);
    }

    private static void ragGruRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                   float[] hPrev, int hpo, float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector ar = pre(gi, g, gh, q, bias, 0, j);
                FloatVector az = pre(gi, g, gh, q, bias, n, j);
                FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
                FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
                FloatVector cand = hardtanh(gin.add(inhibit(ghn, ar.neg().max(ZERO))));
                FloatVector h = load(hPrev, hp + j);
                store(hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))), hOut, ho + j);
            }
            ScalarGatePass.ragGru(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
        }
    }

    private static void ragMinimalRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                       float[] hPrev, int hpo, float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 2 * n, q = b * 2 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector az = pre(gi, g, gh, q, bias, 0, j);
                FloatVector cand = hardtanh(pre(gi, g, gh, q, bias, n, j));
                FloatVector h = load(hPrev, hp + j);
                store(hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))), hOut, ho + j);
            }
            ScalarGatePass.ragMinimal(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
        }
    }

    private static void ragLstmRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias,
                                    float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            // a_k = gi_k + gh_k + b_k summed in place first: with the four sums in the update loop its
            // body was past C2's node budget.
            for (int block = 0; block < 4; block++) {
                sumInPlace(from, to, n, gi, g, gh, q, bias, block * n);
            }
            // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i))) ; h' = S(c', relu(-a_o))
            for (int j = from; j < end; j += S.length()) {
                FloatVector ai = load(gh, q + j);
                FloatVector af = load(gh, q + n + j);
                FloatVector ag = load(gh, q + 2 * n + j);
                FloatVector ao = load(gh, q + 3 * n + j);
                FloatVector writeBlock = af.max(ZERO).add(ai.neg().max(ZERO));
                FloatVector cNew = hardtanh(inhibit(load(c, cs + j), af.neg().max(ZERO)).add(inhibit(hardtanh(ag), writeBlock)));
                store(cNew, c, cs + j);
                store(inhibit(cNew, ao.neg().max(ZERO)), hOut, ho + j);
            }
            ScalarGatePass.ragLstmUpdate(end, to, n, gh, q, hOut, ho, c, cs);
        }
    }

    // gh[k + j] = gi[k + j] + gh[k + j] + b[k + j] over the block at offset k.
    private static void sumInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, int k) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            store(pre(gi, g, gh, q, bias, k, j), gh, q + k + j);
        }
        ScalarGatePass.sumInPlace(end, to, n, gi, g, gh, q, bias, k);
    }

    // a = gi + gh + b, the pre-activation of one block at units j.. (block offset k = block * H)
    private static FloatVector pre(float[] gi, int g, float[] gh, int q, float[] bias, int k, int j) {
        return load(gi, g + k + j).add(load(gh, q + k + j)).add(load(bias, k + j));
    }

    // MI pre-activation of rows k + j.. (see ScalarGatePass.miPre for why this order):
    // ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b, with plain multiplies and adds (no fma) so that
    // alpha = 0, beta = 1 gives the plain cells' (gi + gh) + b to the bit.
    private static FloatVector miPre(float[] gi, int g, float[] gh, int q, float[] bias, float[] mi, int width, int k, int j) {
        FloatVector wx = load(gi, g + k + j);
        FloatVector uh = load(gh, q + k + j);
        FloatVector alpha = load(mi, k + j);
        FloatVector beta1 = load(mi, width + k + j);
        FloatVector beta2 = load(mi, 2 * width + k + j);
        return beta2.mul(wx).add(beta1.mul(uh)).add(alpha.mul(wx).mul(uh)).add(load(bias, k + j));
    }

    private static void miRnnRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias, float[] mi,
                                  float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * n, q = b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                store(tanh(miPre(gi, g, gh, q, bias, mi, n, 0, j)), hOut, ho + j);
            }
            ScalarGatePass.miRnn(end, to, n, gi, g, gh, q, bias, mi, hOut, ho);
        }
    }

    private static void miLstmRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias, float[] mi,
                                   float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            for (int block = 0; block < 4; block++) {
                miActivateInPlace(from, to, n, gi, g, gh, q, bias, mi, 4 * n, block * n, block == 2);
            }
            for (int j = from; j < end; j += S.length()) {
                FloatVector cNew = load(gh, q + n + j).mul(load(c, cs + j)).add(load(gh, q + j).mul(load(gh, q + 2 * n + j)));
                store(cNew, c, cs + j);
                store(load(gh, q + 3 * n + j).mul(tanh(cNew)), hOut, ho + j);
            }
            ScalarGatePass.lstmUpdate(end, to, n, gh, q, hOut, ho, c, cs);
        }
    }

    // hPrev is read and hOut written at the same rows (the layer updates h in place)
    private static void miGruRows(int rows, int from, int to, int n, float[] gi, int go, float[] gh, float[] bias, float[] mi,
                                  float[] hPrev, int hpo, float[] hOut, int hoo) {
        int end = from + S.loopBound(to - from);
        int width = 3 * n;
        for (int b = 0; b < rows; b++) {
            int g = go + b * width, q = b * width, hp = hpo + b * n, ho = hoo + b * n;
            for (int block = 0; block < 2; block++) {
                miActivateInPlace(from, to, n, gi, g, gh, q, bias, mi, width, block * n, false);
            }
            // u = r*(gh_n + b_hn) ; n = tanh((beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u)) ; h' = n + z*(h - n)
            for (int j = from; j < end; j += S.length()) {
                int row = 2 * n + j;
                FloatVector r = load(gh, q + j);
                FloatVector z = load(gh, q + n + j);
                FloatVector wx = load(gi, g + row);
                FloatVector u = r.mul(load(gh, q + row).add(load(bias, 3 * n + j)));
                FloatVector inner = load(mi, 2 * width + row).mul(wx).add(load(bias, 2 * n + j));
                FloatVector cand = tanh(inner.add(load(mi, width + row).mul(u).add(load(mi, row).mul(wx).mul(u))));
                FloatVector h = load(hPrev, hp + j);
                store(cand.add(z.mul(h.sub(cand))), hOut, ho + j);
            }
            ScalarGatePass.miGruUpdate(end, to, n, gi, g, gh, q, bias, mi, hPrev, hp, hOut, ho);
        }
    }

    // gh[k + j] = act(MI pre-activation) over the block at offset k; one exp, as activateInPlace
    private static void miActivateInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                                          float[] mi, int width, int k, boolean tanh) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector a = miPre(gi, g, gh, q, bias, mi, width, k, j);
            FloatVector s = sigm(tanh ? a.add(a) : a);
            store(tanh ? s.add(s).sub(ONE) : s, gh, q + k + j);
        }
        ScalarGatePass.miActivateInPlace(end, to, n, gi, g, gh, q, bias, mi, width, k, tanh);
    }

    /** {@code hardtanh(v) = min(max(v, -1), 1)}. */
    static FloatVector hardtanh(FloatVector v) {
        return v.max(MINUS_ONE).min(ONE);
    }

    /**
     * RAG inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)}, written as
     * {@code v - clamp(v, -q, q)}: the same value bit for bit (for {@code v > q} both round
     * {@code v - q}; for {@code v < -q} both round {@code v + q}, rounding being symmetric; in between
     * both are +0), in four vector operations instead of six, which keeps the RAG-LSTM loop body
     * inside C2's inlining budget.
     */
    static FloatVector inhibit(FloatVector v, FloatVector q) {
        return v.sub(v.min(q).max(q.neg()));
    }

    private static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    private static void store(FloatVector v, float[] a, int i) {
        v.intoArray(a, i);
    }
}
