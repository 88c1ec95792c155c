package org.rnnkernels.cell;

/**
 * EGRU, event-based GRU, with {@code theta [H]} the thresholds ({@code extra}): r, z, g as GRU's r, z, n;
 * {@code c_pre = z*c + (1-z)*g}; {@code o = Hv(c_pre - theta)}, {@code y' = o*c_pre},
 * {@code c' = c_pre - o*theta}. {@code hOut} receives the sparse output {@code y}, {@code c} is the
 * internal state.
 *
 * <p>{@code c_pre = g + z*(c - g)} is GRU's {@code h'} with {@code c} for {@code h}: the same blend.
 * Training caches (K = 5) {@code r, z, g, gh_n + b_hn, c_pre}: the gate pass's loops, given the cache
 * row for the gates and block 4 for {@code c_pre} (the gate pass writes it over {@code g}), and GRU's loop
 * keeping {@code gh_n + b_hn}. The backward's gate side is GRU's ({@link Gru#gateGradients}) from
 * {@code dC_pre} with {@code c} for {@code h}. Backward, with {@code dy = dL/dy'}, {@code dc = dL/dc'},
 * {@code v = c_pre - theta} and the pseudo-derivative {@code psi = gamma max(0, 1 - s|v|)} of {@code o}:
 * {@code dV = (dy c_pre - dc theta + dA) psi}, {@code dA} the activity regularisation's {@code dL/do}
 * ({@link TrainingTrace#activityGradient}, 0 without one); {@code dC_pre = dy o + dc + dV}; {@code dtheta = -dc o - dV};
 * {@code dc = dC_pre z}; {@code dA_n = dC_pre (1-z)(1-g^2)}; {@code dA_r = dA_n (gh_n + b_hn) r(1-r)};
 * {@code dA_z = dC_pre (c - g) z(1-z)}.
 */
public final class Egru implements GatePass, TrainingPass {
    /** The block of the training cache that holds {@code c_pre} (the backward's support scan reads it). */
    public static final int C_PRE_BLOCK = 4;

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] theta, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, cs = b * n;
            Gru.gates(from, to, n, gi, g, gh, q, bias, gh, q);
            ScalarOps.blend(from, to, n, gh, q, c, cs, gh, q + 2 * n);    // c_pre = g + z*(c - g), over g
            fire(from, to, gh, q + 2 * n, theta, hOut, hoo + b * n, c, cs);
        }
    }

    // o = Hv(c_pre - theta): y' = c_pre where c_pre > theta, else 0 ; c' = c_pre - theta there, else c_pre.
    // Written !(c_pre <= theta) so that a NaN c_pre reaches y (as 0*NaN does in the equation), not a silent 0.
    static void fire(int from, int to, float[] cPre, int po, float[] theta, float[] hOut, int ho, float[] cOut, int co) {
        for (int j = from; j < to; j++) {
            float v = cPre[po + j];
            boolean fires = !(v <= theta[j]);
            hOut[ho + j] = fires ? v : 0f;
            cOut[co + j] = fires ? v - theta[j] : v;
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            Gru.gates(0, n, n, s.gi, g, s.gh, q, p.bias, s.act, a);
            ScalarOps.add(0, n, s.gh, q + 2 * n, p.bias, 3 * n, s.act, a + 3 * n);
            ScalarOps.blend(0, n, n, s.act, a, s.cs, hp, s.act, a + C_PRE_BLOCK * n);
            fire(0, n, s.act, a + C_PRE_BLOCK * n, p.extra, s.hs, hn, s.cs, hn);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(p, s, t, b, 0);
        }
    }

    // The class comment's gradients: the firing side (dC_pre parked in dGi_n, each row's dL/dtheta term into
    // dThetaRows), then GRU's gate side
    static void backwardRow(GateParameters p, TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth;
        float[] theta = p.extra;
        float dA = s.activityGradient;
        for (int j = from; j < n; j++) {
            float cPre = s.act[a + C_PRE_BLOCK * n + j];
            float dy = s.dh[d + j], dc = s.dc[d + j];
            boolean fires = !(cPre <= theta[j]);
            float psi = p.gamma * Math.max(0f, 1f - p.slope * Math.abs(cPre - theta[j]));
            float dV = (dy * cPre - dc * theta[j] + dA) * psi;
            s.dGi[g + 2 * n + j] = (fires ? dy : 0f) + dc + dV;
            s.dThetaRows[r * n + j] = -(fires ? dc : 0f) - dV;
        }
        Gru.gateGradients(s, t, b, from, s.dGi, g + 2 * n, s.cs, r * n, s.dc);
    }

    /**
     * Whether the backward needs {@code dL/dy} of a unit with this {@code c_pre}: it fired ({@code y = c_pre}),
     * or its pseudo-derivative is nonzero (the same float expression as the backward's {@code psi}, so the
     * two cannot disagree).
     */
    public static boolean needed(float cPre, float theta, float gamma, float slope) {
        return !(cPre <= theta) || pseudoDerivativeNonzero(cPre, theta, gamma, slope);
    }

    /** {@code gamma max(0, 1 - s|c_pre - theta|) != 0}. */
    public static boolean pseudoDerivativeNonzero(float cPre, float theta, float gamma, float slope) {
        return gamma > 0f && 1f - slope * Math.abs(cPre - theta) > 0f;
    }
}
