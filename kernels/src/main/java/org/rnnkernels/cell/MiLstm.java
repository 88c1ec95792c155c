package org.rnnkernels.cell;

/**
 * Multiplicative-integration LSTM: LSTM's gates and update on the MI pre-activations of {@link ScalarOps#miPre}.
 * Training caches (K = 9) LSTM's five blocks, then {@code Uh_i, Uh_f, Uh_g, Uh_o}; its backward is LSTM's
 * into {@code dPre}, then {@link ScalarOps#miRow}.
 */
public final class MiLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.miSum(from, to, gi, g, gh, q, bias, mi, 4 * n, block * n, gh, q);
            }
            Lstm.activateAndUpdate(from, to, n, gh, q, c, b * n, c, b * n, q, hOut, hoo + b * n);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.miSum(0, n, s.gi, g, s.gh, q, p.bias, p.extra, 4 * n, block * n, s.act, a);
            }
            System.arraycopy(s.gh, q, s.act, a + 5 * n, 4 * n);
            Lstm.activateAndUpdate(0, n, n, s.act, a, s.cs, hp, s.cs, hn, a + 4 * n, s.hs, hn);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            Lstm.backwardRow(p.extra, s, t, b, 0);
        }
    }
}
