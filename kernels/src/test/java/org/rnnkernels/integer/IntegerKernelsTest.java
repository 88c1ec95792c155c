package org.rnnkernels.integer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.simd.Simd;

/**
 * The integer products against a plain long dot product, on awkward shapes: rows 1, lane counts and panel
 * sizes +-1, primes; columns 1 to 257; batches 1 to 5; full-range int8 weights (-128 included) and activations
 * as large as the bounds allow; panel ranges split as a team splits them. Both implementations where the JVM
 * has the Vector API (the scalar one in every way), and the one {@code Simd} chose is the one the layers use.
 */
class IntegerKernelsTest {

    private static List<IntegerKernels> implementations() {
        List<IntegerKernels> all = new ArrayList<>();
        all.add(new ScalarIntegerKernels());
        if (Simd.kind() == Simd.Kind.VECTOR) {
            all.add(IntegerKernels.get());
        }
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorIntegerKernels" : "ScalarIntegerKernels",
                IntegerKernels.get().getClass().getSimpleName());
        return all;
    }

    @Test
    void productsEqualALongDotProduct() {
        int[] rowCounts = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 37, 63, 64, 65, 97, 129};
        int[] colCounts = {1, 2, 7, 13, 64, 257};
        long seed = 1;
        for (IntegerKernels kernels : implementations()) {
            for (int rows : rowCounts) {
                for (int cols : colCounts) {
                    int batch = (int) (seed % 5) + 1;
                    check(kernels, rows, cols, batch, seed++);
                }
            }
        }
    }

    private static void check(IntegerKernels kernels, int rows, int cols, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] w = new byte[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) random.nextInt(-128, 128);
        }
        // |x| <= (2^31 - 1) / (128 cols): every partial sum fits int32, as the layer's bound makes it
        int limit = (int) Math.min(1 << 24, Integer.MAX_VALUE / (128L * cols));
        int xStride = cols + 3;
        int[] x = new int[batch * xStride];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(-limit, limit + 1);
        }
        if (seed % 3 == 0) {
            for (int i = 0; i < cols; i++) {
                w[i] = (byte) (i % 2 == 0 ? -128 : 127);
                x[i] = i % 2 == 0 ? -limit : limit;      // row 0 at its largest
            }
        }
        int[] packed = kernels.pack(w, rows, cols);
        int stride = kernels.paddedRows(rows) + 5;
        int[] y = new int[batch * stride];
        java.util.Arrays.fill(y, 12345);
        int panels = kernels.panels(rows);
        int split = panels / 2;
        kernels.multiply(packed, cols, batch, x, xStride, y, stride, 0, split);
        kernels.multiply(packed, cols, batch, x, xStride, y, stride, split, panels);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < kernels.paddedRows(rows); r++) {
                long expected = 0;
                for (int k = 0; r < rows && k < cols; k++) {
                    expected += (long) w[r * cols + k] * x[b * xStride + k];
                }
                assertEquals(expected, y[b * stride + r], kernels.getClass().getSimpleName() + " rows=" + rows + " cols=" + cols
                        + " b=" + b + " r=" + r + (r >= rows ? " (padding)" : ""));
            }
            assertEquals(12345, y[b * stride + kernels.paddedRows(rows)], "past the padded rows: untouched");
        }
    }
}
