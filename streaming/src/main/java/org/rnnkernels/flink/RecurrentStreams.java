package org.rnnkernels.flink;

import java.time.Duration;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;
import org.rnnkernels.RecurrentModel;

/**
 * A recurrent model over a keyed stream on Apache Flink: each key is one stream of the model (its
 * state in Flink's keyed state, checkpointed and rescaled with the job), each event one step.
 * <pre>{@code
 * RecurrentStreams.Result<Scored> r = RecurrentStreams.<Reading, Long, Scored>of(ModelSource.libraryFile(path))
 *         .keys(reading -> reading.sensor, Long.class)
 *         .features(reading -> reading.values)
 *         .results((reading, sensor, y, score) -> new Scored(sensor, reading.time, score), TypeInformation.of(Scored.class))
 *         .head(LinearHead.of(w, b))                  // optional
 *         .microBatch(64, Duration.ofMillis(5))      // optional: one batched step for up to 64 keys
 *         .apply(readings);
 * r.outputs() ...; r.rejected() ...;                 // the events that could not run, with the reason
 * }</pre>
 */
public final class RecurrentStreams {
    /** The side output of events that did not run, with the reason. */
    public static final OutputTag<Rejected> REJECTED = new OutputTag<>("rnnkernels-rejected", TypeInformation.of(Rejected.class));

    private RecurrentStreams() {
    }

    /** A job over the model {@code model} loads (on the client when built, to check it; then once per parallel task). */
    public static <IN, K, OUT> Builder<IN, K, OUT> of(ModelSource model) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        return new Builder<>(model);
    }

    /** The job's outputs and its rejected events. */
    public record Result<OUT>(SingleOutputStreamOperator<OUT> outputs, DataStream<Rejected> rejected) {
    }

    /** Says what the events are and what to emit; {@link #apply} builds the pipeline. */
    public static final class Builder<IN, K, OUT> {
        private final ModelSource model;
        private KeySelector<IN, ?> keys;
        private Class<K> keyClass;
        private FeatureExtractor<IN> features;
        private ResultFunction<IN, K, OUT> results;
        private TypeInformation<OUT> resultType;
        private LinearHead head;
        private int maxBatch = 1;
        private long maxDelayMs;
        private String uid = "rnnkernels";

        private Builder(ModelSource model) {
            this.model = model;
        }

        /**
         * The key of an event, and its class: an event whose key is null or of another class is
         * rejected ("unknown key type"), before the shuffle.
         */
        public Builder<IN, K, OUT> keys(KeySelector<IN, ?> selector, Class<K> type) {
            this.keys = requireArgument("selector", selector);
            this.keyClass = requireArgument("type", type);
            return this;
        }

        /** The event's feature vector {@code x [I]}. */
        public Builder<IN, K, OUT> features(FeatureExtractor<IN> extractor) {
            this.features = requireArgument("extractor", extractor);
            return this;
        }

        /** What to emit for each event, and its type. */
        public Builder<IN, K, OUT> results(ResultFunction<IN, K, OUT> function, TypeInformation<OUT> type) {
            this.results = requireArgument("function", function);
            this.resultType = requireArgument("type", type);
            return this;
        }

        /** A linear head on the output row; its score goes to the {@link ResultFunction} (NaN without one). */
        public Builder<IN, K, OUT> head(LinearHead linearHead) {
            this.head = linearHead;
            return this;
        }

        /**
         * Micro-batching: up to {@code maxBatch} events of distinct keys in one batched step, none held
         * longer than {@code maxDelay} (processing time). {@code maxBatch = 1}: each event steps on arrival.
         */
        public Builder<IN, K, OUT> microBatch(int maxBatch, Duration maxDelay) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch = " + maxBatch + ", expected >= 1");
            }
            if (maxBatch > 1 && (maxDelay == null || maxDelay.isNegative() || maxDelay.isZero())) {
                throw new IllegalArgumentException("maxDelay = " + maxDelay + ", expected > 0 when maxBatch > 1 (an event must not"
                        + " wait for a batch that never fills)");
            }
            this.maxBatch = maxBatch;
            this.maxDelayMs = maxBatch == 1 ? 0 : Math.max(1, maxDelay.toMillis());
            return this;
        }

        /** The prefix of the operators' uids (default "rnnkernels"): keep it to restore a savepoint into a changed job. */
        public Builder<IN, K, OUT> uid(String prefix) {
            this.uid = requireArgument("prefix", prefix);
            return this;
        }

        /**
         * Loads the model here, on the client, so that a file that does not load fails the job before it
         * is submitted, with the library's message; then adds the validation and the keyed step to
         * {@code events}' job.
         *
         * @throws IllegalArgumentException when the model does not load, is bidirectional, or the head does not fit it
         */
        public Result<OUT> apply(DataStream<IN> events) {
            requireArgument("events", events);
            if (keys == null || features == null || results == null) {
                throw new IllegalStateException("keys, features and results must be set before apply (missing: "
                        + (keys == null ? "keys " : "") + (features == null ? "features " : "") + (results == null ? "results" : "").trim() + ")");
            }
            StateLayout layout;
            int inputSize;
            int outputSize;
            try (RecurrentModel loaded = model.load()) {
                layout = StateLayout.of(loaded);
                inputSize = loaded.inputSize();
                outputSize = loaded.outputSize();
            } catch (java.io.IOException | RuntimeException e) {
                throw new IllegalArgumentException("model: " + model + " does not load: " + e.getMessage(), e);
            }
            if (head != null && head.inputSize() != outputSize) {
                throw new IllegalArgumentException("head reads " + head.inputSize() + " features, the model's output row has [D*H="
                        + outputSize + "]");
            }
            StepSpec<IN, K, OUT> spec = new StepSpec<>(model, layout, inputSize, outputSize, head, features, results, maxBatch,
                    maxDelayMs);
            SingleOutputStreamOperator<IN> valid = events
                    .process(new InputValidator<>(keys, keyClass, features, inputSize), events.getType())
                    .name("rnnkernels validate").uid(uid + "-validate")
                    // at the events' parallelism, so it chains to them: a rebalance here would interleave a key's events
                    .setParallelism(events.getParallelism());
            SingleOutputStreamOperator<OUT> outputs = valid
                    .keyBy(new CastingKeySelector<>(keys, keyClass), TypeInformation.of(keyClass))
                    .transform("rnnkernels step" + (maxBatch > 1 ? " (batches of " + maxBatch + ", " + maxDelayMs + " ms)" : ""),
                            resultType, new RecurrentStepOperatorFactory<>(spec))
                    .uid(uid + "-step");
            return new Result<>(outputs, valid.getSideOutput(REJECTED));
        }

        private static <T> T requireArgument(String name, T value) {
            if (value == null) {
                throw new IllegalArgumentException(name + " is null");
            }
            return value;
        }
    }

    /** The user's selector, its result cast to the key class (the validator has rejected other types). */
    private record CastingKeySelector<IN, K>(KeySelector<IN, ?> selector, Class<K> type) implements KeySelector<IN, K> {
        @Override
        public K getKey(IN event) throws Exception {
            return type.cast(selector.getKey(event));
        }
    }
}
