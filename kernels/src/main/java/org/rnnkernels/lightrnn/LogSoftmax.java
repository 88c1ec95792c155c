package org.rnnkernels.lightrnn;

/**
 * The log-softmax normaliser {@link LightRnn} uses, for callers that build their own output layer
 * (the benchmarks compare a full {@code V}-way softmax with it): {@code log P(j) = z_j - logSumExp(z)}.
 */
public final class LogSoftmax {
    private LogSoftmax() {
    }

    /**
     * {@code log(sum_i exp(z_i))} over {@code z[offset .. offset+length-1]}, max-subtracted, in float,
     * with the vectorized exp when the Vector API is in use. NaN in gives NaN.
     */
    public static float logSumExp(float[] z, int offset, int length) {
        if (z == null) {
            throw new IllegalArgumentException("z is null");
        }
        if (length < 1 || offset < 0 || (long) offset + length > z.length) {
            throw new IllegalArgumentException("z[" + offset + " .. +" + length + "] is not a non-empty slice of "
                    + z.length + " floats");
        }
        return LogSumExp.get().logSumExp(z, offset, length);
    }
}
