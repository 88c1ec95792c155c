package org.rnnkernels.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link ThinInputProducts} a vector of columns at a time; the columns past the last whole vector through
 * {@link ScalarThinInputProducts}.
 */
final class VectorThinInputProducts extends ScalarThinInputProducts {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    @Override
    public void project(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi) {
        int end = S.loopBound(w);
        for (int r = 0; r < rows; r++) {
            projectRow(x, r * inputs, inputs, wIhT, w, end, gi, r * w);
        }
        projectColumns(x, rows, inputs, wIhT, w, gi, end);
    }

    // gi[gr + g] = sum_i x[xr + i] wIhT[i*w + g], g < end; W_ih^T (I*w floats) stays in L1 across the rows
    private static void projectRow(float[] x, int xr, int inputs, float[] wIhT, int w, int end, float[] gi, int gr) {
        for (int g = 0; g < end; g += S.length()) {
            FloatVector sum = FloatVector.fromArray(S, wIhT, g).mul(x[xr]);
            for (int i = 1; i < inputs; i++) {
                sum = FloatVector.fromArray(S, wIhT, i * w + g).fma(FloatVector.broadcast(S, x[xr + i]), sum);
            }
            sum.intoArray(gi, gr + g);
        }
    }

    @Override
    void axpyRow(float a, float[] x, int xi, float[] y, int yi, int n) {
        VectorSparseProducts.axpyVectors(a, x, xi, y, yi, n);
    }
}
