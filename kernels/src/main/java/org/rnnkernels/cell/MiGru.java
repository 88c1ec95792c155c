package org.rnnkernels.cell;

/**
 * Multiplicative-integration GRU: {@code r, z = sigm(MI pre-activation)}; {@code u = r*(gh_n + b_hn)};
 * {@code n = tanh((beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u))}; {@code h' = n + z*(h - n)}.
 * (Block n's order gives the plain GRU's sum when alpha = 0, beta = 1.)
 */
public final class MiGru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            for (int block = 0; block < 2; block++) {
                ScalarOps.miSumInPlace(from, to, gi, g, gh, q, bias, mi, 3 * n, block * n);
                ScalarOps.activate(from, to, gh, q + block * n, false);
            }
            candidatePre(from, to, n, gi, g, gh, q, bias, mi);
            ScalarOps.activate(from, to, gh, q + 2 * n, true);
            ScalarOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // gh_n = (beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u), u = r*(gh_n + b_hn), r activated in gh
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi) {
        int width = 3 * n;
        for (int j = from; j < to; j++) {
            int row = 2 * n + j;
            float wx = gi[g + row];
            float u = gh[q + j] * (gh[q + row] + bias[3 * n + j]);
            gh[q + row] = (mi[2 * width + row] * wx + bias[2 * n + j]) + (mi[width + row] * u + mi[row] * wx * u);
        }
    }
}
