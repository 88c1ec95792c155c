package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.relu;

/**
 * RAG-GRU, blocks {@code r, z, n}: sigmoid gates and products replaced by ReLU inhibition,
 * {@code n = hardtanh(gi_n + b_in + S(gh_n + b_hn, relu(-a_r)))},
 * {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 */
public final class RagGru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * 3 * n, gh, b * 3 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float ar = gi[g + j] + gh[q + j] + bias[j];
            float az = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float cand = hardtanh(gi[g + 2 * n + j] + bias[2 * n + j]
                    + inhibit(gh[q + 2 * n + j] + bias[3 * n + j], relu(-ar)));
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }
}
