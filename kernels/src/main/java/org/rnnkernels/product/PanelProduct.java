package org.rnnkernels.product;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * The recurrent product {@code gh[b, :] = W x_b} with {@code W} packed once, for batches up to
 * {@link #maxBatch()}. A BLAS sgemm with the weights as its transposed B operand repacks all of
 * {@code W} on every call, once per time step: measured here (GRU, H = 256, one thread), OpenBLAS
 * takes 149 us at B = 2 and 194 us at B = 16 where this takes 14.5 and 90 us; at B = 64 (H = 512)
 * 1696 us against 1506 us. At B = 1 both stream {@code W} once and tie (12 us). Where it tiles four
 * samples ({@link #samplesPerTile()}) it is also a layer's input projection, over all {@code T*B} rows of a
 * call ({@link PanelProjection}).
 *
 * <p>{@code W} ({@code rows x cols}, row-major) is packed once into column panels: panel {@code p}
 * holds rows {@code p*width .. p*width + width - 1} as a {@code cols x width} block, zero-padded
 * to a whole panel. The product then streams {@code W} once, strictly sequentially, keeps
 * {@code width} outputs in vector accumulators and needs no horizontal reduction:
 * {@code y[p*width .. +width] += W_panel[k, :] * x[k]} for each {@code k}.
 */
public interface PanelProduct {
    /** Largest batch for which the pair kernels (16 vector registers) are measured still ahead of OpenBLAS's sgemm. */
    int MAX_BATCH = 64;

    /**
     * The largest batch for which a recurrent product takes this path ({@link PanelRecurrent}; BLAS sgemm above):
     * any with four samples a tile, where it stays ahead of OpenBLAS's sgemm, which repacks {@code W} on every
     * call (65-256 samples, {@code H = 256, 512}: 205-217 GFLOP/s against 138-178 on a Zen 5 core);
     * {@link #MAX_BATCH} with pairs.
     */
    default int maxBatch() {
        return samplesPerTile() == 4 ? Integer.MAX_VALUE : MAX_BATCH;
    }

    float[] pack(float[] w, int rows, int cols);

    /** {@link #pack} into {@code packed}, an array {@link #pack} returned for the same shape (padding stays zero). */
    void packInto(float[] w, int rows, int cols, float[] packed);

    /**
     * Packs {@code W^T} ({@code cols x rows}) from {@code w [rows][cols]} into {@code packed}, an array
     * {@link #pack} returned for a {@code cols x rows} matrix: the same contents as {@code packInto} of the
     * transposed matrix, without making it (a training step's backward product, refreshed after every update).
     */
    void packTransposedInto(float[] w, int rows, int cols, float[] packed);

    /** How many panels a {@code rows}-row matrix packs into. */
    int panels(int rows);

    /**
     * {@code y[yOffset + b*rows + r] = sum_k W[r, k] * x[xOffset + b*cols + k]} for {@code b < batch} and the
     * rows {@code r} of panels {@code panelFrom .. panelTo-1}; {@code y} is overwritten there, not
     * accumulated. Threads given disjoint panel ranges can share one product. Each output is one FMA chain
     * over {@code k} in order, whatever the batch, the panel range or the samples beside it: a row's bits do
     * not depend on how a product is split into calls.
     */
    void multiply(float[] packed, int rows, int cols, int batch, float[] x, int xOffset, float[] y, int yOffset,
                  int panelFrom, int panelTo);

    /**
     * {@link #multiply} with the panels taken last to first, two at a time (the batch-1 kernel's pair): the same
     * outputs, bit for bit (each panel's are computed alone). A recurrent product streams all of {@code W} each
     * step; walked the same way every time, a {@code W} a little larger than what L2 keeps of it (LSTM, H = 256:
     * 1 MB) misses on every line, LRU evicting each line before its next use; walked one way and back the next
     * step, the panels read last are read first, still in L2. Measured (Zen 5, one thread; two main-job runs of each
     * build, alternating, {@code docs/compare-panel-walk.md}): GRU 1x256x200 9.85, 10.82 -> 8.45, 9.02 us a step,
     * LSTM 1x256x200 13.45, 12.82 -> 11.46, 12.23; at batch 16 within the runs' error (GRU 77.5, 76.7 -> 74.2, 75.9;
     * LSTM 103.9, 110.9 -> 100.9, 119.9). Calls of the two builds alternating in one JVM agreed: LSTM 1x256x200 4%
     * and 9% faster, batch 16 level to 2%, GRU 64x512x50 level.
     */
    default void multiplyDescending(float[] packed, int rows, int cols, int batch, float[] x, int xOffset, float[] y,
                                    int yOffset, int panelFrom, int panelTo) {
        int p = panelTo;
        for (; p - 2 >= panelFrom; p -= 2) {
            multiply(packed, rows, cols, batch, x, xOffset, y, yOffset, p - 2, p);
        }
        if (p > panelFrom) {
            multiply(packed, rows, cols, batch, x, xOffset, y, yOffset, panelFrom, p);
        }
    }

    /**
     * How many samples share each weight load: 4 where the CPU has 32 vector registers (AVX-512), 2 with
     * 16 (AVX2). With 4 the product runs near the machine's FMA peak over any number of samples, which is
     * what lets it stand in for BLAS in a layer's input projection ({@link PanelProjection}).
     */
    int samplesPerTile();

    /** The Vector API implementation, or null when {@link org.rnnkernels.simd.Simd} chose scalar. */
    static PanelProduct get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final PanelProduct INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), PanelProduct.class, PanelProduct.class.getPackageName() + ".VectorPanelProduct", () -> null);

        private Holder() {
        }
    }
}
