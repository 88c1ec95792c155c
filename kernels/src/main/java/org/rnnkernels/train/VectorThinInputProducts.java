package org.rnnkernels.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link ThinInputProducts} a vector of columns at a time; the columns past the last whole vector through
 * {@link ScalarThinInputProducts}. One loop per method (the C2 budget rule of the cell kernels).
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

    // Column block by column block (one vector of g), the sums in groups of four, two or one: each group
    // reads the block's column of dG once (rows x one vector, from L2 after the first group), and every
    // group keeps at least two FMA chains going.
    @Override
    public void weightGradient(float[] dG, float[] x, int rows, int c, int w, float[] dWT) {
        int end = S.loopBound(w);
        for (int g = 0; g < end; g += S.length()) {
            int i = 0;
            for (; i + 4 <= c; i += 4) {
                sums4(dG, x, rows, c, w, g, i, dWT);
            }
            if (i + 2 <= c) {
                sums2(dG, x, rows, c, w, g, i, dWT);
                i += 2;
            }
            if (i < c) {
                sum1(dG, x, rows, c, w, g, i, dWT);
            }
        }
        weightGradientColumns(dG, x, rows, c, w, dWT, end);
    }

    // dWT[(i+k)*w + g ..] = sum_r dG[r*w + g ..] x[r*c + i + k], k = 0..3
    private static void sums4(float[] dG, float[] x, int rows, int c, int w, int g, int i, float[] dWT) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            FloatVector d = FloatVector.fromArray(S, dG, r * w + g);
            int xr = r * c + i;
            a0 = d.fma(FloatVector.broadcast(S, x[xr]), a0);
            a1 = d.fma(FloatVector.broadcast(S, x[xr + 1]), a1);
            a2 = d.fma(FloatVector.broadcast(S, x[xr + 2]), a2);
            a3 = d.fma(FloatVector.broadcast(S, x[xr + 3]), a3);
        }
        a0.intoArray(dWT, i * w + g);
        a1.intoArray(dWT, (i + 1) * w + g);
        a2.intoArray(dWT, (i + 2) * w + g);
        a3.intoArray(dWT, (i + 3) * w + g);
    }

    // sums4 for two columns, the rows split even / odd so that four chains run
    private static void sums2(float[] dG, float[] x, int rows, int c, int w, int g, int i, float[] dWT) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            FloatVector d = FloatVector.fromArray(S, dG, r * w + g);
            FloatVector e = FloatVector.fromArray(S, dG, (r + 1) * w + g);
            int xr = r * c + i;
            a0 = d.fma(FloatVector.broadcast(S, x[xr]), a0);
            a1 = d.fma(FloatVector.broadcast(S, x[xr + 1]), a1);
            b0 = e.fma(FloatVector.broadcast(S, x[xr + c]), b0);
            b1 = e.fma(FloatVector.broadcast(S, x[xr + c + 1]), b1);
        }
        if (r < rows) {
            FloatVector d = FloatVector.fromArray(S, dG, r * w + g);
            a0 = d.fma(FloatVector.broadcast(S, x[r * c + i]), a0);
            a1 = d.fma(FloatVector.broadcast(S, x[r * c + i + 1]), a1);
        }
        a0.add(b0).intoArray(dWT, i * w + g);
        a1.add(b1).intoArray(dWT, (i + 1) * w + g);
    }

    // sums4 for one column, the rows split even / odd
    private static void sum1(float[] dG, float[] x, int rows, int c, int w, int g, int i, float[] dWT) {
        FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S);
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            a = FloatVector.fromArray(S, dG, r * w + g).fma(FloatVector.broadcast(S, x[r * c + i]), a);
            b = FloatVector.fromArray(S, dG, (r + 1) * w + g).fma(FloatVector.broadcast(S, x[(r + 1) * c + i]), b);
        }
        if (r < rows) {
            a = FloatVector.fromArray(S, dG, r * w + g).fma(FloatVector.broadcast(S, x[r * c + i]), a);
        }
        a.add(b).intoArray(dWT, i * w + g);
    }
}
