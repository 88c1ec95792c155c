package org.rnnkernels.lightrnn;

/** {@link SoftmaxGradient} in plain Java: float arithmetic, {@code Math.exp} rounded to float. */
final class ScalarSoftmaxGradient implements SoftmaxGradient {

    @Override
    public void scaledSoftmax(float[] z, int offset, int n, float lse, float scale) {
        for (int i = 0; i < n; i++) {
            z[offset + i] = scale * (float) Math.exp(z[offset + i] - lse);
        }
    }

    @Override
    public void scaledSoftmax(float[] z, int offset, int n, float[] mask, int maskOffset, float lse, float scale) {
        for (int i = 0; i < n; i++) {
            z[offset + i] = scale * (float) Math.exp(z[offset + i] + mask[maskOffset + i] - lse);
        }
    }
}
