package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * A loss over the outputs of a sequence, which also writes {@code dL/doutput} for the backward.
 *
 * <p>Layout: outputs are time-major {@code [T][B][K]} (the rows a {@link LinearHead} gives for the
 * {@code [T][B][H]} outputs of a layer), and the gradient has the same shape. Which positions
 * {@code (t, b)} count is set by {@link Over} and an optional mask {@code [T][B]} of 0 and 1 (for
 * variable lengths: 1 where sample {@code b} has step {@code t}):
 * <ul>
 *   <li>{@link Over#EVERY_STEP}: every position whose mask is 1 (all of them without a mask);</li>
 *   <li>{@link Over#LAST_STEP}: for each sample, its last step whose mask is 1 (step {@code T-1}
 *       without a mask). With {@code T = 1} the outputs may be just the {@code [B][K]} last-step rows.</li>
 * </ul>
 * The loss is the mean over the counted positions ({@link MeanSquaredError} also over the {@code K}
 * outputs of each, as PyTorch's {@code reduction='mean'}); positions that do not count get a zero
 * gradient. A mask that leaves no position (or, over the last step, a sample with no step) is
 * rejected: the mean would be 0/0.
 *
 * <p>A call allocates nothing and keeps no state, so one instance may be used from any thread.
 * Arguments are checked before the gradient array is written.
 */
public abstract sealed class Loss permits MeanSquaredError, SoftmaxCrossEntropy {

    /** Which positions of a sequence the loss is taken over. */
    public enum Over {
        /** Every step of every sample (where the mask is 1). */
        EVERY_STEP,
        /** The last step of each sample (the last one where the mask is 1). */
        LAST_STEP
    }

    final int outputs;
    final Over over;

    Loss(int outputs, Over over) {
        Checks.positive("outputs", outputs);
        Checks.nonNull("over", over);
        this.outputs = outputs;
        this.over = over;
    }

    /** {@code K}, the outputs per position. */
    public int outputs() {
        return outputs;
    }

    /** Which positions count. */
    public Over over() {
        return over;
    }

    /** Checks T, B, the outputs, the gradient and the mask; returns the number of positions that count. */
    final int checkPositions(float[] output, String outputName, int steps, int batch, float[] mask, float[] gradient,
                             String gradientName) {
        Checks.positive("steps", steps);
        Checks.positive("batch", batch);
        Checks.floats(outputName, output, "[T=%d][B=%d][K=%d]", steps, batch, outputs);
        Checks.floats(gradientName, gradient, "[T=%d][B=%d][K=%d]", steps, batch, outputs);
        Checks.mask(mask, steps, batch);
        if (over == Over.LAST_STEP) {
            for (int b = 0; b < batch; b++) {
                if (lastStep(mask, steps, batch, b) < 0) {
                    throw new IllegalArgumentException("mask has no step for sample b=" + b + ", expected at least one 1 in mask[t][" + b + "]");
                }
            }
            return batch;
        }
        int counted = steps * batch;
        if (mask != null) {
            counted = 0;
            for (float m : mask) {
                counted += (int) m;
            }
            if (counted == 0) {
                throw new IllegalArgumentException("mask is all 0, expected at least one position to count");
            }
        }
        return counted;
    }

    /** Sample {@code b}'s last step whose mask is 1, or -1. */
    static int lastStep(float[] mask, int steps, int batch, int b) {
        if (mask == null) {
            return steps - 1;
        }
        for (int t = steps - 1; t >= 0; t--) {
            if (mask[t * batch + b] != 0f) {
                return t;
            }
        }
        return -1;
    }
}
