package org.rnnkernels.flink;

import java.io.Serializable;

/**
 * Everything a parallel task needs to run the model, checked on the client when the job is built
 * ({@link RecurrentStreams.Builder#apply}): it travels with the job graph.
 *
 * @param maxBatch   events of distinct keys stepped together (1: one step per event, as it arrives)
 * @param maxDelayMs the longest an event waits for its batch to fill (unused when {@code maxBatch} is 1)
 */
record StepSpec<IN, K, OUT>(ModelSource model, StateLayout layout, int inputSize, int outputSize, LinearHead head,
                            FeatureExtractor<IN> features, ResultFunction<IN, K, OUT> results, int maxBatch,
                            long maxDelayMs) implements Serializable {
}
