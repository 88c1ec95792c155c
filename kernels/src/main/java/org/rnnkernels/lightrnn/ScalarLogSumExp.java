package org.rnnkernels.lightrnn;

/** {@link LogSumExp} in plain Java, float arithmetic, {@code Math.exp} and {@code Math.log} rounded to float. */
final class ScalarLogSumExp implements LogSumExp {

    @Override
    public float logSumExp(float[] z, int offset, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, z[offset + i]);
        }
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += (float) Math.exp(z[offset + i] - m);
        }
        return m + (float) Math.log(s);
    }

    @Override
    public float logSumExp(float[] z, int offset, int n, float[] mask, int maskOffset) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, z[offset + i] + mask[maskOffset + i]);
        }
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += (float) Math.exp(z[offset + i] + mask[maskOffset + i] - m);
        }
        return m + (float) Math.log(s);
    }

    /** One term {@code exp(v - m)} of the vector kernels' scalar tails. */
    static float term(float v, float m) {
        return (float) Math.exp(v - m);
    }
}
