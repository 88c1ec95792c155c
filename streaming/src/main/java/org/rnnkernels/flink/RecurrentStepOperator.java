package org.rnnkernels.flink;

import java.util.HashSet;
import java.util.Set;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.rnnkernels.RecurrentModel;

/**
 * The recurrent step over a keyed stream: each key's state ({@code h}, and {@code c} where the cell has
 * one, of every layer) lives in Flink keyed state ({@link RecurrentStateSerializer}); the model is
 * loaded once per parallel task, in {@link #open()}.
 *
 * <p>Micro-batching: events of distinct keys are buffered, up to {@code maxBatch} of them or
 * {@code maxDelayMs} after the first, and run as ONE step of batch {@code n}: each key's state is read
 * with that key made current, the batch stepped, each new state written back under its key again. An
 * event whose key is already in the buffer closes the batch first, so a key's events go in
 * successive batches, in order. The buffer is flushed before every checkpoint barrier (so no event
 * sits outside the snapshot: the snapshot holds exactly the states of the events before the barrier),
 * before every watermark (none overtakes an event it follows) and at the end of input.
 * {@code maxBatch = 1} steps each event as it arrives.
 *
 * <p>A model that does not load fails the task with {@link SuppressRestartsException}: a broken file
 * does not heal on restart, so the restart strategy does not retry it.
 */
final class RecurrentStepOperator<IN, K, OUT> extends AbstractStreamOperator<OUT> implements OneInputStreamOperator<IN, OUT> {
    private static final long serialVersionUID = 1L;
    static final String STATE_NAME = "rnnkernels-recurrent-state";

    private final StepSpec<IN, K, OUT> spec;

    private transient BatchStepper stepper;
    private transient ValueState<float[]> keyStates;
    private transient Object[] keys;
    private transient Object[] events;
    private transient long[] timestamps;
    private transient boolean[] hasTimestamp;
    private transient float[][] stored;
    private transient float[] features;   // [maxBatch][I]
    private transient Set<Object> buffered;
    private transient int count;
    private transient long generation;     // a deadline timer flushes only the buffer it was set for
    private transient Counter batches;
    private transient Counter stepped;

    RecurrentStepOperator(StreamOperatorParameters<OUT> parameters, StepSpec<IN, K, OUT> spec) {
        super(parameters);
        this.spec = spec;
    }

    @Override
    public void open() throws Exception {
        super.open();
        RecurrentModel model;
        try {
            model = spec.model().load();
        } catch (Exception | Error e) {
            throw new SuppressRestartsException(new IllegalStateException(spec.model() + " does not load: " + e.getMessage(), e));
        }
        try {
            stepper = new BatchStepper(model, spec.layout(), spec.maxBatch());
            if (stepper.inputSize() != spec.inputSize() || stepper.outputSize() != spec.outputSize()) {
                throw new IllegalArgumentException("model: input size " + stepper.inputSize() + ", output size " + stepper.outputSize()
                        + "; the job was built for " + spec.inputSize() + " and " + spec.outputSize());
            }
        } catch (IllegalArgumentException e) {
            model.close();
            throw new SuppressRestartsException(new IllegalStateException(spec.model() + " changed since the job was built: "
                    + e.getMessage(), e));
        }
        keyStates = getPartitionedState(new ValueStateDescriptor<>(STATE_NAME, new RecurrentStateSerializer(spec.layout())));
        int max = spec.maxBatch();
        keys = new Object[max];
        events = new Object[max];
        timestamps = new long[max];
        hasTimestamp = new boolean[max];
        stored = new float[max][];
        features = new float[max * spec.inputSize()];
        buffered = new HashSet<>();
        batches = getMetricGroup().counter("rnnBatches");
        stepped = getMetricGroup().counter("rnnSteppedEvents");
    }

    @Override
    public void processElement(StreamRecord<IN> record) throws Exception {
        Object key = getCurrentKey();
        if (buffered.contains(key)) {
            flush();   // this key's earlier event goes first, in a batch of its own
            setCurrentKey(key);
        }
        int b = count;
        keys[b] = key;
        events[b] = record.getValue();
        hasTimestamp[b] = record.hasTimestamp();
        timestamps[b] = record.getTimestamp();
        System.arraycopy(spec.features().features(record.getValue()), 0, features, b * spec.inputSize(), spec.inputSize());
        count = b + 1;
        if (count == spec.maxBatch()) {
            flush();
            return;
        }
        buffered.add(key);
        if (b == 0) {
            long deadlineFor = generation;
            getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + spec.maxDelayMs(),
                    time -> {
                        if (generation == deadlineFor) {
                            flush();
                        }
                    });
        }
    }

    /** Steps every buffered event as one batch and emits their results, in arrival order. */
    @SuppressWarnings("unchecked")
    private void flush() throws Exception {
        int n = count;
        if (n == 0) {
            return;
        }
        BatchStepper.Batch batch = stepper.batch(n);
        System.arraycopy(features, 0, batch.input, 0, n * spec.inputSize());
        for (int b = 0; b < n; b++) {
            setCurrentKey(keys[b]);
            stored[b] = keyStates.value();
            stepper.gather(batch, b, stored[b]);
        }
        stepper.step(batch);
        int width = spec.outputSize();
        LinearHead head = spec.head();
        for (int b = 0; b < n; b++) {
            setCurrentKey(keys[b]);
            float[] state = stored[b] != null ? stored[b] : new float[spec.layout().length()];
            stepper.scatter(batch, b, state);
            keyStates.update(state);
            float[] y = new float[width];
            System.arraycopy(batch.output, b * width, y, 0, width);
            float score = head == null ? Float.NaN : head.score(batch.output, b * width);
            OUT result = spec.results().result((IN) events[b], (K) keys[b], y, score);
            output.collect(hasTimestamp[b] ? new StreamRecord<>(result, timestamps[b]) : new StreamRecord<>(result));
            events[b] = null;
            stored[b] = null;
            keys[b] = null;
        }
        buffered.clear();
        count = 0;
        generation++;
        batches.inc();
        stepped.inc(n);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (stepper != null) {
                stepper.close();
                stepper = null;
            }
        } finally {
            super.close();
        }
    }
}
