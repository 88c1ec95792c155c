package org.rnnkernels;

import org.rnnkernels.internal.Checks;
import org.rnnkernels.product.PanelProduct;

/**
 * A matrix packed once for the small-batch products {@code y_b = W x_b} of the recurrent kernels
 * ({@link PanelProduct}: streams {@code W} sequentially, no repacking per call, about twice OpenBLAS's
 * speed at batch 16 and H = 256). Public (not part of the library's stable API) so that the kernels of
 * other packages, such as {@code org.rnnkernels.train}, use the same product as the forward.
 * Thread-safe, except {@link #repack}, which training calls between steps.
 */
public final class PackedMatrix {
    private final PanelProduct product;
    private final float[] packed;
    private final int rows;
    private final int cols;

    private PackedMatrix(PanelProduct product, float[] w, int rows, int cols) {
        this.product = product;
        this.rows = rows;
        this.cols = cols;
        this.packed = product.pack(w, rows, cols);
    }

    /**
     * {@code w [rows][cols]} row-major, packed (copied); null when the packed product is not available
     * (scalar kernels): use BLAS then.
     */
    public static PackedMatrix packOrNull(float[] w, int rows, int cols) {
        PanelProduct product = PanelProduct.get();
        if (product == null) {
            return null;
        }
        Checks.positive("rows", rows);
        Checks.positive("cols", cols);
        Checks.floats("w", w, "[%d][%d]", rows, cols);
        return new PackedMatrix(product, w, rows, cols);
    }

    /**
     * {@code W^T} packed from {@code w [rows][cols]} (a {@code cols x rows} matrix), without making the
     * transpose; null when the packed product is not available.
     */
    public static PackedMatrix packTransposedOrNull(float[] w, int rows, int cols) {
        PanelProduct product = PanelProduct.get();
        if (product == null) {
            return null;
        }
        Checks.positive("rows", rows);
        Checks.positive("cols", cols);
        Checks.floats("w", w, "[%d][%d]", rows, cols);
        PackedMatrix t = new PackedMatrix(product, new float[cols * rows], cols, rows);
        t.repackTransposed(w);
        return t;
    }

    /** {@link #repack} from {@code W} of this matrix's transpose ({@code w [cols][rows]}), without allocating. */
    public void repackTransposed(float[] w) {
        Checks.floats("w", w, "[%d][%d]", cols, rows);
        product.packTransposedInto(w, cols, rows, packed);
    }

    /**
     * Packs new values of the same shape into this matrix's storage, without allocating: for weights that
     * change in place during training. Not to be called while another thread multiplies.
     */
    public void repack(float[] w) {
        Checks.floats("w", w, "[%d][%d]", rows, cols);
        product.packInto(w, rows, cols, packed);
    }

    /** The largest batch for which {@link #multiply} beats BLAS sgemm (larger batches: use sgemm); 0 without the Vector API. */
    public static int maxBatch() {
        PanelProduct product = PanelProduct.get();
        return product == null ? 0 : product.maxBatch();
    }

    /**
     * {@code y[b*rows + r] = sum_k W[r, k] * x[xOffset + b*cols + k]} for {@code b < batch}: {@code y}
     * overwritten, not accumulated. Unchecked beyond the array bounds: callers are kernels. With {@code descending}
     * the panels are walked last to first, the same bits: a step loop that alternates it keeps in L2 what the
     * previous step read last ({@link PanelProduct#multiplyDescending}).
     */
    public void multiply(int batch, float[] x, int xOffset, float[] y, boolean descending) {
        if (descending) {
            product.multiplyDescending(packed, rows, cols, batch, x, xOffset, y, 0, 0, product.panels(rows));
        } else {
            product.multiply(packed, rows, cols, batch, x, xOffset, y, 0, 0, product.panels(rows));
        }
    }
}
