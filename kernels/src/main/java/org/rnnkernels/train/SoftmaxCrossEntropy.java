package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * Softmax cross-entropy over {@code K} classes, PyTorch's {@code CrossEntropyLoss(reduction='mean')}
 * over the positions that count:
 * <pre>
 *   L = 1/n * sum over counted (t, b) of (logsumexp(z) - z[target])
 *   dL/dz[k] = (softmax(z)[k] - [k == target]) / n
 * </pre>
 * with {@code n} the number of counted positions (see {@link Loss} for the layout and the mask).
 * Stable for any logits: {@code logsumexp(z) = m + log sum exp(z - m)} with {@code m = max z}, so
 * no exponential overflows and the largest term is exactly 1. Targets are class indices,
 * {@code [T][B]} over every step and {@code [B]} over the last step; only the targets of counted
 * positions are read (masked ones may hold anything, e.g. -1).
 *
 * <p>Scalar code on purpose: {@code K} is small next to the hidden size, so this costs a
 * fraction of the head's product; {@code exp}/{@code log} in double keep it simple and exact enough.
 */
public final class SoftmaxCrossEntropy extends Loss {

    /**
     * @param classes {@code K}, the logits per position
     * @param over    which positions count
     */
    public SoftmaxCrossEntropy(int classes, Over over) {
        super(classes, over);
    }

    /**
     * The loss, and its gradient written into {@code gradLogits} (overwritten, all of it).
     *
     * @param logits     {@code [T][B][K]}
     * @param steps      {@code T}
     * @param batch      {@code B}
     * @param target     class indices in {@code [0, K)}: {@code [T][B]} for {@link Over#EVERY_STEP},
     *                   {@code [B]} for {@link Over#LAST_STEP}
     * @param mask       {@code [T][B]} of 0 and 1, or null when every step counts
     * @param gradLogits {@code [T][B][K]}, receives {@code dL/dlogits}
     * @return the mean cross-entropy in nats, summed in double
     */
    public double compute(float[] logits, int steps, int batch, int[] target, float[] mask, float[] gradLogits) {
        int counted = checkPositions(logits, "logits", steps, batch, mask, gradLogits, "gradLogits");
        checkTargets(target, steps, batch, mask);
        int k = outputs;
        double scale = 1.0 / counted;
        double sum = 0;
        if (over == Over.EVERY_STEP) {
            for (int p = 0; p < steps * batch; p++) {
                int from = p * k;
                if (mask != null && mask[p] == 0f) {
                    java.util.Arrays.fill(gradLogits, from, from + k, 0f);
                    continue;
                }
                sum += crossEntropy(logits, from, k, target[p], scale, gradLogits);
            }
        } else {
            java.util.Arrays.fill(gradLogits, 0f);
            for (int b = 0; b < batch; b++) {
                int t = lastStep(mask, steps, batch, b);
                sum += crossEntropy(logits, (t * batch + b) * k, k, target[b], scale, gradLogits);
            }
        }
        return sum * scale;
    }

    // -log softmax(z)[target] of one position = logsumexp(z) - z[target]; gradient (softmax - onehot) * scale.
    // Each exp(z - max) is computed once and parked in the gradient row (as float: the gradient's own precision).
    private static double crossEntropy(float[] logits, int from, int k, int target, double scale, float[] gradLogits) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, logits[from + j]);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double e = Math.exp((double) logits[from + j] - max);
            gradLogits[from + j] = (float) e;
            sum += e;
        }
        double inverse = 1 / sum;
        for (int j = 0; j < k; j++) {
            gradLogits[from + j] = (float) ((gradLogits[from + j] * inverse - (j == target ? 1.0 : 0.0)) * scale);
        }
        return max + Math.log(sum) - logits[from + target];
    }

    private void checkTargets(int[] target, int steps, int batch, float[] mask) {
        if (over == Over.EVERY_STEP) {
            Checks.ints("target", target, "[T=%d][B=%d]", steps, batch);
            for (int p = 0; p < target.length; p++) {
                if ((mask == null || mask[p] != 0f) && outOfRange(target[p])) {
                    throw badClass(target, p, "(t=" + p / batch + ", b=" + p % batch + ")");
                }
            }
        } else {
            Checks.ints("target", target, "[B=%d]", batch);
            for (int b = 0; b < batch; b++) {
                if (outOfRange(target[b])) {
                    throw badClass(target, b, "(b=" + b + ")");
                }
            }
        }
    }

    // The message is built only for a bad target: a string per target and call allocated T*B strings a step.
    private boolean outOfRange(int target) {
        return target < 0 || target >= outputs;
    }

    private IllegalArgumentException badClass(int[] target, int i, String where) {
        return new IllegalArgumentException("target[" + i + "] " + where + " = " + target[i] + ", expected a class in [0, "
                + outputs + ")");
    }
}
