package org.rnnkernels.cell;

/** {@link MiLstm}, a vector of units at a time. */
public final class VectorMiLstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.miSumInPlace(from, to, gi, g, gh, q, bias, mi, 4 * n, block * n);
            }
            VectorLstm.activateAndUpdate(from, to, n, gh, q, hOut, hoo + b * n, c, b * n);
        }
    }
}
