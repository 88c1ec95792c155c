package org.rnnkernels.product;

/**
 * An int8 matrix {@code q [rows][cols]} with one float scale per row, packed once for {@link Int8Kernels}:
 * {@code y[b*yStride + r] = s_r * sum_k q[r][k] x[b*xStride + k]}. Immutable; shared by every state and thread.
 */
final class Int8Rows {
    private final Int8Kernels kernels = Int8Kernels.get();
    private final int rows;
    private final int cols;
    private final byte[] packed;
    private final float[] scales;       // padded to whole panels, 0 past rows

    Int8Rows(byte[] q, float[] scales, int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.packed = kernels.pack(q, rows, cols);
        this.scales = new float[kernels.panels(rows) * kernels.panelRows()];
        System.arraycopy(scales, 0, this.scales, 0, rows);
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    int panels() {
        return kernels.panels(rows);
    }

    /**
     * What {@link #multiply} over {@code samples} reads ({@link RecurrentProduct.Bound#weightReads}): all of
     * {@code q} once for each group of samples a kernel widens a weight for (four, or two with AVX2's registers).
     * Two threads sharing every step of an int8 GRU at B = 1 (Zen 5): 1.85x one thread's time at H = 128, 0.96x at
     * H = 256, 0.73x at H = 384: where a float product's reads start to pay too.
     */
    long weightReads(int samples) {
        return (long) rows * cols * Math.ceilDiv(samples, kernels.quads() ? 4 : 2);
    }

    /** Scratch for {@link #multiply}'s last, partial panel: two samples' padded rows. */
    float[] newTail() {
        return new float[2 * kernels.panelRows()];
    }

    /**
     * {@code y} for samples {@code 0 .. samples-1} and the rows of panels {@code panelFrom .. panelTo-1}
     * (overwritten; rows past {@code rows()} are never written). Disjoint panel ranges may run on separate
     * threads with separate {@code tail}s; only the member holding the last panel uses its tail. Panels
     * outside, samples inside: a panel ({@code cols * 4L} bytes) stays in L1 across the samples.
     */
    void multiply(float[] x, int xStride, int samples, float[] y, int yStride, int panelFrom, int panelTo, float[] tail) {
        int panelRows = kernels.panelRows();
        for (int p = panelFrom; p < panelTo; p++) {
            int rowBase = p * panelRows;
            if (rowBase + panelRows <= rows) {
                fullPanel(p, x, xStride, samples, y, yStride);
            } else {
                partialPanel(p, x, xStride, samples, y, yStride, tail);
            }
        }
    }

    // Samples by fours where the kernel has registers for them, then by pairs, then the odd one alone, straight into y.
    private void fullPanel(int p, float[] x, int xStride, int samples, float[] y, int yStride) {
        int panelRows = kernels.panelRows();
        int base = p * cols * panelRows;
        int rowBase = p * panelRows;
        int b = 0;
        if (kernels.quads()) {
            for (; b + 3 < samples; b += 4) {
                kernels.panelQuad(packed, base, cols, scales, rowBase, x, b * xStride, xStride, y, b * yStride + rowBase, yStride);
            }
        }
        for (; b + 1 < samples; b += 2) {
            kernels.panelPair(packed, base, cols, scales, rowBase, x, b * xStride, (b + 1) * xStride,
                    y, b * yStride + rowBase, (b + 1) * yStride + rowBase);
        }
        if (b < samples) {
            kernels.panel(packed, base, cols, scales, rowBase, x, b * xStride, y, b * yStride + rowBase);
        }
    }

    // The last panel, past which y's rows belong to the next sample (or the array ends): through tail.
    private void partialPanel(int p, float[] x, int xStride, int samples, float[] y, int yStride, float[] tail) {
        int panelRows = kernels.panelRows();
        int base = p * cols * panelRows;
        int rowBase = p * panelRows;
        int valid = rows - rowBase;
        for (int b = 0; b < samples; b++) {
            kernels.panel(packed, base, cols, scales, rowBase, x, b * xStride, tail, 0);
            System.arraycopy(tail, 0, y, b * yStride + rowBase, valid);
        }
    }
}
