package org.rnnkernels.product;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link PanelProduct} with panels four vectors wide. Samples go in pairs: a pair keeps 8
 * accumulators plus 4 weight vectors and 2 broadcasts in registers (fits AVX2's 16), and reads
 * each weight vector once for both samples.
 */
final class VectorPanelProduct implements PanelProduct {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final int L = S.length();
    private static final int WIDTH = 4 * L;

    @Override
    public float[] pack(float[] w, int rows, int cols) {
        int panels = (rows + WIDTH - 1) / WIDTH;
        float[] packed = new float[Math.multiplyExact(panels * cols, WIDTH)];
        packInto(w, rows, cols, packed);
        return packed;
    }

    @Override
    public void packInto(float[] w, int rows, int cols, float[] packed) {
        for (int r = 0; r < rows; r++) {
            int base = (r / WIDTH) * cols * WIDTH + r % WIDTH;
            for (int k = 0; k < cols; k++) {
                packed[base + k * WIDTH] = w[r * cols + k];
            }
        }
    }

    @Override
    public int panels(int rows) {
        return (rows + WIDTH - 1) / WIDTH;
    }

    @Override
    public void multiply(float[] packed, int rows, int cols, int batch, float[] x, int xOffset, float[] y,
                         int panelFrom, int panelTo) {
        for (int p = panelFrom; p < panelTo; p++) {
            int base = p * cols * WIDTH;
            int r0 = p * WIDTH;
            int valid = rows - r0;
            int b = 0;
            for (; b + 1 < batch; b += 2) {
                int xo0 = xOffset + b * cols, xo1 = xo0 + cols, yo0 = b * rows + r0, yo1 = yo0 + rows;
                if (valid >= WIDTH) {
                    pair(packed, base, cols, x, xo0, xo1, y, yo0, yo1);
                } else {
                    pairPartial(packed, base, cols, x, xo0, xo1, y, yo0, yo1, valid);
                }
            }
            if (b < batch) {
                if (valid >= WIDTH) {
                    single(packed, base, cols, x, xOffset + b * cols, y, b * rows + r0);
                } else {
                    singlePartial(packed, base, cols, x, xOffset + b * cols, y, b * rows + r0, valid);
                }
            }
        }
    }

    // Each kernel below is a method of its own, whole panel or partial, and hands no vector to another
    // method: C2 compiles each alone (too large to inline) within its node budget, and a vector that crosses
    // a call C2 leaves out of line is boxed. (One kernel with both kinds of store, or a store helper taking
    // the accumulators, boxed in some JVMs: 384 bytes or 37 KB a step at H = 37, depending on compile order.)
    // The partial kernels repeat the whole kernels' loop for that reason.

    // y[yo .. yo+WIDTH] = sum_k panel[k, :] * x[xo + k]
    private static void single(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo) {
        // Four zeros made here, not one shared: C2 boxes accumulators that start as one object.
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector xk = FloatVector.broadcast(S, x[xo + k]);
            a0 = FloatVector.fromArray(S, w, o).fma(xk, a0);
            a1 = FloatVector.fromArray(S, w, o + L).fma(xk, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * L).fma(xk, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * L).fma(xk, a3);
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + L);
        a2.intoArray(y, yo + 2 * L);
        a3.intoArray(y, yo + 3 * L);
    }

    // The last panel of a matrix whose rows are not a multiple of WIDTH: only its first `valid` outputs.
    private static void singlePartial(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector xk = FloatVector.broadcast(S, x[xo + k]);
            a0 = FloatVector.fromArray(S, w, o).fma(xk, a0);
            a1 = FloatVector.fromArray(S, w, o + L).fma(xk, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * L).fma(xk, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * L).fma(xk, a3);
        }
        a0.intoArray(y, yo, S.indexInRange(0, valid));
        a1.intoArray(y, yo + L, S.indexInRange(L, valid));
        a2.intoArray(y, yo + 2 * L, S.indexInRange(2 * L, valid));
        a3.intoArray(y, yo + 3 * L, S.indexInRange(3 * L, valid));
    }

    // The same for two samples at once: each weight vector is loaded once and used twice.
    private static void pair(float[] w, int base, int cols, float[] x, int xo0, int xo1, float[] y, int yo0, int yo1) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector x0 = FloatVector.broadcast(S, x[xo0 + k]);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
        }
        a0.intoArray(y, yo0);
        a1.intoArray(y, yo0 + L);
        a2.intoArray(y, yo0 + 2 * L);
        a3.intoArray(y, yo0 + 3 * L);
        b0.intoArray(y, yo1);
        b1.intoArray(y, yo1 + L);
        b2.intoArray(y, yo1 + 2 * L);
        b3.intoArray(y, yo1 + 3 * L);
    }

    private static void pairPartial(float[] w, int base, int cols, float[] x, int xo0, int xo1, float[] y, int yo0, int yo1,
                                    int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector x0 = FloatVector.broadcast(S, x[xo0 + k]);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
        }
        VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
        VectorMask<Float> m2 = S.indexInRange(2 * L, valid), m3 = S.indexInRange(3 * L, valid);
        a0.intoArray(y, yo0, m0);
        a1.intoArray(y, yo0 + L, m1);
        a2.intoArray(y, yo0 + 2 * L, m2);
        a3.intoArray(y, yo0 + 3 * L, m3);
        b0.intoArray(y, yo1, m0);
        b1.intoArray(y, yo1 + L, m1);
        b2.intoArray(y, yo1 + 2 * L, m2);
        b3.intoArray(y, yo1 + 3 * L, m3);
    }
}
