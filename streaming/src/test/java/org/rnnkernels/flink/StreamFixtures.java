package org.rnnkernels.flink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.train.TorchInit;

/** Events, model files, a plain-library reference and the test sinks of the streaming tests. */
public final class StreamFixtures {
    private StreamFixtures() {
    }

    /** A keyed event: key {@code i % keys}, its {@code seq}-th (i / keys), features drawn from {@code i}. A Flink POJO. */
    public static class TestEvent {
        public long key;
        public long seq;
        public float[] x;

        public TestEvent() {
        }

        TestEvent(long key, long seq, float[] x) {
            this.key = key;
            this.seq = seq;
            this.x = x;
        }

        @Override
        public String toString() {
            return "TestEvent[" + key + "#" + seq + "]";
        }
    }

    /** What the test jobs emit. A Flink POJO. */
    public static class Scored {
        public long key;
        public long seq;
        public float[] y;
        public float score;

        public Scored() {
        }

        Scored(long key, long seq, float[] y, float score) {
            this.key = key;
            this.seq = seq;
            this.y = y;
            this.score = score;
        }

        String id() {
            return key + "#" + seq;
        }
    }

    /** The {@code index}-th event of a stream over {@code keys} keys (round robin). */
    static TestEvent event(long index, int keys, int inputSize) {
        SplittableRandom random = new SplittableRandom(index * 0x9E3779B97F4A7C15L + 17);
        float[] x = new float[inputSize];
        for (int i = 0; i < inputSize; i++) {
            x[i] = (float) (2 * random.nextDouble() - 1);
        }
        return new TestEvent(index % keys, index / keys, x);
    }

    /** A model of {@code layers} layers of {@code cell}, PyTorch's initialisation, saved as a library model file. */
    static Path modelFile(Path dir, CellType cell, int layers, int inputSize, int hiddenSize, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        List<RecurrentLayer> stack = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            stack.add(TorchInit.layer(cell, k == 0 ? inputSize : hiddenSize, hiddenSize, random, Blases.get()));
        }
        Path file = dir.resolve(cell.name().toLowerCase() + "-" + layers + "x" + hiddenSize + "-" + seed + ".safetensors");
        try (RecurrentModel model = RecurrentModel.of(false, stack)) {
            ModelFiles.save(model, file);
        }
        return file;
    }

    /**
     * The outputs of events {@code 0..count-1} computed with the library directly, one key at a time
     * (batch 1): what every job must reproduce. Keyed by {@link Scored#id()}; the row is {@code y}, then the score.
     */
    static Map<String, float[]> reference(Path modelFile, int count, int keys, LinearHead head) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        try (RecurrentModel model = ModelFiles.load(modelFile); ModelState state = model.newState(1)) {
            StateLayout layout = StateLayout.of(model);
            Map<Long, float[]> states = new HashMap<>();
            float[] y = new float[model.outputSize()];
            for (long i = 0; i < count; i++) {
                TestEvent e = event(i, keys, model.inputSize());
                float[] s = states.computeIfAbsent(e.key, k -> new float[layout.length()]);
                for (int k = 0; k < layout.layers(); k++) {
                    int h = layout.hiddenSize(k);
                    state.setHidden(k, 0, Arrays.copyOfRange(s, layout.hiddenOffset(k), layout.hiddenOffset(k) + h));
                    if (layout.hasCellState(k)) {
                        state.setCell(k, 0, Arrays.copyOfRange(s, layout.cellOffset(k), layout.cellOffset(k) + h));
                    }
                }
                model.forward(e.x, 1, null, state, y);
                for (int k = 0; k < layout.layers(); k++) {
                    System.arraycopy(state.hidden(k, 0), 0, s, layout.hiddenOffset(k), layout.hiddenSize(k));
                    if (layout.hasCellState(k)) {
                        System.arraycopy(state.cell(k, 0), 0, s, layout.cellOffset(k), layout.hiddenSize(k));
                    }
                }
                float[] row = Arrays.copyOf(y, y.length + 1);
                row[y.length] = head == null ? Float.NaN : head.score(y, 0);
                out.put(e.key + "#" + e.seq, row);
            }
        }
        return out;
    }

    /** The row a sink keeps for an output: {@code y}, then the score. */
    static float[] row(Scored s) {
        float[] row = Arrays.copyOf(s.y, s.y.length + 1);
        row[s.y.length] = s.score;
        return row;
    }

    /** What an idempotent sink has written: one row per event id; a rewrite with other bits is counted. */
    static final class Store {
        final Map<String, float[]> rows = new ConcurrentHashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger changedRewrites = new AtomicInteger();
        final Map<String, String> threads = new ConcurrentHashMap<>();
    }

    static final Map<String, Store> STORES = new ConcurrentHashMap<>();

    static Store store(String name) {
        return STORES.computeIfAbsent(name, n -> new Store());
    }

    /**
     * An exactly-once sink by idempotence: each output is written under its event's id, so the
     * outputs a restarted job replays (those after the last checkpoint) overwrite themselves, and what
     * the store holds after the job is what an exactly-once delivery would hold.
     */
    record IdempotentSink(String name) implements Sink<Scored> {
        @Override
        public SinkWriter<Scored> createWriter(WriterInitContext context) {
            Store store = store(name);
            return new SinkWriter<>() {
                @Override
                public void write(Scored s, Context c) {
                    float[] row = row(s);
                    float[] before = store.rows.put(s.id(), row);
                    store.writes.incrementAndGet();
                    if (before != null && !Arrays.equals(before, row)) {
                        store.changedRewrites.incrementAndGet();
                    }
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    static final Map<String, ConcurrentLinkedQueue<Object>> LISTS = new ConcurrentHashMap<>();

    static ConcurrentLinkedQueue<Object> list(String name) {
        return LISTS.computeIfAbsent(name, n -> new ConcurrentLinkedQueue<>());
    }

    /** Collects everything into {@link #list(String)}. */
    record ListSink<T>(String name) implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            ConcurrentLinkedQueue<Object> list = list(name);
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context c) {
                    list.add(Objects.requireNonNull(element));
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The largest |a - b| over the rows both maps have (and a check that they have the same ids). */
    static double maxDifference(Map<String, float[]> expected, Map<String, float[]> actual) {
        if (!expected.keySet().equals(actual.keySet())) {
            throw new AssertionError("different events: expected " + expected.size() + ", got " + actual.size());
        }
        double max = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] a = e.getValue();
            float[] b = actual.get(e.getKey());
            if (a.length != b.length) {
                throw new AssertionError(e.getKey() + ": row of " + b.length + ", expected " + a.length);
            }
            for (int i = 0; i < a.length; i++) {
                if (Float.isNaN(a[i]) && Float.isNaN(b[i])) {
                    continue;
                }
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
        }
        return max;
    }
}
