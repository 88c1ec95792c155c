package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * Mean squared error, PyTorch's {@code MSELoss(reduction='mean')} over the positions that count:
 * <pre>
 *   L = 1/(n K) * sum over counted (t, b), k of (y[t][b][k] - target[k])^2
 *   dL/dy[t][b][k] = 2 (y[t][b][k] - target[k]) / (n K)
 * </pre>
 * with {@code n} the number of counted positions (see {@link Loss} for the layout and the mask).
 * Targets are {@code [T][B][K]} over every step, {@code [B][K]} over the last step.
 */
public final class MeanSquaredError extends Loss {

    /**
     * @param outputs {@code K}, the outputs per position
     * @param over    which positions count
     */
    public MeanSquaredError(int outputs, Over over) {
        super(outputs, over);
    }

    /**
     * The loss, and its gradient written into {@code gradOutput} (overwritten, all of it).
     *
     * @param output     {@code [T][B][K]}
     * @param steps      {@code T}
     * @param batch      {@code B}
     * @param target     {@code [T][B][K]} for {@link Over#EVERY_STEP}, {@code [B][K]} for {@link Over#LAST_STEP}
     * @param mask       {@code [T][B]} of 0 and 1, or null when every step counts
     * @param gradOutput {@code [T][B][K]}, receives {@code dL/doutput}
     * @return the mean squared error, summed in double
     */
    public double compute(float[] output, int steps, int batch, float[] target, float[] mask, float[] gradOutput) {
        int counted = checkPositions(output, "output", steps, batch, mask, gradOutput, "gradOutput");
        int k = outputs;
        if (over == Over.EVERY_STEP) {
            Checks.floats("target", target, "[T=%d][B=%d][K=%d]", steps, batch, k);
        } else {
            Checks.floats("target", target, "[B=%d][K=%d]", batch, k);
        }
        double scale = 2.0 / ((double) counted * k);
        double sum = 0;
        if (over == Over.EVERY_STEP) {
            for (int p = 0; p < steps * batch; p++) {
                int from = p * k;
                if (mask != null && mask[p] == 0f) {
                    java.util.Arrays.fill(gradOutput, from, from + k, 0f);
                    continue;
                }
                sum += squares(output, target, from, from, k, scale, gradOutput);
            }
        } else {
            java.util.Arrays.fill(gradOutput, 0f);
            for (int b = 0; b < batch; b++) {
                int t = lastStep(mask, steps, batch, b);
                sum += squares(output, target, (t * batch + b) * k, b * k, k, scale, gradOutput);
            }
        }
        return sum / ((double) counted * k);
    }

    // sum_k (y - target)^2 over one position; gradient 2 (y - target) / (n K)
    private static double squares(float[] output, float[] target, int from, int targetFrom, int k, double scale, float[] gradOutput) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double difference = (double) output[from + j] - target[targetFrom + j];
            sum += difference * difference;
            gradOutput[from + j] = (float) (scale * difference);
        }
        return sum;
    }
}
