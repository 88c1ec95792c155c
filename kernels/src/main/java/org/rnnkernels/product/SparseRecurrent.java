package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * EGRU's activity-sparse {@code gh = y * W^T} by the {@link ColumnProduct}: only the columns of {@code W}
 * whose {@code y_j != 0} are read. Each step first lists the nonzero {@code y_j} of every running sample
 * (on the caller's thread: every member reads the lists), then a team splits the rows.
 *
 * <p>A step whose {@code y} is dense enough goes to the panel product instead ({@link PanelProduct}, with the Vector
 * API), which shares each weight load among several samples and keeps its accumulators in registers; the column
 * walk pays a load and a store of its accumulators per four columns and one sample at a time. Where they cross is
 * {@link #denseFrom}. The panels' outputs are one FMA chain over {@code j} in order, as the column walk's over the
 * nonzero {@code j}: a zero {@code y_j} adds {@code w * 0 = 0}, so both give the same values, and a state's results
 * do not depend on which steps went which way (a team that splits the samples chooses for each member's own).
 * BLAS, whose sums go in another order, never stands in: without the Vector API, or above the panels' largest
 * batch, every step walks the columns. The panels' copy of {@code W} (as large as the tiles) is packed the first
 * time any state's step needs it, so an EGRU that stays sparse never holds it.
 */
public final class SparseRecurrent implements RecurrentProduct {
    private final ColumnProduct columns;
    private final float[] tiles;
    private final int width;
    private final int hidden;
    private final MemorySegment weights;
    private final PanelProduct panels;
    private float[] packedPanels;   // guarded by this; packed on the first step dense enough to need them

    /**
     * {@code w}: {@code W_hh [width][hidden]} row-major (packed into column tiles; the array stays the caller's);
     * {@code weights} the layer's off-heap copy of it (packed into panels from it if a step needs them).
     */
    public SparseRecurrent(float[] w, MemorySegment weights, int width, int hidden) {
        this.columns = ColumnProduct.get();
        this.tiles = columns.pack(w, width, hidden);
        this.width = width;
        this.hidden = hidden;
        this.weights = weights;
        this.panels = PanelProduct.get();
    }

    /**
     * The fewest nonzero {@code y_j}, summed over a step's {@code samples}, from which the panel product is
     * faster than the column walk; {@link Long#MAX_VALUE} where there is no panel product for that batch.
     * Measured (a {@code 3H x H} product alone, 0.1 s rounds, activities 0.1-1.0, H = 256, 512, 1024; Zen 5):
     * at 512 bits (four samples a weight load) the walks cross at 0.65-0.9 of the units at B = 1 (the panels
     * stream {@code W} once however many samples), ~0.35 a sample at B = 2 and 0.15-0.2 a sample from B = 4 to
     * 64; with pairs (AVX2) 0.7-0.8 at B = 1 and 0.35-0.4 a sample from B = 2 to 16. So:
     * {@code max(0.7 H, 0.72 H B / samples a tile)}.
     */
    static long denseFrom(int samples, int hidden, PanelProduct panels) {
        if (panels == null || samples > panels.maxBatch()) {
            return Long.MAX_VALUE;
        }
        return (long) Math.ceil(Math.max(0.7 * hidden, 0.72 * hidden * samples / panels.samplesPerTile()));
    }

    private synchronized float[] packedPanels() {
        if (packedPanels == null) {
            packedPanels = panels.pack(weights.toArray(ValueLayout.JAVA_FLOAT), width, hidden);
        }
        return packedPanels;
    }

    @Override
    public RecurrentProduct.Bound bind(StepBuffers buffers) {
        return new Bound(buffers);
    }

    /**
     * For each row {@code r < rows} of {@code v [rows][n]}: the indices {@code j} with {@code v[r, j] != 0} at
     * {@code active[r*n ..]}, in increasing order, and how many ({@code count[r]}); returns the total.
     * Branch-free: at 10-90% activity a branch per element would mispredict often.
     */
    static int listNonzeros(float[] v, int rows, int n, int[] active, int[] count) {
        int total = 0;
        for (int r = 0; r < rows; r++) {
            int row = r * n;
            int listed = 0;
            for (int j = 0; j < n; j++) {
                active[row + listed] = j;
                listed += v[row + j] != 0f ? 1 : 0;
            }
            count[r] = listed;
            total += listed;
        }
        return total;
    }

    private final class Bound implements RecurrentProduct.Bound {
        private final float[] y;
        private final float[] gh;
        private final Activity activity;
        // Per sample b, the indices j with y[b, j] != 0 at active[b*H ..], in increasing order, and how
        // many (count[b]); refreshed before each step.
        private final int[] active;
        private final int[] count;
        // Whether this step goes to the panels, and which way they are walked (every other dense step the other way
        // round, as PanelRecurrent's): set by prepare() on the caller's thread, before the team's members are
        // handed the step (the hand-off publishes them, and the panels, to them).
        private boolean denseStep;
        private boolean descending;
        private long weightReads;       // this step's, as prepare() chose: all of W per tile of samples, or the listed columns
        private float[] densePanels;   // the layer's packedPanels, from this state's first dense step

        Bound(StepBuffers buffers) {
            this.y = buffers.h();
            this.gh = buffers.gh();
            this.activity = buffers.activity();
            this.active = new int[buffers.batch() * hidden];
            this.count = new int[buffers.batch()];
        }

        /**
         * Lists the nonzero {@code y_j} of samples {@code 0 .. rows-1}, counts them, and chooses the step's
         * product.
         */
        @Override
        public void prepare(int rows) {
            int nonzero = listNonzeros(y, rows, hidden, active, count);
            activity.record(nonzero, rows * hidden);
            denseStep = nonzero >= denseFrom(rows, hidden, panels);
            if (denseStep) {
                if (densePanels == null) {
                    densePanels = packedPanels();
                }
                descending = !descending;
                weightReads = PanelRecurrent.weightReads(panels, width, hidden, rows);
            } else {
                weightReads = (long) nonzero * width;
            }
        }

        @Override
        public long weightReads(int rows) {
            return weightReads;
        }

        // gh = W_hh y: over the nonzero y_j only, or by the panels on a step dense enough
        @Override
        public void multiply(int rows, int member, int members) {
            if (denseStep) {
                PanelRecurrent.multiplyShare(panels, densePanels, width, hidden, rows, y, gh, member, members, descending);
                return;
            }
            columns.multiply(tiles, width, hidden, rows, y, active, count, gh,
                    ColumnProduct.shareStart(width, member, members), ColumnProduct.shareStart(width, member + 1, members));
        }
    }
}
