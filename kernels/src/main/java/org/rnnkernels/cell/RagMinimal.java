package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.relu;

/**
 * RAG-minimal, blocks {@code z, n}: {@code n = hardtanh(a_n)},
 * {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 */
public final class RagMinimal implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * 2 * n, gh, b * 2 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float cand = hardtanh(gi[g + n + j] + gh[q + n + j] + bias[n + j]);
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }
}
