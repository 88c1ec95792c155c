package org.rnnkernels.product;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;
import org.rnnkernels.ternary.TernaryMatrix;

/**
 * The ternary x ternary product of a ternary layer with TERNARY activations ({@link TernaryRows}; with FLOAT
 * activations the trits go to the int8 x float product), and the activation ternarisation.
 * {@link #multiplyTernary} is exact in int: with {@code (wp, wm)} the weight planes and {@code (xp, xm)} the
 * activation planes of one word, products {@code +1} are the bits of {@code (wp&xp)|(wm&xm)} and products
 * {@code -1} those of {@code (wp&xm)|(wm&xp)}, so {@code dot = popcount((wp&xp)|(wm&xm)) - popcount((wp&xm)|(wm&xp))}.
 * The weights are in the implementation's own layout, made once by {@link #packTernary}; activation planes are
 * {@code 2 * words} longs a sample, interleaved word by word: {@code xp_0, xm_0, xp_1, xm_1, ...}.
 *
 * <p>Implementations are stateless; {@link #get()} is the one {@link Simd} chose.
 */
abstract class TernaryKernels {
    // Samples per pass over the weight rows: their activations (at most 16 KiB) stay in L1 while each
    // weight row is read once per pass, not once per sample.
    private static final int PASS_BYTES = 16 * 1024;
    private static final int MAX_SAMPLES_PER_PASS = 16;

    /** The ternary x ternary weights of {@code m} in the layout {@link #multiplyTernary} reads. */
    abstract long[] packTernary(TernaryMatrix m);

    /** {@code m}'s planes from {@link #packTernary}'s layout: {@code [rows][words]} words each, into {@code plus}, {@code minus}. */
    abstract void unpackTernary(long[] packed, int rows, int words, long[] plus, long[] minus);

    /**
     * {@code out[s*outStride + r] = scales[r / blockRows] * (T[r] · a_s)} for rows {@code from .. to-1} and
     * samples {@code s < samples}, the dots exact in int, {@code T} as {@link #packTernary} made it, sample
     * {@code s}'s activation planes at {@code planes[s * 2 * words]}; no other element of {@code out} is written.
     */
    final void multiplyTernary(long[] packed, int words, int from, int to, float[] scales, int blockRows,
                               long[] planes, int samples, float[] out, int outStride) {
        int pass = samplesPerPass(2 * words * Long.BYTES);
        for (int s0 = 0; s0 < samples; s0 += pass) {
            ternaryPass(packed, words, from, to, scales, blockRows, planes, s0, Math.min(samples, s0 + pass), out, outStride);
        }
    }

    /** {@link #multiplyTernary} for samples {@code s0 .. s1-1}, whose activations stay in L1 over all the rows. */
    abstract void ternaryPass(long[] packed, int words, int from, int to, float[] scales, int blockRows,
                              long[] planes, int s0, int s1, float[] out, int outStride);

    private static int samplesPerPass(int bytesPerSample) {
        return Math.clamp(PASS_BYTES / bytesPerSample, 1, MAX_SAMPLES_PER_PASS);
    }

    /**
     * Activation ternarisation {@code a_j = sign(v_j) * [|v_j| > delta]} of {@code v[offset .. offset+n-1]}
     * into {@code planes[planesOffset ..]}, {@code 2 * words} longs (layout in the class comment; bits past
     * {@code n} clear). NaN gives 0. Scalar in every implementation: it is {@code n} comparisons per sample
     * against the products' {@code G*H*n/64} word operations, 2% of them at {@code G*H = 3072}.
     */
    static void ternarize(float[] v, int offset, int n, float delta, long[] planes, int planesOffset, int words) {
        for (int w = 0; w < words; w++) {
            long p = 0;
            long m = 0;
            int base = offset + 64 * w;
            int count = Math.min(64, n - 64 * w);
            for (int k = 0; k < count; k++) {
                float a = v[base + k];
                p |= (a > delta ? 1L : 0L) << k;
                m |= (a < -delta ? 1L : 0L) << k;
            }
            int o = planesOffset + 2 * w;
            planes[o] = p;
            planes[o + 1] = m;
        }
    }

    /** The implementation {@link Simd} chose for this JVM. */
    static TernaryKernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final TernaryKernels INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), TernaryKernels.class,
                TernaryKernels.class.getPackageName() + ".VectorTernaryKernels", ScalarTernaryKernels::new);

        private Holder() {
        }
    }
}
