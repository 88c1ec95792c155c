package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An event-based layer's input projection, {@code gi[r, :] = W_ih x_r} for the {@code rows} rows of a call,
 * with two bindings: {@link #bind(int)}, the dense projection it wraps (a layer fed dense inputs), and
 * {@link #bindSparse(int)}, for a layer stacked on an event-based one, whose input is that layer's sparse output
 * {@code y}: there the product reads only the columns of {@code W_ih} whose {@code x_r[i] != 0}, by the
 * {@link ColumnProduct} of the recurrent product ({@link SparseRecurrent}), so its cost is the input's
 * activity times the dense product's: {@code gi[r, :] = sum over i with x_r[i] != 0 of W_ih[:, i] x_r[i]}
 * (in increasing {@code i}, one FMA chain per element).
 *
 * <p>The choice is made once per state (a model state binds the sparse side for a layer above an event-based
 * one), not per call, so that a stream's chunks and its one call take the same path; the two paths agree to
 * float rounding. {@code W_ih} is packed into column tiles on the first sparse binding (a copy as large as
 * {@code W_ih}, on the heap), so a layer never stacked that way keeps only its dense copy.
 *
 * <p>On the sparse side, a call whose input is dense enough ({@link SparseRecurrent#denseFrom}, over the call's rows)
 * goes to the dense projection after all, where that is the panel product ({@link PanelProjection}, AVX-512): its
 * outputs are one FMA chain over {@code i} in order, as the column walk's over the nonzero {@code i}, so the two give
 * the same values and a stream's chunks still compute what its one call does. Where the dense projection is BLAS,
 * whose sums go in another order, every call walks the columns.
 *
 * <p>Per state: the call's input copied to the heap (the column product reads a float array) and the lists of
 * each row's nonzero inputs, grown to the largest call and then reused. A team splits the rows of {@code W_ih}.
 */
public final class SparseInputProjection implements InputProjection {
    private final InputProjection dense;
    private final MemorySegment weights;
    private final int width;
    private final int inputSize;
    private final ColumnProduct columns;
    private float[] tiles;   // guarded by this; packed on first use

    /**
     * {@code weights}: {@code W_ih [width][inputSize]} row-major, off-heap, owned by the layer (read once, when
     * packed); {@code dense} the layer's dense projection of the same weights.
     */
    public SparseInputProjection(InputProjection dense, MemorySegment weights, int width, int inputSize) {
        this.dense = dense;
        this.weights = weights;
        this.width = width;
        this.inputSize = inputSize;
        this.columns = ColumnProduct.get();
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return dense.bind(members);
    }

    // A team splits the rows of W_ih whatever its size: nothing per member to make in advance.
    @Override
    public InputProjection.Bound bindSparse(int members) {
        return new Bound(packed(), dense instanceof PanelProjection ? dense.bind(members) : null);
    }

    private synchronized float[] packed() {
        if (tiles == null) {
            tiles = columns.pack(weights.toArray(ValueLayout.JAVA_FLOAT), width, inputSize);
        }
        return tiles;
    }

    private final class Bound implements InputProjection.Bound {
        private final float[] tiles;
        private float[] x = new float[0];
        // Per row r, the indices i with x_r[i] != 0 at active[r*I ..], increasing, and how many (count[r])
        private int[] active = new int[0];
        private int[] count = new int[0];
        private int rows;
        private float[] gi;
        // The panel projection, for calls dense enough (null where the dense projection is BLAS), and whether this
        // call is one: set by prepare() on the caller's thread, before the team's members are handed the call.
        private final InputProjection.Bound panels;
        private boolean denseCall;
        private long nonzero;                   // this call's nonzero inputs, over all its rows

        Bound(float[] tiles, InputProjection.Bound panels) {
            this.tiles = tiles;
            this.panels = panels;
        }

        /**
         * Copies the input and lists each row's nonzeros, as {@link SparseRecurrent} lists {@code y}; or, for a call
         * dense enough, hands it to the panel projection.
         */
        @Override
        public void prepare(MemorySegment input, int rows, Scratch gi) {
            int floats = Math.multiplyExact(rows, inputSize);
            if (x.length < floats) {
                x = new float[floats];
                active = new int[floats];
            }
            if (count.length < rows) {
                count = new int[rows];
            }
            MemorySegment.copy(input, ValueLayout.JAVA_FLOAT, 0, x, 0, floats);
            int nonzero = SparseRecurrent.listNonzeros(x, rows, inputSize, active, count);
            denseCall = panels != null && nonzero >= SparseRecurrent.denseFrom(rows, inputSize, PanelProduct.get());
            if (denseCall) {
                panels.prepare(input, rows, gi);
            }
            this.nonzero = nonzero;
            this.rows = rows;
            this.gi = gi.array();
        }

        // the column walk reads W_ih's column of each nonzero input
        @Override
        public long weightReads(int rows) {
            return denseCall ? panels.weightReads(rows) : (long) nonzero * width;
        }

        // gi = X W_ih^T over each row's nonzero inputs only, or by the panels; member m's share of W_ih's rows
        @Override
        public void project(int member, int members) {
            if (denseCall) {
                panels.project(member, members);
                return;
            }
            columns.multiply(tiles, width, inputSize, rows, x, active, count, gi,
                    ColumnProduct.shareStart(width, member, members), ColumnProduct.shareStart(width, member + 1, members));
        }

        @Override
        public void finish() {
            if (denseCall) {
                panels.finish();
            }
        }
    }
}
