package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;

/**
 * A restricted layer's input projection ({@link RestrictedLayout}): the dense projection of the compact
 * {@code W_x [C][I]} into the state's compact scratch {@code [rows][C]}, spread into {@code gi [rows][G*H]}
 * once every member is done.
 */
public final class RestrictedProjection implements InputProjection {
    private final InputProjection compact;
    private final RestrictedLayout layout;

    /** {@code compact}: the projection of the compact matrix, {@code C} columns wide. */
    public RestrictedProjection(InputProjection compact, RestrictedLayout layout) {
        this.compact = compact;
        this.layout = layout;
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return new Bound(compact.bind(members));
    }

    private final class Bound implements InputProjection.Bound {
        private final InputProjection.Bound inner;
        private final Scratch products = new Scratch("the restricted input projection");
        private Scratch gi;
        private int rows;

        Bound(InputProjection.Bound inner) {
            this.inner = inner;
        }

        @Override
        public void prepare(MemorySegment input, int rows, Scratch gi) {
            products.reserve((long) rows * layout.compactRows());
            inner.prepare(input, rows, products);
            this.gi = gi;
            this.rows = rows;
        }

        @Override
        public long weightReads(int rows) {
            return inner.weightReads(rows);
        }

        @Override
        public void project(int member, int members) {
            inner.project(member, members);
        }

        @Override
        public void finish() {
            inner.finish();
            layout.spreadInputs(products.array(), gi.array(), rows);
        }
    }
}
