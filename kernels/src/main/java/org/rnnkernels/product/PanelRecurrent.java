package org.rnnkernels.product;

/**
 * {@code gh = h * W^T} by the {@link PanelProduct} (W packed once into panels, on the heap) up to
 * {@link PanelProduct#maxBatch()} samples (any number on AVX-512), by BLAS above. A team splits the panels: each member streams
 * its own part of {@code W}, which then stays in its core's cache.
 */
final class PanelRecurrent implements RecurrentProduct {
    private final PanelProduct panels;
    private final float[] packed;
    private final int width;
    private final int hidden;
    private final BlasRecurrent large;
    private final int maxBatch;

    PanelRecurrent(PanelProduct panels, float[] w, int width, int hidden, BlasRecurrent large) {
        this.panels = panels;
        this.packed = panels.pack(w, width, hidden);
        this.width = width;
        this.hidden = hidden;
        this.large = large;
        this.maxBatch = panels.maxBatch();
    }

    @Override
    public Bound bind(StepBuffers buffers) {
        float[] h = buffers.h();
        float[] gh = buffers.gh();
        RecurrentProduct.Bound byBlas = large.bind(buffers);
        return new RecurrentProduct.Bound() {
            // Whether this step walks the panels downwards: flipped by prepare(), on the caller's thread before the
            // team's members are handed the step (the hand-off publishes it to them).
            private boolean descending;

            @Override
            public void prepare(int rows) {
                descending = !descending;
            }

            @Override
            public long weightReads(int rows) {
                return rows > maxBatch ? byBlas.weightReads(rows) : PanelRecurrent.weightReads(panels, width, hidden, rows);
            }

            @Override
            public void multiply(int rows, int member, int members) {
                if (rows > maxBatch) {
                    byBlas.multiply(rows, member, members);
                    return;
                }
                multiplyShare(panels, packed, width, hidden, rows, h, gh, member, members, descending);
            }
        };
    }

    /** The weights a panel product over {@code rows} samples reads: all of {@code W} once for each tile of samples. */
    static long weightReads(PanelProduct panels, int width, int hidden, int rows) {
        return (long) width * hidden * Math.ceilDiv(rows, panels.samplesPerTile());
    }

    /**
     * Member {@code member} of {@code members}'s share of {@code gh = h * W^T} over the first {@code rows} samples:
     * its range of the panels of {@code packed} ({@code W [width][hidden]}), walked downwards if {@code descending}.
     */
    static void multiplyShare(PanelProduct panels, float[] packed, int width, int hidden, int rows, float[] h,
                              float[] gh, int member, int members, boolean descending) {
        int count = panels.panels(width);
        int from = count * member / members, to = count * (member + 1) / members;
        // every other step the other way round (PanelProduct.multiplyDescending: what one step read last is still in
        // L2 for the next)
        if (descending) {
            panels.multiplyDescending(packed, width, hidden, rows, h, 0, gh, 0, from, to);
        } else {
            panels.multiply(packed, width, hidden, rows, h, 0, gh, 0, from, to);
        }
    }
}
