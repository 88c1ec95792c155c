package org.rnnkernels.cell;

/**
 * Multiplicative-integration GRU: {@code r, z = sigm(MI pre-activation)}; {@code u = r*(gh_n + b_hn)};
 * {@code n = tanh((beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u))}; {@code h' = n + z*(h - n)}.
 * (Block n's order gives the plain GRU's sum when alpha = 0, beta = 1.)
 *
 * <p>Training caches (K = 7) {@code r, z, n, gh_n + b_hn, Uh_r, Uh_z, u}: the gate pass's loops given the
 * cache row, and a loop keeping {@code gh_n + b_hn} and {@code u} from the raw {@code gh}. Backward: GRU's,
 * with {@code dP_n = dh (1-z)(1-n^2)} the gradient of n's pre-activation: {@code dWx_n = dP_n (alpha u + beta2)},
 * {@code dU = dP_n (alpha Wx_n + beta1)}, {@code dUh_n = dU r}, {@code dPre_r = dU (gh_n + b_hn) r(1-r)},
 * {@code dPre_z = dh (h - n) z(1-z)}, then {@link ScalarOps#miRow} for {@code r, z}.
 */
public final class MiGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias, mi, gh, q);
            ScalarOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // r, z, n activated into out[o ..] (over gh itself in the gate pass), gh read raw
    private static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                              float[] out, int o) {
        for (int block = 0; block < 2; block++) {
            ScalarOps.miSum(from, to, gi, g, gh, q, bias, mi, 3 * n, block * n, out, o);
            ScalarOps.activate(from, to, out, o + block * n, false);
        }
        candidatePre(from, to, n, gi, g, gh, q, bias, mi, out, o);
        ScalarOps.activate(from, to, out, o + 2 * n, true);
    }

    // out_n = (beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u), u = r*(gh_n + b_hn), r activated in out[o ..]
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                             float[] out, int o) {
        int width = 3 * n;
        for (int j = from; j < to; j++) {
            int row = 2 * n + j;
            float wx = gi[g + row];
            float u = out[o + j] * (gh[q + row] + bias[3 * n + j]);
            out[o + row] = (mi[2 * width + row] * wx + bias[2 * n + j]) + (mi[width + row] * u + mi[row] * wx * u);
        }
    }

    // The cache's gh_n + b_hn (block 3) and u = r*(gh_n + b_hn) (block 6), r activated in block 0
    static void keep(int from, int to, int n, float[] gh, int q, float[] bias, float[] act, int a) {
        for (int j = from; j < to; j++) {
            float ghn = gh[q + 2 * n + j] + bias[3 * n + j];
            act[a + 3 * n + j] = ghn;
            act[a + 6 * n + j] = act[a + j] * ghn;
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            gates(0, n, n, s.gi, g, s.gh, q, p.bias, p.extra, s.act, a);
            keep(0, n, n, s.gh, q, p.bias, s.act, a);
            System.arraycopy(s.gh, q, s.act, a + 4 * n, 2 * n);
            ScalarOps.blend(0, n, n, s.act, a, s.hs, hp, s.hs, hp + s.batch * n);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(p.extra, s, t, b, 0);
        }
    }

    static void backwardRow(float[] mi, TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, w = s.width, r = t * s.batch + b, g = r * w, d = b * n, a = r * s.cacheWidth, hp = r * n;
        for (int j = from; j < n; j++) {
            float rr = s.act[a + j], z = s.act[a + n + j], cand = s.act[a + 2 * n + j], ghn = s.act[a + 3 * n + j];
            float u = s.act[a + 6 * n + j];
            float dh = s.dh[d + j];
            int k = 2 * n + j;
            float dPN = dh * (1f - z) * (1f - cand * cand);
            float dU = dPN * (mi[k] * s.gi[g + k] + mi[w + k]);
            s.dPre[g + k] = dPN;
            s.dGi[g + k] = dPN * (mi[k] * u + mi[2 * w + k]);
            s.dGh[g + k] = dU * rr;
            s.dhNext[d + j] = dh * z;
            ScalarOps.miRow(mi, s, g, j, s.act[a + 4 * n + j], dU * ghn * rr * (1f - rr));
            ScalarOps.miRow(mi, s, g, n + j, s.act[a + 5 * n + j], dh * (s.hs[hp + j] - cand) * z * (1f - z));
        }
    }
}
