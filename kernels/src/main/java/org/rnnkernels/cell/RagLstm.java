package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.relu;

/**
 * RAG-LSTM, blocks {@code i, f, g, o}, cell state kept in [-1, 1]:
 * {@code c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)))}, {@code h' = S(c', relu(-a_o))}.
 */
public final class RagLstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
            }
            update(from, to, n, gh, q, hOut, hoo + b * n, c, b * n);
        }
    }

    // The state update from the pre-activations a_i, a_f, a_g, a_o already summed in gh.
    static void update(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float ai = gh[q + j];
            float af = gh[q + n + j];
            float ag = gh[q + 2 * n + j];
            float ao = gh[q + 3 * n + j];
            float cNew = hardtanh(inhibit(c[cs + j], relu(-af)) + inhibit(hardtanh(ag), relu(af) + relu(-ai)));
            c[cs + j] = cNew;
            hOut[ho + j] = inhibit(cNew, relu(-ao));
        }
    }
}
