package org.rnnkernels.integer;

import static org.rnnkernels.integer.IntOps.hardtanh;
import static org.rnnkernels.integer.IntOps.inhibit;
import static org.rnnkernels.integer.IntOps.relu;
import static org.rnnkernels.integer.IntOps.rescale;

/**
 * RAG-GRU in integers, blocks {@code r, z, n}: {@code a_r}, {@code a_z} as RAG-minimal's {@code a_z},
 * {@code n = hardtanh(gi_n + S(gh_n, relu(-a_r)))} with {@code gi_n = rescale(.) + b_ih,n} and
 * {@code gh_n = rescale(.) + b_hh,n} apart, {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 */
public final class IntRagGru implements IntegerCell {

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, to, gi, g, gh, q, p, h, s);
        }
    }

    static void row(int from, int to, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int s) {
        int n = p.hidden, n2 = n + n;
        int one = p.one;
        int[] ei = p.inputExponents, eh = p.recurrentExponents;
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < to; j++) {
            int ar = rescale(gi[g + j], ei[0]) + bi[j] + rescale(gh[q + j], eh[0]) + bh[j];
            int az = rescale(gi[g + n + j], ei[1]) + bi[n + j] + rescale(gh[q + n + j], eh[1]) + bh[n + j];
            int ghn = rescale(gh[q + n2 + j], eh[2]) + bh[n2 + j];
            int cand = hardtanh(rescale(gi[g + n2 + j], ei[2]) + bi[n2 + j] + inhibit(ghn, relu(-ar)), one);
            h[s + j] = hardtanh(inhibit(h[s + j], relu(-az)) + inhibit(cand, relu(az)), one);
        }
    }
}
