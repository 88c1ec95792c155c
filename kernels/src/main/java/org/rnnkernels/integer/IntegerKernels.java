package org.rnnkernels.integer;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * The integer product of the integer layers, {@code y[b][r] = sum_k w[r][k] x[b][k]} with int8 weights and
 * int32 activations, accumulated in int32 (the layer's bounds make every partial sum fit, so any order gives
 * the same bits). OpenBLAS has no integer GEMM; this is the library's own.
 *
 * <p>Layout: {@code w [rows][cols]} is packed once into panels of {@code 4L} rows ({@code L} = the
 * implementation's int lanes), four int8 weights to an int: in panel {@code p}, column {@code k}, lane
 * {@code i}, byte {@code e} holds {@code w[p*4L + e*L + i][k]} (zero past {@code rows}). A panel streams
 * its {@code cols * L} ints once per sample, sequentially, with no horizontal reduction:
 * {@code acc_e += sext(byte e of W_panel[k]) * x[k]} for each {@code k}, the byte sign-extended in its
 * lane by a left then an arithmetic right shift. The Vector API has no int8 dot product (no VNNI):
 * the weights are widened to int lanes in registers, 1 byte a weight in memory. {@code y}'s rows are
 * padded to whole panels ({@link #paddedRows}); the padding rows get 0.
 *
 * <p>Implementations are stateless; {@link #get()} is the one {@code Simd} chose.
 */
abstract class IntegerKernels {

    /** {@code L}: int lanes, a quarter of a panel's rows. */
    abstract int lanes();

    /**
     * One panel, one sample: {@code y[yOffset + e*L + i] = sum_k sext(byte e of packed[base + k*L + i]) * x[xOffset + k]}.
     */
    abstract void panel(int[] packed, int base, int cols, int[] x, int xOffset, int[] y, int yOffset);

    /**
     * {@link #panel} for two samples at once ({@code x0, y0} and {@code x1, y1}): each weight is unpacked once for
     * both, which the vector implementation uses to save a third of its operations on batches of two and more.
     */
    void panelPair(int[] packed, int base, int cols, int[] x, int x0, int x1, int[] y, int y0, int y1) {
        panel(packed, base, cols, x, x0, y, y0);
        panel(packed, base, cols, x, x1, y, y1);
    }

    final int panelRows() {
        return 4 * lanes();
    }

    final int panels(int rows) {
        return (rows + panelRows() - 1) / panelRows();
    }

    /** Rows of {@code y} a sample takes: {@code rows} rounded up to whole panels. */
    final int paddedRows(int rows) {
        return panels(rows) * panelRows();
    }

    /** {@code w [rows][cols]} row-major int8, packed into panels (class comment). */
    final int[] pack(byte[] w, int rows, int cols) {
        int lanes = lanes();
        int panelRows = panelRows();
        long size = (long) panels(rows) * cols * lanes;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a [" + rows + "][" + cols + "] integer matrix does not fit one packed Java array");
        }
        int[] packed = new int[(int) size];
        for (int p = 0; p < panels(rows); p++) {
            for (int k = 0; k < cols; k++) {
                for (int i = 0; i < lanes; i++) {
                    int v = 0;
                    for (int e = 0; e < 4; e++) {
                        int r = p * panelRows + e * lanes + i;
                        if (r < rows) {
                            v |= (w[r * cols + k] & 0xFF) << (8 * e);
                        }
                    }
                    packed[(p * cols + k) * lanes + i] = v;
                }
            }
        }
        return packed;
    }

    /**
     * {@code y[b*yStride + r] = sum_k w[r][k] x[b*xStride + k]} for samples {@code b < batch} and the rows of
     * panels {@code panelFrom .. panelTo-1} (overwritten). Threads given disjoint panel ranges share a product.
     * Panels outside, samples inside: a panel ({@code cols * 4L} bytes) stays in L1 across the samples.
     */
    final void multiply(int[] packed, int cols, int batch, int[] x, int xStride, int[] y, int yStride, int panelFrom, int panelTo) {
        for (int p = panelFrom; p < panelTo; p++) {
            samples(packed, p, cols, batch, x, xStride, y, yStride);
        }
    }

    // Samples by pairs, then the odd one alone.
    private void samples(int[] packed, int p, int cols, int batch, int[] x, int xStride, int[] y, int yStride) {
        int base = p * cols * lanes();
        int rowBase = p * panelRows();
        int b = 0;
        for (; b + 1 < batch; b += 2) {
            panelPair(packed, base, cols, x, b * xStride, (b + 1) * xStride, y, b * yStride + rowBase, (b + 1) * yStride + rowBase);
        }
        if (b < batch) {
            panel(packed, base, cols, x, b * xStride, y, b * yStride + rowBase);
        }
    }

    /** The implementation {@code Simd} chose for this JVM. */
    static IntegerKernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final IntegerKernels INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), IntegerKernels.class,
                IntegerKernels.class.getPackageName() + ".VectorIntegerKernels", ScalarIntegerKernels::new);

        private Holder() {
        }
    }
}
