package org.rnnkernels.product;

/**
 * An int8-weight layer's recurrent product {@code gh[rows, G*H] = s ⊙ (Q_hh h)} ({@link Int8Rows}): float
 * {@code h}, int8 {@code W_hh} widened in registers. A team splits the panels of weight rows, each member
 * streaming its own; the same bits with any number of members.
 */
public final class Int8Recurrent implements RecurrentProduct {
    private final Int8Rows weights;

    /** {@code q [rows][cols]} row-major with a scale per row ({@code scales [rows]}); both copied into the packing. */
    public Int8Recurrent(byte[] q, float[] scales, int rows, int cols) {
        this.weights = new Int8Rows(q, scales, rows, cols);
    }

    @Override
    public RecurrentProduct.Bound bind(StepBuffers buffers) {
        float[] h = buffers.h();
        float[] gh = buffers.gh();
        int hidden = buffers.hidden();
        int width = weights.rows();
        int panels = weights.panels();
        float[] tail = weights.newTail();
        return new RecurrentProduct.Bound() {
            @Override
            public long weightReads(int rows) {
                return weights.weightReads(rows);
            }

            @Override
            public void multiply(int rows, int member, int members) {
                weights.multiply(h, hidden, rows, gh, width, panels * member / members, panels * (member + 1) / members, tail);
            }
        };
    }
}
