package org.rnnkernels.integer;

/** Plain-Java integer products: the fallback without the Vector API, on the same packed panels. */
class ScalarIntegerKernels extends IntegerKernels {
    // Any lane count works for the plain loops; 8 is AVX2's, so a panel is 32 rows here too.
    private static final int LANES = 8;

    @Override
    int lanes() {
        return LANES;
    }

    // acc = sum_k sext(byte e of packed[base + k*L + i]) * x[k] for each of the panel's 4L rows
    @Override
    void panel(int[] packed, int base, int cols, int[] x, int xOffset, int[] y, int yOffset) {
        for (int e = 0; e < 4; e++) {
            int shift = 24 - 8 * e;
            for (int i = 0; i < LANES; i++) {
                int acc = 0;
                for (int k = 0, w = base + i; k < cols; k++, w += LANES) {
                    acc += (packed[w] << shift >> 24) * x[xOffset + k];
                }
                y[yOffset + e * LANES + i] = acc;
            }
        }
    }
}
