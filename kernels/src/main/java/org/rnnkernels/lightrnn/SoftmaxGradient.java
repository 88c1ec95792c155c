package org.rnnkernels.lightrnn;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The scaled softmax a softmax cross-entropy's gradient starts from, in place over a row of logits:
 * {@code z_i <- scale * exp(z_i + mask_i - lse)}, with {@code lse} the row's (masked) log-sum-exp from
 * {@link LogSumExp}; the caller then subtracts {@code scale} at the target, giving
 * {@code dL/dz = scale * (softmax(z) - onehot)}. A masked entry ({@code mask_i = -infinity}) gets 0 from
 * the scalar exp and below 2^-125 times {@code scale} from the vector exp's clamp. Implementations are
 * stateless; arguments unchecked.
 */
interface SoftmaxGradient {

    /** {@code z[offset + i] = scale * exp(z[offset + i] - lse)} for {@code i < n}. */
    void scaledSoftmax(float[] z, int offset, int n, float lse, float scale);

    /** {@code z[offset + i] = scale * exp(z[offset + i] + mask[maskOffset + i] - lse)} for {@code i < n}. */
    void scaledSoftmax(float[] z, int offset, int n, float[] mask, int maskOffset, float lse, float scale);

    /** The Vector API implementation when {@link Simd} chose vectors, else the scalar one. */
    static SoftmaxGradient get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final SoftmaxGradient INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), SoftmaxGradient.class,
                "org.rnnkernels.lightrnn.VectorSoftmaxGradient", ScalarSoftmaxGradient::new);

        private Holder() {
        }
    }
}
