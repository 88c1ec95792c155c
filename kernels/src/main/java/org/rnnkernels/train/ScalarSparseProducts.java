package org.rnnkernels.train;

/**
 * {@link SparseProducts} in plain Java; its loops are also the vector twin's tails, and the vector twin
 * overrides only the row update of {@link #sparseWeightGradient}.
 */
class ScalarSparseProducts implements SparseProducts {

    @Override
    public void supportProduct(float[] wHhT, TrainingState s, int t) {
        int n = s.hidden, w = s.width, base = t * s.batch * w;
        java.util.Arrays.fill(s.dh, 0, s.batch * n, 0f);
        for (int i = 0; i < s.supportUnitCount; i++) {
            int j = s.supportUnits[i];
            for (int b = 0; b < s.batch; b++) {
                if (s.needed[b * n + j]) {
                    s.dh[b * n + j] = dot(wHhT, j * w, s.dGh, base + b * w, 0, w, 0f);
                }
            }
        }
    }

    @Override
    public void sparseWeightGradient(TrainingState s) {
        int n = s.hidden, w = s.width;
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(s.dWHhT, j * w, (j + 1) * w, 0f);
            for (int p = s.yStart[j]; p < s.yStart[j + 1]; p++) {
                int r = s.yRows[p];
                axpyRow(s.hs[r * n + j], s.dGh, r * w, s.dWHhT, j * w, w);
            }
        }
    }

    /** {@code y[yi ..] += a x[xi ..]} over {@code n} floats. */
    void axpyRow(float a, float[] x, int xi, float[] y, int yi, int n) {
        axpy(a, x, xi, y, yi, 0, n);
    }

    /** {@code y[yi + k] += a * x[xi + k]} over {@code k = from .. n-1}. */
    static void axpy(float a, float[] x, int xi, float[] y, int yi, int from, int n) {
        for (int k = from; k < n; k++) {
            y[yi + k] += a * x[xi + k];
        }
    }

    /** {@code sum + a[ai + k] * x[xi + k]} over {@code k = from .. n-1}. */
    static float dot(float[] a, int ai, float[] x, int xi, int from, int n, float sum) {
        for (int k = from; k < n; k++) {
            sum += a[ai + k] * x[xi + k];
        }
        return sum;
    }
}
