package org.rnnkernels.integer;

import static org.rnnkernels.integer.IntOps.hardtanh;
import static org.rnnkernels.integer.IntOps.inhibit;
import static org.rnnkernels.integer.IntOps.relu;
import static org.rnnkernels.integer.IntOps.rescale;

/**
 * RAG-minimal in integers, blocks {@code z, n}:
 * {@code a_k = rescale(gi_k, e_ih,k) + b_ih,k + rescale(gh_k, e_hh,k) + b_hh,k}, {@code n = hardtanh(a_n)},
 * {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 */
public final class IntRagMinimal implements IntegerCell {

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, to, gi, g, gh, q, p, h, s);
        }
    }

    static void row(int from, int to, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int s) {
        int n = p.hidden;
        int one = p.one;
        int eiz = p.inputExponents[0], ehz = p.recurrentExponents[0];
        int ein = p.inputExponents[1], ehn = p.recurrentExponents[1];
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < to; j++) {
            int az = rescale(gi[g + j], eiz) + bi[j] + rescale(gh[q + j], ehz) + bh[j];
            int an = rescale(gi[g + n + j], ein) + bi[n + j] + rescale(gh[q + n + j], ehn) + bh[n + j];
            int cand = hardtanh(an, one);
            h[s + j] = hardtanh(inhibit(h[s + j], relu(-az)) + inhibit(cand, relu(az)), one);
        }
    }
}
