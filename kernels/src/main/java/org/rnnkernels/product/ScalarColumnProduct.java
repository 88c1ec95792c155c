package org.rnnkernels.product;

/** {@link ColumnProduct} in plain Java: the fallback without the Vector API. */
final class ScalarColumnProduct implements ColumnProduct {

    @Override
    public float[] pack(float[] w, int rows, int cols) {
        return ColumnProduct.packTiles(w, rows, cols);
    }

    @Override
    public void multiply(float[] packed, int rows, int cols, int batch, float[] x, int[] active, int[] count, float[] y,
                         int tileFrom, int tileTo) {
        for (int t = tileFrom; t < tileTo; t++) {
            int r0 = t * TILE;
            int width = Math.min(TILE, rows - r0);
            int base = t * cols * TILE;
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
