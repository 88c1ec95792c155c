package org.rnnkernels.train;

/**
 * {@link ThinInputProducts} in plain Java; the projection's loop over a range of columns is also the vector
 * twin's tail (the columns past the last whole vector), and the vector twin overrides only the weight
 * gradient's row update.
 */
class ScalarThinInputProducts implements ThinInputProducts {

    @Override
    public void project(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi) {
        projectColumns(x, rows, inputs, wIhT, w, gi, 0);
    }

    // Row by row, sequentially through dG: each row adds x[r, i] dG[r, :] to row i of dWT (and dG[r, :] to its
    // bias row; I + 1 rows of w floats, in L1 throughout). Measured first with the vector twin going column block by
    // column block, the sums in registers: dG read a block at a time with a stride of a whole row ran at 8 GB/s
    // (0.58 ms of a GRU 16x256x100 training step, JFR; 0.4 ms row by row).
    @Override
    public void weightGradient(float[] dG, float[] x, int rows, int inputs, int w, boolean withBias, float[] dWT) {
        java.util.Arrays.fill(dWT, 0, (withBias ? inputs + 1 : inputs) * w, 0f);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < inputs; i++) {
                axpyRow(x[r * inputs + i], dG, r * w, dWT, i * w, w);
            }
            if (withBias) {
                axpyRow(1f, dG, r * w, dWT, inputs * w, w);
            }
        }
    }

    /** {@code y[yi + k] += a * x[xi + k]}, {@code k < n}: the weight gradient's row update. */
    void axpyRow(float a, float[] x, int xi, float[] y, int yi, int n) {
        ScalarSparseProducts.axpy(a, x, xi, y, yi, 0, n);
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
}
