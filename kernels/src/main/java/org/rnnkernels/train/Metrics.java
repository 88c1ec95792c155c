package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * The measures real tasks report, from a model's outputs or a mean loss: classification accuracy,
 * perplexity and bits per character. A mean cross-entropy in nats per token {@code L} gives perplexity
 * {@code e^L} and {@code L / ln 2} bits per character (for a character-level model).
 */
public final class Metrics {
    private Metrics() {
    }

    /**
     * The fraction of rows whose largest logit is the target's: {@code logits [rows][classes]}, {@code targets}
     * one class per row ({@code rows = targets.length}); ties go to the lower class, as {@code argmax} does.
     *
     * @throws IllegalArgumentException for a size that does not match or a target outside {@code [0, classes)}
     */
    public static double accuracy(float[] logits, int classes, int[] targets) {
        Checks.nonNull("logits", logits);
        Checks.nonNull("targets", targets);
        Checks.positive("classes", classes);
        if ((long) targets.length * classes != logits.length) {
            throw new IllegalArgumentException("logits has " + logits.length + " floats, expected targets.length x classes = "
                    + targets.length + " x " + classes);
        }
        if (targets.length == 0) {
            return Double.NaN;
        }
        int correct = 0;
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] < 0 || targets[r] >= classes) {
                throw new IllegalArgumentException("targets[" + r + "] = " + targets[r] + ", expected in [0, " + classes + ")");
            }
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[r * classes + c] > logits[r * classes + best]) {
                    best = c;
                }
            }
            if (best == targets[r]) {
                correct++;
            }
        }
        return (double) correct / targets.length;
    }

    /** {@code e^L} for a mean cross-entropy {@code L} in nats per token. */
    public static double perplexity(double meanNats) {
        return Math.exp(meanNats);
    }

    /** {@code L / ln 2} for a mean cross-entropy {@code L} in nats per character. */
    public static double bitsPerCharacter(double meanNats) {
        return meanNats / Math.log(2);
    }
}
