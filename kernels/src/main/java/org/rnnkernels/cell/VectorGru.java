package org.rnnkernels.cell;

/** {@link Gru}, a vector of units at a time; its three activations from one call site. */
public final class VectorGru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias);
            VectorOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // a_r, a_z summed in place; r = sigm(a_r), z = sigm(a_z), then n = tanh(gi_n + b_in + r*(gh_n + b_hn))
    static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias) {
        for (int block = 0; block < 2; block++) {
            VectorOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
        }
        for (int block = 0; block < 3; block++) {
            if (block == 2) {
                VectorOps.candidatePre(from, to, n, gi, g, gh, q, bias);
            }
            VectorOps.activate(from, to, gh, q + block * n, block == 2);
        }
    }
}
