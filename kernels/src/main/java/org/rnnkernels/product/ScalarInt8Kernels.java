package org.rnnkernels.product;

/** {@link Int8Kernels} in plain Java: the fallback without the Vector API, the vector kernel's bits. */
final class ScalarInt8Kernels extends Int8Kernels {
    // Panels of 16 rows: any width works; this one keeps a panel column to 16 bytes.
    private static final int LANES = 4;

    @Override
    int lanes() {
        return LANES;
    }

    // Row by row: acc = fma(q, x, acc) over k in order, then the scale, as each vector lane does.
    @Override
    void panel(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int xOffset,
               float[] y, int yOffset) {
        int panelRows = 4 * LANES;
        for (int j = 0; j < panelRows; j++) {
            float acc = 0f;
            for (int k = 0, o = base + j; k < cols; k++, o += panelRows) {
                acc = Math.fma(packed[o], x[xOffset + k], acc);
            }
            y[yOffset + j] = scales[scaleOffset + j] * acc;
        }
    }
}
