package org.rnnkernels.flink;

import java.io.Serializable;

/**
 * What the job emits for one event: {@code output} is the model's output row for it ({@code [D*H]}
 * of the last layer, a fresh array the result may keep); {@code score} is the head's score, or NaN
 * when the job has no head.
 */
@FunctionalInterface
public interface ResultFunction<IN, K, OUT> extends Serializable {
    OUT result(IN event, K key, float[] output, float score);
}
