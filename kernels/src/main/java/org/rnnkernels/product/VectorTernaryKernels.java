package org.rnnkernels.product;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API ternary products, both kept over the scalar ones because they measured faster on an
 * AVX2 machine (Zen 3, 256-bit, noisy shared VM; 3072 x 1024 matrix, one row at a time, separate JVMs):
 * <ul>
 *   <li>ternary x float: ~1.6-3 ms vs ~5.4-9.8 ms for the scalar set-bit walk, about 3-4x: the
 *       walk pays a data-dependent loop exit per word and one add per set bit, the vector code a
 *       fixed shift, mask and add per lane of 8 columns;</li>
 *   <li>ternary x ternary: ~170-250 us vs ~205-335 us for scalar {@code Long.bitCount}, a small
 *       margin (about 1.2x, within the machine's noise): AVX2 has no 64-bit vector popcount, so the
 *       vector code counts bytes by table shuffles and folds the byte counters once per row.</li>
 * </ul>
 * The accumulators of both loops start from {@code zero()} made in the method (see {@link #dotFloat}).
 */
final class VectorTernaryKernels extends ScalarTernaryKernels {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
    private static final VectorSpecies<Long> LONGS = S.withLanes(long.class);
    private static final int LANES = S.length();
    // Lane k: 31 - k, which moves bit k of a word to the sign bit.
    private static final IntVector BIT_TO_SIGN = IntVector.zero(INTS).addIndex(-1).add(31);
    private static final VectorSpecies<Byte> BYTES = S.withLanes(byte.class);
    private static final long BYTE_PAIRS = 0x00FF00FF00FF00FFL;
    private static final long SHORT_PAIRS = 0x0000FFFF0000FFFFL;
    private static final long INT_PAIRS = 0x00000000FFFFFFFFL;
    // Byte counters gain at most 8 per iteration: 31 iterations stay below 256.
    private static final int BYTE_COUNTER_ITERATIONS = 31;

    // sum of x over the +1 columns minus sum over the -1 columns, LANES columns at a time: the
    // LANES bits of each plane become lane masks (bit k to the sign by a variable shift, then an
    // arithmetic shift spreads it), x AND mask is x or +0, and that is added: no multiply, no branch.
    @Override
    float dotFloat(long[] bits, int words, int row, float[] x, int xOffset) {
        int base = 2 * row * words;
        // Accumulators start from zero() here, not from a static final vector: a loop phi that
        // merges a constant vector object with computed ones is boxed every iteration by C2 (measured: 128 bytes per 8 columns).
        FloatVector plus = FloatVector.zero(S);
        FloatVector minus = FloatVector.zero(S);
        int columns = 64 * words;
        for (int j = 0; j < columns; j += LANES) {
            int i = base + 2 * (j >>> 6);
            FloatVector xs = FloatVector.fromArray(S, x, xOffset + j);
            plus = plus.add(selected(xs, (int) (bits[i] >>> j)));
            minus = minus.add(selected(xs, (int) (bits[i + 1] >>> j)));
        }
        return sumInLaneOrder(plus.sub(minus));
    }

    // The lanes added from lane 0 up, as the Java fallback of reduceLanes(ADD) does: C2's intrinsic adds
    // them in another, unspecified order, so a reduceLanes result depends on whether the caller ran
    // compiled (seen: a 1-ulp difference between a two-thread call and the same call step by step). A
    // loop of constant trip count, unrolled by C2 into lane extractions of constant index.
    private static float sumInLaneOrder(FloatVector v) {
        float sum = 0f;
        for (int i = 0; i < LANES; i++) {
            sum += v.lane(i);
        }
        return sum;
    }

    // x where bit k of word is set (lane k), else +0
    // (Methods passing vectors stay within 35 bytes of bytecode: see VectorBoundaryTest.)
    private static FloatVector selected(FloatVector x, int word) {
        return x.reinterpretAsInts().and(laneMask(word)).reinterpretAsFloats();
    }

    // All ones in lane k where bit k of word is set, else 0: bit k to the sign, then spread by ASHR.
    private static IntVector laneMask(int word) {
        return IntVector.broadcast(INTS, word).lanewise(VectorOperators.LSHL, BIT_TO_SIGN)
                .lanewise(VectorOperators.ASHR, 31);
    }

    // Interleaved weight words AND interleaved activation words: the +1 products; AND the
    // pair-swapped activation words: the -1 products. Counted with BYTE popcounts: AVX2 has no
    // vector popcount of longs (LongVector.BIT_COUNT is not intrinsified there and boxes), while
    // the byte one compiles to a table lookup by shuffles.
    @Override
    int dotTernary(long[] bits, int words, int row, long[] planes, int offset) {
        int n = 2 * words;
        int base = row * n;
        int step = LONGS.length();
        int end = LONGS.loopBound(n);
        long dot = 0;
        for (int from = 0; from < end; from += BYTE_COUNTER_ITERATIONS * step) {
            int to = Math.min(end, from + BYTE_COUNTER_ITERATIONS * step);
            dot += countDifference(bits, base, planes, offset, n, from, to);
        }
        for (int i = end; i < n; i++) {
            long w = bits[base + i];
            dot += Long.bitCount(w & planes[offset + i]) - Long.bitCount(w & planes[offset + n + i]);
        }
        return (int) dot;
    }

    // popcount(+1 products) - popcount(-1 products) over longs from .. to-1 of a row, in byte counters
    private static long countDifference(long[] bits, int base, long[] planes, int offset, int n, int from, int to) {
        ByteVector pos = ByteVector.zero(BYTES);
        ByteVector neg = ByteVector.zero(BYTES);
        for (int i = from; i < to; i += LONGS.length()) {
            LongVector w = LongVector.fromArray(LONGS, bits, base + i);
            pos = pos.add(w.and(LongVector.fromArray(LONGS, planes, offset + i)).reinterpretAsBytes().lanewise(VectorOperators.BIT_COUNT));
            neg = neg.add(w.and(LongVector.fromArray(LONGS, planes, offset + n + i)).reinterpretAsBytes().lanewise(VectorOperators.BIT_COUNT));
        }
        return sumBytes(pos.reinterpretAsLongs()).sub(sumBytes(neg.reinterpretAsLongs())).reduceLanes(VectorOperators.ADD);
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
