package org.rnnkernels.product;

/** {@link ColumnProduct} in plain Java: the fallback without the Vector API. */
final class ScalarColumnProduct implements ColumnProduct {

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
                java.util.Arrays.fill(y, yo, yo + width, 0f);
                for (int i = 0; i < count[b]; i++) {
                    int j = active[b * cols + i];
                    float xj = x[b * cols + j];
                    int o = base + j * TILE;
                    for (int r = 0; r < width; r++) {
                        y[yo + r] = Math.fma(packed[o + r], xj, y[yo + r]);
                    }
                }
            }
        }
    }
}
