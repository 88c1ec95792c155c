package org.rnnkernels.integer;

import static org.rnnkernels.integer.IntOps.hardtanh;
import static org.rnnkernels.integer.IntOps.inhibit;
import static org.rnnkernels.integer.IntOps.relu;
import static org.rnnkernels.integer.IntOps.rescale;

/**
 * RAG-LSTM in integers, blocks {@code i, f, g, o}, each {@code a_k} as RAG-minimal's:
 * {@code c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)))}, {@code h' = S(c', relu(-a_o))}.
 */
public final class IntRagLstm implements IntegerCell {

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, to, gi, g, gh, q, p, h, c, s);
        }
    }

    static void row(int from, int to, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int[] c, int s) {
        int n = p.hidden, n2 = n + n, n3 = n2 + n;
        int one = p.one;
        int[] ei = p.inputExponents, eh = p.recurrentExponents;
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < to; j++) {
            int ai = rescale(gi[g + j], ei[0]) + bi[j] + rescale(gh[q + j], eh[0]) + bh[j];
            int af = rescale(gi[g + n + j], ei[1]) + bi[n + j] + rescale(gh[q + n + j], eh[1]) + bh[n + j];
            int ag = rescale(gi[g + n2 + j], ei[2]) + bi[n2 + j] + rescale(gh[q + n2 + j], eh[2]) + bh[n2 + j];
            int ao = rescale(gi[g + n3 + j], ei[3]) + bi[n3 + j] + rescale(gh[q + n3 + j], eh[3]) + bh[n3 + j];
            int cell = hardtanh(inhibit(c[s + j], relu(-af)) + inhibit(hardtanh(ag, one), relu(af) + relu(-ai)), one);
            c[s + j] = cell;
            h[s + j] = inhibit(cell, relu(-ao));
        }
    }
}
