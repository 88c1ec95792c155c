package org.rnnkernels.flink;

import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Before the shuffle by key: an event the model cannot run (a key of another type, a feature vector
 * of the wrong length or with NaN or infinity) goes to the {@link RecurrentStreams#REJECTED} side
 * output with the reason; the job keeps running. A key of the wrong type must be caught here: past
 * the shuffle the key serializer would fail the job.
 */
final class InputValidator<IN, K> extends ProcessFunction<IN, IN> {
    private static final long serialVersionUID = 1L;

    private final KeySelector<IN, ?> keys;
    private final Class<K> keyClass;
    private final FeatureExtractor<IN> features;
    private final int inputSize;

    InputValidator(KeySelector<IN, ?> keys, Class<K> keyClass, FeatureExtractor<IN> features, int inputSize) {
        this.keys = keys;
        this.keyClass = keyClass;
        this.features = features;
        this.inputSize = inputSize;
    }

    @Override
    public void processElement(IN event, Context context, Collector<IN> out) {
        String reason = reason(event);
        if (reason == null) {
            out.collect(event);
        } else {
            context.output(RecurrentStreams.REJECTED, new Rejected(reason, String.valueOf(event)));
        }
    }

    /** Why {@code event} cannot run, or null when it can. */
    String reason(IN event) {
        if (event == null) {
            return "null event";
        }
        Object key;
        try {
            key = keys.getKey(event);
        } catch (Exception e) {
            return "key selector failed: " + e;
        }
        if (!keyClass.isInstance(key)) {
            return "unknown key type: " + (key == null ? "null key" : key.getClass().getName()) + ", expected " + keyClass.getName();
        }
        float[] x;
        try {
            x = features.features(event);
        } catch (RuntimeException e) {
            return "feature extractor failed: " + e;
        }
        if (x == null) {
            return "no features (null), expected [I=" + inputSize + "]";
        }
        if (x.length != inputSize) {
            return "wrong feature length: " + x.length + ", expected [I=" + inputSize + "]";
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                return "non-finite feature: x[" + i + "] = " + x[i];
            }
        }
        return null;
    }
}
