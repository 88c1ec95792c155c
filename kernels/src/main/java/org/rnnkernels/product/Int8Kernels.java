package org.rnnkernels.product;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * The product of the int8-weight layers ({@link Int8Rows}): {@code y[b][r] = s_r * sum_k q[r][k] x[b][k]}
 * with int8 weights {@code q}, one float scale {@code s_r} per row, and float activations. Weight-only
 * quantisation: each weight is widened to float in a register and multiplied into a float accumulator
 * ({@code acc = fma(q, x, acc)}, {@code k} in order), so the result is the float product with the
 * dequantised weights {@code s_r q[r][k]} up to float rounding, and the same bits in the scalar and the
 * vector implementation (each lane is one row's sequential FMA chain; the scale is applied last).
 *
 * <p>Layout: {@code q [rows][cols]} is packed once into panels of {@code 4L} rows ({@code L} = the
 * implementation's float lanes): in panel {@code p}, column {@code k}, byte {@code j} holds
 * {@code q[p*4L + j][k]} (0 past {@code rows}). A panel streams its {@code cols * 4L} bytes once per
 * pair of samples, sequentially, with no horizontal reduction; 1 byte a weight in memory, a quarter of
 * the float layers' weight traffic, which is what a batch-1 step is bound by.
 *
 * <p>Implementations are stateless; {@link #get()} is the one {@code Simd} chose.
 */
abstract class Int8Kernels {

    /** {@code L}: float lanes, a quarter of a panel's rows. */
    abstract int lanes();

    /**
     * One panel, one sample: {@code y[yOffset + j] = scales[scaleOffset + j] * sum_k q_j[k] x[xOffset + k]}
     * for {@code j < 4L}, {@code q_j[k] = packed[base + k*4L + j]}.
     */
    abstract void panel(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int xOffset,
                        float[] y, int yOffset);

    /** {@link #panel} for two samples at once: each weight is widened once for both. Same bits as two panels. */
    void panelPair(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int x0, int x1,
                   float[] y, int y0, int y1) {
        panel(packed, base, cols, scales, scaleOffset, x, x0, y, y0);
        panel(packed, base, cols, scales, scaleOffset, x, x1, y, y1);
    }

    /**
     * {@link #panel} for four samples at once, sample {@code i} at {@code x[x0 + i*xStride]} and
     * {@code y[y0 + i*yStride]}: each weight is widened once for four. Same bits as four panels.
     */
    void panelQuad(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int x0, int xStride,
                   float[] y, int y0, int yStride) {
        panelPair(packed, base, cols, scales, scaleOffset, x, x0, x0 + xStride, y, y0, y0 + yStride);
        panelPair(packed, base, cols, scales, scaleOffset, x, x0 + 2 * xStride, x0 + 3 * xStride, y, y0 + 2 * yStride,
                y0 + 3 * yStride);
    }

    /** Whether {@link #panelQuad} is worth calling: its 16 accumulators need 32 vector registers (AVX-512). */
    boolean quads() {
        return false;
    }

    final int panelRows() {
        return 4 * lanes();
    }

    final int panels(int rows) {
        return (rows + panelRows() - 1) / panelRows();
    }

    /** {@code q [rows][cols]} row-major, packed into panels (class comment). */
    final byte[] pack(byte[] q, int rows, int cols) {
        int panelRows = panelRows();
        long size = (long) panels(rows) * cols * panelRows;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a [" + rows + "][" + cols + "] int8 matrix does not fit one packed Java array");
        }
        byte[] packed = new byte[(int) size];
        for (int p = 0; p < panels(rows); p++) {
            for (int k = 0; k < cols; k++) {
                for (int j = 0; j < panelRows; j++) {
                    int r = p * panelRows + j;
                    if (r < rows) {
                        packed[(p * cols + k) * panelRows + j] = q[r * cols + k];
                    }
                }
            }
        }
        return packed;
    }

    /** The implementation {@code Simd} chose for this JVM. */
    static Int8Kernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final Int8Kernels INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), Int8Kernels.class,
                Int8Kernels.class.getPackageName() + ".VectorInt8Kernels", ScalarInt8Kernels::new);

        private Holder() {
        }
    }
}
