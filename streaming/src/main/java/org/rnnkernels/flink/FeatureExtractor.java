package org.rnnkernels.flink;

import java.io.Serializable;

/** An event's feature vector {@code x [I]}: read, not kept, by the operator (it copies the floats). */
@FunctionalInterface
public interface FeatureExtractor<IN> extends Serializable {
    float[] features(IN event);
}
