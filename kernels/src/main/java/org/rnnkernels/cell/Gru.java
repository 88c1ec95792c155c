package org.rnnkernels.cell;

/**
 * GRU, blocks {@code r, z, n}, linear before reset (PyTorch's): {@code r = sigm(a_r)},
 * {@code z = sigm(a_z)}, {@code n = tanh(gi_n + b_in + r*(gh_n + b_hn))}, {@code h' = (1-z)*n + z*h}.
 */
public final class Gru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias);
            ScalarOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // r, z, n activated in place over gh (shared with EGRU, whose state update differs)
    static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias) {
        for (int block = 0; block < 2; block++) {
            ScalarOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
            ScalarOps.activate(from, to, gh, q + block * n, false);
        }
        ScalarOps.candidatePre(from, to, n, gi, g, gh, q, bias);
        ScalarOps.activate(from, to, gh, q + 2 * n, true);
    }
}
