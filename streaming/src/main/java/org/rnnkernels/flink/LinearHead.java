package org.rnnkernels.flink;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A linear head on the model's output row: {@code score = b + sum_i w_i y_i} over the {@code D*H}
 * features of the last layer's output (a trained {@code LinearHead} of one output, or any scorer of
 * that form).
 */
public final class LinearHead implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] weights;
    private final float bias;

    private LinearHead(float[] weights, float bias) {
        this.weights = weights;
        this.bias = bias;
    }

    /** {@code weights [D*H]} (copied) and the bias. */
    public static LinearHead of(float[] weights, float bias) {
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException("weights: expected [D*H] floats, got " + (weights == null ? "null" : "none"));
        }
        return new LinearHead(weights.clone(), bias);
    }

    /** The number of features the head reads ({@code D*H}). */
    public int inputSize() {
        return weights.length;
    }

    /** The score of the row {@code y[offset, offset + inputSize())}; summed in index order (one order: replays agree bit for bit). */
    public float score(float[] y, int offset) {
        float sum = bias;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i] * y[offset + i];
        }
        return sum;
    }

    @Override
    public String toString() {
        return "LinearHead[" + weights.length + " -> 1, w = " + Arrays.toString(Arrays.copyOf(weights, Math.min(3, weights.length)))
                + (weights.length > 3 ? "..." : "") + ", b = " + bias + "]";
    }
}
