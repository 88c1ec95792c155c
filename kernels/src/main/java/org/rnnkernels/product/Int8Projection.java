package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An int8-weight layer's input projection {@code gi[rows, G*H] = s ⊙ (Q_ih x)} for all {@code T*B} rows of a
 * call ({@link Int8Rows}): the rows are copied once into the state's float scratch (the kernel reads a Java
 * array), then a team splits the panels of weight rows, each member reading its panels once per pair of
 * samples. For many rows OpenBLAS's sgemm on float weights is faster (it blocks for the caches and the
 * registers across samples); at {@code T*B = 1}, a streaming step, the weight bytes decide and int8 reads a
 * quarter of them.
 */
public final class Int8Projection implements InputProjection {
    private final Int8Rows weights;

    /** {@code q [rows][cols]} row-major with a scale per row ({@code scales [rows]}); both copied into the packing. */
    public Int8Projection(byte[] q, float[] scales, int rows, int cols) {
        this.weights = new Int8Rows(q, scales, rows, cols);
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return new Bound();
    }

    private final class Bound implements InputProjection.Bound {
        private final Scratch input = new Scratch("the int8 projection's input copy");
        private final float[] tail = weights.newTail();
        private int rows;
        private float[] gi;

        @Override
        public void prepare(MemorySegment x, int rows, Scratch gi) {
            long floats = (long) rows * weights.cols();
            input.reserve(floats);
            MemorySegment.copy(x, ValueLayout.JAVA_FLOAT, 0, input.array(), 0, (int) floats);
            this.rows = rows;
            this.gi = gi.array();
        }

        @Override
        public long weightReads(int rows) {
            return weights.weightReads(rows);
        }

        @Override
        public void project(int member, int members) {
            int panels = weights.panels();
            weights.multiply(input.array(), weights.cols(), rows, gi, weights.rows(),
                    panels * member / members, panels * (member + 1) / members, tail);
        }
    }
}
