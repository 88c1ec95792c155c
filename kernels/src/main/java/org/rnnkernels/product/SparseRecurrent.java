package org.rnnkernels.product;

/**
 * EGRU's activity-sparse {@code gh = y * W^T} by the {@link ColumnProduct}: only the columns of {@code W}
 * whose {@code y_j != 0} are read. Each step first lists the nonzero {@code y_j} of every running sample
 * (on the caller's thread: every member reads the lists), then a team splits the column tiles.
 */
public final class SparseRecurrent implements RecurrentProduct {
    private final ColumnProduct columns;
    private final float[] tiles;
    private final int width;
    private final int hidden;

    /** {@code w}: {@code W_hh [width][hidden]} row-major (packed into column tiles; the array stays the caller's). */
    public SparseRecurrent(float[] w, int width, int hidden) {
        this.columns = ColumnProduct.get();
        this.tiles = columns.pack(w, width, hidden);
        this.width = width;
        this.hidden = hidden;
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

        Bound(StepBuffers buffers) {
            this.y = buffers.h();
            this.gh = buffers.gh();
            this.activity = buffers.activity();
            this.active = new int[buffers.batch() * hidden];
            this.count = new int[buffers.batch()];
        }

        /** Lists the nonzero {@code y_j} of samples {@code 0 .. rows-1} and counts them. */
        @Override
        public void prepare(int rows) {
            activity.record(listNonzeros(y, rows, hidden, active, count), rows * hidden);
        }

        // gh = W_hh y over the nonzero y_j only
        @Override
        public void multiply(int rows, int member, int members) {
            int tileCount = columns.tiles(width);
            columns.multiply(tiles, width, hidden, rows, y, active, count, gh,
                    tileCount * member / members, tileCount * (member + 1) / members);
        }
    }
}
