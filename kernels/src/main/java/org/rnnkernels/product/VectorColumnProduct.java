package org.rnnkernels.product;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link ColumnProduct} on the Vector API. Active columns go four at a time: each vector of
 * accumulators is loaded and stored once per four fused multiply-adds instead of once per one
 * (four weight loads, one load and one store of {@code y} per four FMAs), in the same order as
 * one at a time ({@code (((y + w0 x0) + w1 x1) + w2 x2) + w3 x3}), so both orders give the same bits.
 */
final class VectorColumnProduct implements ColumnProduct {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final FloatVector ZERO = FloatVector.zero(S);

    @Override
    public float[] pack(float[] w, int rows, int cols) {
        return ColumnProduct.packTiles(w, rows, cols);
    }

    @Override
    public void multiply(float[] packed, int rows, int cols, int batch, float[] x, int[] active, int[] count, float[] y,
                         int rowFrom, int rowTo) {
        for (int t = rowFrom / TILE; t * TILE < rowTo; t++) {
            // the rows of tile t in rowFrom .. rowTo-1: r0 .. r0+width-1, at `base` in each column's slice
            int r0 = Math.max(t * TILE, rowFrom);
            int width = Math.min((t + 1) * TILE, rowTo) - r0;
            int base = t * cols * TILE + r0 - t * TILE;
            for (int b = 0; b < batch; b++) {
                int yo = b * rows + r0;
                int list = b * cols;
                int n = count[b];
                zero(y, yo, width);
                int i = 0;
                for (; i + 3 < n; i += 4) {
                    int j0 = active[list + i], j1 = active[list + i + 1], j2 = active[list + i + 2], j3 = active[list + i + 3];
                    addFour(packed, base + j0 * TILE, base + j1 * TILE, base + j2 * TILE, base + j3 * TILE,
                            x[list + j0], x[list + j1], x[list + j2], x[list + j3], y, yo, width);
                }
                for (; i < n; i++) {
                    int j = active[list + i];
                    addOne(packed, base + j * TILE, x[list + j], y, yo, width);
                }
            }
        }
    }

    private static void zero(float[] y, int yo, int width) {
        int end = S.loopBound(width);
        for (int r = 0; r < end; r += S.length()) {
            ZERO.intoArray(y, yo + r);
        }
        for (int r = end; r < width; r++) {
            y[yo + r] = 0f;
        }
    }

    // y[yo + r] = (((y + w0[r] x0) + w1[r] x1) + w2[r] x2) + w3[r] x3, for r < width
    private static void addFour(float[] w, int o0, int o1, int o2, int o3, float x0, float x1, float x2, float x3,
                                float[] y, int yo, int width) {
        FloatVector v0 = FloatVector.broadcast(S, x0);
        FloatVector v1 = FloatVector.broadcast(S, x1);
        FloatVector v2 = FloatVector.broadcast(S, x2);
        FloatVector v3 = FloatVector.broadcast(S, x3);
        int end = S.loopBound(width);
        for (int r = 0; r < end; r += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, y, yo + r);
            acc = FloatVector.fromArray(S, w, o0 + r).fma(v0, acc);
            acc = FloatVector.fromArray(S, w, o1 + r).fma(v1, acc);
            acc = FloatVector.fromArray(S, w, o2 + r).fma(v2, acc);
            acc = FloatVector.fromArray(S, w, o3 + r).fma(v3, acc);
            acc.intoArray(y, yo + r);
        }
        for (int r = end; r < width; r++) {
            float acc = y[yo + r];
            acc = Math.fma(w[o0 + r], x0, acc);
            acc = Math.fma(w[o1 + r], x1, acc);
            acc = Math.fma(w[o2 + r], x2, acc);
            y[yo + r] = Math.fma(w[o3 + r], x3, acc);
        }
    }

    private static void addOne(float[] w, int o, float x, float[] y, int yo, int width) {
        FloatVector v = FloatVector.broadcast(S, x);
        int end = S.loopBound(width);
        for (int r = 0; r < end; r += S.length()) {
            FloatVector.fromArray(S, w, o + r).fma(v, FloatVector.fromArray(S, y, yo + r)).intoArray(y, yo + r);
        }
        for (int r = end; r < width; r++) {
            y[yo + r] = Math.fma(w[o + r], x, y[yo + r]);
        }
    }
}
