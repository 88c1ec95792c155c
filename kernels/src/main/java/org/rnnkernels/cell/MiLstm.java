package org.rnnkernels.cell;

/** Multiplicative-integration LSTM: LSTM's gates and update on the MI pre-activations of {@link ScalarOps#miPre}. */
public final class MiLstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.miSumInPlace(from, to, gi, g, gh, q, bias, mi, 4 * n, block * n);
            }
            Lstm.activateAndUpdate(from, to, n, gh, q, hOut, hoo + b * n, c, b * n);
        }
    }
}
