package org.rnnkernels.ternary;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The two products of a ternary layer, one row at a time, and the activation ternarisation.
 *
 * <ul>
 *   <li>{@link #dotFloat}: ternary weights x float activations, {@code sum_j t_j x_j}, by adding
 *       the {@code x_j} of the plus plane and subtracting those of the minus plane (no multiply).</li>
 *   <li>{@link #dotTernary}: ternary x ternary, exact in int: with {@code (wp, wm)} the weight planes and
 *       {@code (xp, xm)} the activation planes of one word, products {@code +1} are the bits of
 *       {@code (wp&xp)|(wm&xm)} and products {@code -1} those of {@code (wp&xm)|(wm&xp)}, so
 *       {@code dot = popcount((wp&xp)|(wm&xm)) - popcount((wp&xm)|(wm&xp))}.</li>
 * </ul>
 * Float activations come padded to {@code 64 * wordsPerRow} floats (zeros past the columns), so no
 * kernel has a column tail. Activation planes are {@code [4 * wordsPerRow]} longs: the interleaved
 * planes {@code xp_0, xm_0, xp_1, xm_1, ...} (the weights' layout), then the same with each pair
 * swapped ({@code xm_0, xp_0, ...}), so that a vector of weight words ANDed with the first half
 * gives the {@code +1} products and with the second half the {@code -1} products.
 *
 * <p>Implementations are stateless; {@link #get()} is the one {@link Simd} chose.
 */
abstract class TernaryKernels {

    /** {@code sum_j t[row][j] * x[j]} over the padded columns, adds and subtracts only. */
    abstract float dotFloat(long[] bits, int words, int row, float[] x);

    /** {@code sum_j t[row][j] * a_j}, exact, with {@code a} given as activation planes. */
    abstract int dotTernary(long[] bits, int words, int row, long[] planes);

    /** {@code out[outOffset + r - from] = scale * (T[r] · x) + bias[r]} for rows {@code from .. to-1}. */
    final void multiplyFloat(TernaryMatrix w, int from, int to, float scale, float[] x, float[] bias,
                             float[] out, int outOffset) {
        long[] bits = w.interleaved();
        int words = w.wordsPerRow();
        for (int r = from; r < to; r++) {
            out[outOffset + r - from] = scale * dotFloat(bits, words, r, x) + bias[r];
        }
    }

    /** {@code out[outOffset + r - from] = scale * (T[r] · a) + bias[r]}, the dot exact in int. */
    final void multiplyTernary(TernaryMatrix w, int from, int to, float scale, long[] planes, float[] bias,
                               float[] out, int outOffset) {
        long[] bits = w.interleaved();
        int words = w.wordsPerRow();
        for (int r = from; r < to; r++) {
            out[outOffset + r - from] = scale * dotTernary(bits, words, r, planes) + bias[r];
        }
    }

    /**
     * Activation ternarisation {@code a_j = sign(v_j) * [|v_j| > delta]} of {@code v[offset .. offset+n-1]}
     * into {@code planes [4 * words]} (layout in the class comment; bits past {@code n} clear). NaN gives 0.
     * Scalar in every implementation: it is {@code O(n)} per step against the {@code O(G*H*n)} of the
     * products, under 1% of a step.
     */
    static void ternarize(float[] v, int offset, int n, float delta, long[] planes, int words) {
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
            planes[2 * w] = p;
            planes[2 * w + 1] = m;
            planes[2 * words + 2 * w] = m;
            planes[2 * words + 2 * w + 1] = p;
        }
    }

    /** The implementation {@link Simd} chose for this JVM. */
    static TernaryKernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final TernaryKernels INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), TernaryKernels.class,
                "org.rnnkernels.ternary.VectorTernaryKernels", ScalarTernaryKernels::new);

        private Holder() {
        }
    }
}
