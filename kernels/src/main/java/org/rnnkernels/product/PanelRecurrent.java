package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;

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
        MemorySegment hSegment = buffers.hSegment();
        MemorySegment ghSegment = buffers.ghSegment();
        return new RecurrentProduct.Bound() {
            // Whether this step walks the panels downwards: flipped by prepare(), on the caller's thread before the
            // team's members are handed the step (the hand-off publishes it to them).
            private boolean descending;

            @Override
            public void prepare(int rows) {
                descending = !descending;
            }

            @Override
            public void multiply(int rows, int member, int members) {
                if (rows > maxBatch) {
                    large.multiply(hSegment, ghSegment, rows, member, members);
                    return;
                }
                int count = panels.panels(width);
                int from = count * member / members, to = count * (member + 1) / members;
                if (!descending) {
                    panels.multiply(packed, width, hidden, rows, h, 0, gh, 0, from, to);
                    return;
                }
                // Every other step the panels go last to first, two at a time (the batch-1 kernel's pair). A step
                // streams all of W_hh; walked the same way each time, a W_hh a little larger than what L2 keeps of
                // it (LSTM, H = 256: 1 MB) misses on every line, as LRU evicts each line before its next use; walked
                // back and forth, the panels one step read last are read first by the next, still in L2. Measured
                // (Zen 5, one thread, alternating calls of the two builds in one JVM, both orders, two rounds): LSTM
                // 1x256x200 4% and 9% faster, LSTM 16x256x100 1%, GRU 16x256x100 0-2%, GRU 64x512x50 level. No bit
                // changes: each panel's outputs are computed alone.
                int p = to;
                for (; p - 2 >= from; p -= 2) {
                    panels.multiply(packed, width, hidden, rows, h, 0, gh, 0, p - 2, p);
                }
                if (p > from) {
                    panels.multiply(packed, width, hidden, rows, h, 0, gh, 0, from, p);
                }
            }
        };
    }
}
