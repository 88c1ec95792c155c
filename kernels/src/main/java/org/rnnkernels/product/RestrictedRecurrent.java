package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;

/**
 * A restricted layer's recurrent product ({@link RestrictedLayout}): the product of the compact
 * {@code W_h [C][H]} into the state's compact scratch {@code [B][C]}, spread into {@code gh} after the
 * barrier, each member the hidden units its gate pass reads.
 */
public final class RestrictedRecurrent implements RecurrentProduct {
    private final RecurrentProduct compact;
    private final RestrictedLayout layout;

    /** {@code compact}: the product of the compact matrix, {@code C} rows. */
    public RestrictedRecurrent(RecurrentProduct compact, RestrictedLayout layout) {
        this.compact = compact;
        this.layout = layout;
    }

    @Override
    public RecurrentProduct.Bound bind(StepBuffers buffers) {
        float[] products = new float[Math.multiplyExact(buffers.batch(), layout.compactRows())];
        RecurrentProduct.Bound inner = compact.bind(buffers.withOutput(products, MemorySegment.ofArray(products)));
        float[] gh = buffers.gh();
        return new RecurrentProduct.Bound() {
            @Override
            public void prepare(int rows) {
                inner.prepare(rows);
            }

            @Override
            public long weightReads(int rows) {
                return inner.weightReads(rows);
            }

            @Override
            public void multiply(int rows, int member, int members) {
                inner.multiply(rows, member, members);
            }

            @Override
            public void finish(int rows, int from, int to) {
                layout.spreadRecurrent(products, gh, rows, from, to);
            }
        };
    }
}
