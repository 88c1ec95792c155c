package org.rnnkernels.product;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;
import org.rnnkernels.ternary.TernaryMatrix;

/**
 * The Vector API ternary x ternary product: rows in groups of as many as a vector has long lanes, each lane one
 * row (see {@code groupDots}), so a dot needs no sum across lanes. Row by row (a row's words across the lanes,
 * then the lanes summed) it spent as long on each row's sum as on its 16 words: a GRU's 3072 x 1024 recurrent
 * product took 32-43 us a step, grouped 15-16 (same dots; Zen 5, 512-bit, one JVM, rounds alternating); the
 * ternary GRU layer at B = 1, H = 1024 went from 82-92 us a step to 39-52 (JMH forks alternating, five each), and
 * at 256 bits from 91-121 to 50-55, with AVX2's registers from 138-141 to 83, at 128 bits from 122-144 to 103-110.
 */
final class VectorTernaryKernels extends ScalarTernaryKernels {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final VectorSpecies<Long> LONGS = S.withLanes(long.class);
    private static final VectorSpecies<Byte> BYTES = S.withLanes(byte.class);
    private static final int LONG_LANES = LONGS.length();
    private static final long BYTE_SIGNS = 0x8080808080808080L;
    private static final long BYTE_PAIRS = 0x00FF00FF00FF00FFL;
    private static final long SHORT_PAIRS = 0x0000FFFF0000FFFFL;
    private static final long INT_PAIRS = 0x00000000FFFFFFFFL;
    // Signed byte counters gain -8..8 a word: 15 words stay within -120..120.
    private static final int BLOCK_WORDS = 15;

    // Rows in groups of LONG_LANES, word j of the group's rows side by side: the plus words of word j of every
    // row of the group, then their minus words; rows past the matrix's are zero (their dots are 0, never written).
    @Override
    long[] packTernary(TernaryMatrix m) {
        int rows = m.rows();
        int words = m.wordsPerRow();
        int groups = (rows + LONG_LANES - 1) / LONG_LANES;
        long[] plus = m.plus();
        long[] minus = m.minus();
        long[] packed = new long[Math.multiplyExact(groups * words, 2 * LONG_LANES)];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < words; j++) {
                int at = groupWord(r / LONG_LANES, words, j) + r % LONG_LANES;
                packed[at] = plus[r * words + j];
                packed[at + LONG_LANES] = minus[r * words + j];
            }
        }
        return packed;
    }

    @Override
    void unpackTernary(long[] packed, int rows, int words, long[] plus, long[] minus) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < words; j++) {
                int at = groupWord(r / LONG_LANES, words, j) + r % LONG_LANES;
                plus[r * words + j] = packed[at];
                minus[r * words + j] = packed[at + LONG_LANES];
            }
        }
    }

    // Where word j of group g's plus words starts.
    private static int groupWord(int group, int words, int j) {
        return (group * words + j) * 2 * LONG_LANES;
    }

    @Override
    void ternaryPass(long[] packed, int words, int from, int to, float[] scales, int blockRows, long[] planes, int s0,
                     int s1, float[] out, int outStride) {
        for (int g = from / LONG_LANES; g * LONG_LANES < to; g++) {
            for (int s = s0; s < s1; s++) {
                groupDots(packed, groupWord(g, words, 0), words, planes, s * 2 * words, g * LONG_LANES, from, to,
                        scales, blockRows, out, s * outStride);
            }
        }
    }

    // The dots of the LONG_LANES rows r0.. of a group with one sample, lane l of the vectors for row r0 + l: each
    // word j ANDs the group's plus and minus words with the sample's broadcast xp_j, xm_j, and byte popcounts of
    // the +1 and -1 products are subtracted into signed byte counters (a column is in at most one of the two, so
    // each word adds -8..8 to a byte, and up to BLOCK_WORDS words stay within a byte); every BLOCK_WORDS words the counters are summed into each long lane.
    // No horizontal sum: a lane is a row. Then rows from..to-1 of the group are scaled into out[o + r].
    private static void groupDots(long[] packed, int base, int words, long[] planes, int offset, int r0, int from,
                                  int to, float[] scales, int blockRows, float[] out, int o) {
        LongVector dots = LongVector.zero(LONGS);
        for (int j0 = 0; j0 < words; j0 += BLOCK_WORDS) {
            int j1 = Math.min(words, j0 + BLOCK_WORDS);
            ByteVector counts = ByteVector.zero(BYTES);
            for (int j = j0; j < j1; j++) {
                int at = base + 2 * LONG_LANES * j;
                LongVector wp = LongVector.fromArray(LONGS, packed, at);
                LongVector wm = LongVector.fromArray(LONGS, packed, at + LONG_LANES);
                long xp = planes[offset + 2 * j];
                long xm = planes[offset + 2 * j + 1];
                ByteVector plus = wp.and(xp).or(wm.and(xm)).reinterpretAsBytes().lanewise(VectorOperators.BIT_COUNT);
                ByteVector minus = wp.and(xm).or(wm.and(xp)).reinterpretAsBytes().lanewise(VectorOperators.BIT_COUNT);
                counts = counts.add(plus.sub(minus));
            }
            // signed bytes + 128 are unsigned: a lane's eight of them sum to its dot + 8 * 128
            dots = dots.add(sumBytes(counts.reinterpretAsLongs().lanewise(VectorOperators.XOR, BYTE_SIGNS))
                    .sub(8 * 128));
        }
        if (r0 >= from && r0 + LONG_LANES <= to && r0 / blockRows == (r0 + LONG_LANES - 1) / blockRows) {
            float scale = scales[r0 / blockRows];
            for (int l = 0; l < LONG_LANES; l++) {
                out[o + r0 + l] = scale * (int) dots.lane(l);
            }
            return;
        }
        for (int l = 0; l < LONG_LANES; l++) {      // a group at the range's ends or across two scale blocks
            int r = r0 + l;
            if (r >= from && r < to) {
                out[o + r] = scales[r / blockRows] * (int) dots.lane(l);
            }
        }
    }

    // Each long lane: the sum of its 8 unsigned bytes (pairwise: bytes, shorts, ints).
    private static LongVector sumBytes(LongVector v) {
        return sumHalves(sumPairs(sumPairs(v, BYTE_PAIRS, 8), SHORT_PAIRS, 16));
    }

    // Adjacent fields of `shift` bits added into fields of twice the width (mask: the even fields).
    private static LongVector sumPairs(LongVector v, long evenFields, int shift) {
        return v.and(evenFields).add(v.lanewise(VectorOperators.LSHR, shift).and(evenFields));
    }

    private static LongVector sumHalves(LongVector v) {
        return v.and(INT_PAIRS).add(v.lanewise(VectorOperators.LSHR, 32));
    }
}
