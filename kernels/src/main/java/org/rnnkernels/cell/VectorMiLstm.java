package org.rnnkernels.cell;

/** {@link MiLstm}, a vector of units at a time. */
public final class VectorMiLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.miSum(from, to, gi, g, gh, q, bias, mi, 4 * n, block * n, gh, q);
            }
            VectorLstm.activateAndUpdate(from, to, n, gh, q, c, b * n, c, b * n, q, hOut, hoo + b * n);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.miSum(0, n, s.gi, g, s.gh, q, p.bias, p.extra, 4 * n, block * n, s.act, a);
            }
            System.arraycopy(s.gh, q, s.act, a + 5 * n, 4 * n);
            VectorLstm.activateAndUpdate(0, n, n, s.act, a, s.cs, hp, s.cs, hn, a + 4 * n, s.hs, hn);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        VectorLstm.gradients(p.extra, s, t);
    }
}
