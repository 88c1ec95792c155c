package org.rnnkernels.train;

/**
 * {@link ThinInputProducts} in plain Java; its loops over a range of columns are also the vector twin's
 * tails (the columns past the last whole vector).
 */
class ScalarThinInputProducts implements ThinInputProducts {

    @Override
    public void project(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi) {
        projectColumns(x, rows, inputs, wIhT, w, gi, 0);
    }

    @Override
    public void weightGradient(float[] dG, float[] x, int rows, int c, int w, float[] dWT) {
        weightGradientColumns(dG, x, rows, c, w, dWT, 0);
    }

    /** {@link #project} for the columns {@code g = from .. w-1}. */
    static void projectColumns(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi, int from) {
        for (int r = 0; r < rows; r++) {
            for (int g = from; g < w; g++) {
                float sum = x[r * inputs] * wIhT[g];
                for (int i = 1; i < inputs; i++) {
                    sum += x[r * inputs + i] * wIhT[i * w + g];
                }
                gi[r * w + g] = sum;
            }
        }
    }

    /** {@link #weightGradient} for the columns {@code g = from .. w-1}. */
    static void weightGradientColumns(float[] dG, float[] x, int rows, int c, int w, float[] dWT, int from) {
        for (int i = 0; i < c; i++) {
            java.util.Arrays.fill(dWT, i * w + from, (i + 1) * w, 0f);
        }
        for (int r = 0; r < rows; r++) {
            for (int g = from; g < w; g++) {
                float d = dG[r * w + g];
                for (int i = 0; i < c; i++) {
                    dWT[i * w + g] += d * x[r * c + i];
                }
            }
        }
    }
}
