package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;

import org.rnnkernels.ternary.TernaryMatrix;

/**
 * A ternary layer's input projection {@code gi[rows, G*H] = (lambda alpha_k) * (T_ih · a(x))} for all
 * {@code T*B} rows of a call at once ({@link TernaryRows}): the rows' activations are made first (on the
 * caller's thread, {@code O(rows * I)}), then a team splits the weight rows, each member reading its
 * rows of {@code T_ih} once per pass of samples.
 */
public final class TernaryProjection implements InputProjection {
    private final TernaryRows weights;

    public TernaryProjection(TernaryMatrix wIh, boolean ternaryActivations, float delta, float lambda) {
        this.weights = new TernaryRows(wIh, ternaryActivations, delta, lambda);
    }

    /** {@code T_ih} with its scales as given (a copy). */
    public TernaryMatrix matrix() {
        return weights.matrix();
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return new Bound();
    }

    private final class Bound implements InputProjection.Bound {
        private final TernaryRows.Samples samples = weights.newSamples();
        private int rows;
        private float[] gi;

        @Override
        public void prepare(MemorySegment input, int rows, Scratch gi) {
            samples.reserve(rows);
            int inputSize = weights.cols();
            for (int r = 0; r < rows; r++) {
                samples.load(input, (long) r * inputSize, r);
            }
            this.rows = rows;
            this.gi = gi.array();
        }

        @Override
        public long weightReads(int rows) {
            return weights.weightReads(rows);
        }

        @Override
        public void project(int member, int members) {
            weights.multiply(member, members, samples, rows, gi, weights.rows());
        }
    }
}
