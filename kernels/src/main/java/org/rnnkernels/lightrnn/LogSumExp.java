package org.rnnkernels.lightrnn;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * {@code lse(z) = log(sum_i exp(z_i))} over a slice of floats, max-subtracted:
 * {@code m = max_i z_i}, {@code lse = m + log(sum_i exp(z_i - m))}, so no term overflows and the
 * largest is exactly 1 (the sum is at least 1, its log at least 0). A log-softmax entry is then
 * {@code z_j - lse(z)}. The masked form adds {@code mask_i} (0, or -infinity for an entry that is not
 * part of the distribution) to every {@code z_i} first; a masked entry's term is below 2^-125 after
 * the vector exp's clamp, which a sum of at least 1 does not see. NaN in {@code z} gives NaN.
 * Implementations are stateless; {@code n >= 1}, arguments unchecked.
 */
interface LogSumExp {

    float logSumExp(float[] z, int offset, int n);

    /** As {@link #logSumExp(float[], int, int)} over {@code z_i + mask[maskOffset + i]}. */
    float logSumExp(float[] z, int offset, int n, float[] mask, int maskOffset);

    /** The Vector API implementation when {@link Simd} chose vectors, else the scalar one. */
    static LogSumExp get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final LogSumExp INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), LogSumExp.class,
                "org.rnnkernels.lightrnn.VectorLogSumExp", ScalarLogSumExp::new);

        private Holder() {
        }
    }
}
