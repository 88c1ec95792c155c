package org.rnnkernels;

/**
 * The small-batch recurrent product {@code gh[b, :] = W x_b} for batch 1-4, where a general
 * GEMM's blocking and call overhead cost more than the product itself.
 *
 * <p>{@code W} ({@code rows x cols}, row-major) is packed once into column panels: panel {@code p}
 * holds rows {@code p*width .. p*width + width - 1} as a {@code cols x width} block, zero-padded
 * to a whole panel. The product then streams {@code W} once, strictly sequentially, keeps
 * {@code width} outputs in vector accumulators and needs no horizontal reduction:
 * {@code y[p*width .. +width] += W_panel[k, :] * x[k]} for each {@code k}.
 */
interface PanelProduct {
    /** Largest batch for which this path is used; larger batches go to BLAS sgemm. */
    int MAX_BATCH = 4;

    float[] pack(float[] w, int rows, int cols);

    /**
     * {@code y[b*rows + r] = sum_k W[r, k] * x[xOffset + b*cols + k]} for {@code b < batch}.
     * {@code y} is overwritten, not accumulated.
     */
    void multiply(float[] packed, int rows, int cols, int batch, float[] x, int xOffset, float[] y);

    /** The Vector API implementation, or null when {@link org.rnnkernels.simd.Simd} chose scalar. */
    static PanelProduct get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final PanelProduct INSTANCE = Implementations.create(PanelProduct.class, "VectorPanelProduct", () -> null);

        private Holder() {
        }
    }
}
