package org.rnnkernels.cell;

/**
 * GRU, blocks {@code r, z, n}, linear before reset (PyTorch's): {@code r = sigm(a_r)},
 * {@code z = sigm(a_z)}, {@code n = tanh(gi_n + b_in + r*(gh_n + b_hn))}, {@code h' = (1-z)*n + z*h}.
 *
 * <p>Training caches (K = 4) {@code r, z, n, gh_n + b_hn}. Its forward is the gate pass's loops given the
 * cache row where the gate pass writes over {@code gh}, which it leaves raw, and one more loop keeps
 * {@code gh_n + b_hn} from it. Backward ({@code h' = (1-z) n + z h}): {@code dA_n = dh (1-z)(1-n^2)},
 * {@code dA_r = dA_n (gh_n + b_hn) r(1-r)}, {@code dA_z = dh (h - n) z(1-z)}, direct {@code dh z}
 * ({@link #gateGradients}, EGRU's too);
 * {@code dGi = [dA_r, dA_z, dA_n]}, {@code dGh = [dA_r, dA_z, dA_n r]}.
 */
public final class Gru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias, gh, q);
            ScalarOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // r, z, n activated into out[o ..] (over gh itself in the gate pass), gh_n read raw; shared with EGRU
    static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        for (int block = 0; block < 2; block++) {
            ScalarOps.sum(from, to, gi, g, gh, q, bias, block * n, out, o);
            ScalarOps.activate(from, to, out, o + block * n, false);
        }
        ScalarOps.candidatePre(from, to, n, gi, g, gh, q, bias, out, o);
        ScalarOps.activate(from, to, out, o + 2 * n, true);
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            gates(0, n, n, s.gi, g, s.gh, q, p.bias, s.act, a);
            ScalarOps.add(0, n, s.gh, q + 2 * n, p.bias, 3 * n, s.act, a + 3 * n);
            ScalarOps.blend(0, n, n, s.act, a, s.hs, hp, s.hs, hp + s.batch * n);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(s, t, b, 0);
        }
    }

    static void backwardRow(TrainingTrace s, int t, int b, int from) {
        int n = s.hidden;
        gateGradients(s, t, b, from, s.dh, b * n, s.hs, (t * s.batch + b) * n, s.dhNext);
    }

    /**
     * The gradients of r, z, n of units from .. H-1 of sample b, from {@code dS = up[uo ..]}, the gradient
     * reaching {@code S = n + z (prev - n)}: GRU's {@code h'} ({@code dS = dh}, {@code prev = h}), EGRU's
     * {@code c_pre} ({@code prev = c}); the direct {@code dS z} into {@code direct[b*H ..]}. {@code up} may
     * be {@code dGi}'s block n, which this overwrites after reading.
     */
    static void gateGradients(TrainingTrace s, int t, int b, int from, float[] up, int uo, float[] prev, int hp, float[] direct) {
        int n = s.hidden, r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth;
        for (int j = from; j < n; j++) {
            float rr = s.act[a + j], z = s.act[a + n + j], cand = s.act[a + 2 * n + j], ghn = s.act[a + 3 * n + j];
            float dS = up[uo + j];
            float dAN = dS * (1f - z) * (1f - cand * cand);
            float dAR = dAN * ghn * rr * (1f - rr);
            float dAZ = dS * (prev[hp + j] - cand) * z * (1f - z);
            direct[d + j] = dS * z;
            s.dGi[g + j] = s.dGh[g + j] = dAR;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dAZ;
            s.dGi[g + 2 * n + j] = dAN;
            s.dGh[g + 2 * n + j] = dAN * rr;
        }
    }
}
