package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.miPre;
import static org.rnnkernels.cell.ScalarOps.tanh;

/**
 * Multiplicative-integration Elman RNN: {@code h' = tanh(alpha*Wx*Uh + beta1*Uh + beta2*Wx + b)},
 * {@code extra = [alpha | beta1 | beta2]}, each {@code [H]}.
 */
public final class MiRnn implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * n, gh, b * n, bias, mi, hOut, hoo + b * n);
        }
    }

    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                    float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            hOut[ho + j] = tanh(miPre(mi, n, j, gi[g + j], gh[q + j], bias[j]));
        }
    }
}
