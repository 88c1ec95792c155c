package org.rnnkernels.product;

import org.rnnkernels.ternary.TernaryMatrix;

/** Plain-Java ternary products: the fallback without the Vector API. */
class ScalarTernaryKernels extends TernaryKernels {

    // Plus and minus words interleaved, row by row, the layout dot() reads.
    @Override
    long[] packTernary(TernaryMatrix m) {
        return TernaryRows.interleaved(m);
    }

    @Override
    void unpackTernary(long[] packed, int rows, int words, long[] plus, long[] minus) {
        TernaryRows.deinterleave(packed, plus, minus);
    }

    @Override
    void ternaryPass(long[] packed, int words, int from, int to, float[] scales, int blockRows, long[] planes, int s0,
                     int s1, float[] out, int outStride) {
        for (int r = from; r < to; r++) {
            float scale = scales[r / blockRows];
            for (int s = s0; s < s1; s++) {
                out[s * outStride + r] = scale * dot(packed, words, r, planes, s * 2 * words);
            }
        }
    }

    // dot = popcount((wp&xp)|(wm&xm)) - popcount((wp&xm)|(wm&xp)), a word of 64 columns at a time
    private static int dot(long[] bits, int words, int row, long[] planes, int offset) {
        int base = 2 * row * words;
        int dot = 0;
        for (int w = 0; w < words; w++) {
            long wp = bits[base + 2 * w];
            long wm = bits[base + 2 * w + 1];
            long xp = planes[offset + 2 * w];
            long xm = planes[offset + 2 * w + 1];
            dot += Long.bitCount((wp & xp) | (wm & xm)) - Long.bitCount((wp & xm) | (wm & xp));
        }
        return dot;
    }
}
