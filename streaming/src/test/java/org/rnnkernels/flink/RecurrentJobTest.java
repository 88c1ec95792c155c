package org.rnnkernels.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.flink.StreamFixtures.Scored;
import org.rnnkernels.flink.StreamFixtures.TestEvent;
import org.rnnkernels.io.ModelFiles;

/**
 * Jobs on Flink's MiniCluster (one TaskManager, two slots): exactly once through a failure, a
 * savepoint rescaled from 1 to 2 tasks, micro-batch composition and order, the time limit, bad
 * input and a model that does not load. Small models and few keys: each job takes about a second.
 */
public class RecurrentJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final int INPUT = 4;
    private static final int HIDDEN = 6;
    private static final LinearHead HEAD = LinearHead.of(new float[] {0.5f, -0.25f, 1f, 0.75f, -1f, 0.125f}, 0.2f);

    @TempDir
    Path dir;

    // --- what the operator thread did, seen through the test's functions ------------------------

    /** One call of the test's feature extractor or result function inside the step operator. */
    record Call(boolean result, long key, long seq, long nanos, String thread) {
    }

    static final Map<String, ConcurrentLinkedQueue<Call>> CALLS = new ConcurrentHashMap<>();

    private static boolean inStepOperator() {
        return Thread.currentThread().getName().contains("rnnkernels step");
    }

    /** The features, logging the calls made by the step operator (the validator's are upstream, elsewhere). */
    private static FeatureExtractor<TestEvent> features(String log) {
        return e -> {
            if (inStepOperator()) {
                CALLS.computeIfAbsent(log, n -> new ConcurrentLinkedQueue<>())
                        .add(new Call(false, e.key, e.seq, System.nanoTime(), Thread.currentThread().getName()));
            }
            return e.x;
        };
    }

    private static ResultFunction<TestEvent, Long, Scored> results(String log) {
        return (e, key, y, score) -> {
            CALLS.computeIfAbsent(log, n -> new ConcurrentLinkedQueue<>())
                    .add(new Call(true, key, e.seq, System.nanoTime(), Thread.currentThread().getName()));
            return new Scored(key, e.seq, y, score);
        };
    }

    /**
     * The batches the operator formed, per task: the operator reads an event's features when it
     * buffers it and calls the result function for the whole batch after the step, so each run of
     * result calls of one task is one batch.
     */
    private static List<List<Call>> batches(String log) {
        Map<String, List<List<Call>>> perTask = new HashMap<>();
        Map<String, Boolean> lastWasResult = new HashMap<>();
        for (Call c : CALLS.getOrDefault(log, new ConcurrentLinkedQueue<>())) {
            List<List<Call>> task = perTask.computeIfAbsent(c.thread(), t -> new ArrayList<>());
            if (c.result()) {
                if (!lastWasResult.getOrDefault(c.thread(), false)) {
                    task.add(new ArrayList<>());
                }
                task.get(task.size() - 1).add(c);
            }
            lastWasResult.put(c.thread(), c.result());
        }
        List<List<Call>> all = new ArrayList<>();
        perTask.values().forEach(all::addAll);
        return all;
    }

    // --- jobs ----------------------------------------------------------------------------------

    private static StreamExecutionEnvironment environment(int parallelism, Configuration extra) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        conf.addAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.setMaxParallelism(128);
        return env;
    }

    /** Events {@code first..first+count-1} at {@code perSecond}, one source task (so each key's events arrive in order). */
    private static DataStream<TestEvent> events(StreamExecutionEnvironment env, long first, long count, int keys,
                                                double perSecond, String uid) {
        DataGeneratorSource<TestEvent> source = new DataGeneratorSource<>(i -> StreamFixtures.event(first + i, keys, INPUT), count,
                RateLimiterStrategy.perSecond(perSecond), TypeInformation.of(TestEvent.class));
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "events " + uid).uid(uid).setParallelism(1);
    }

    private static RecurrentStreams.Result<Scored> recurrent(Path model, DataStream<TestEvent> events, String log, int maxBatch,
                                                             Duration maxDelay) {
        return RecurrentStreams.<TestEvent, Long, Scored>of(ModelSource.libraryFile(model))
                .keys(e -> e.key, Long.class)
                .features(features(log))
                .results(results(log), TypeInformation.of(Scored.class))
                .head(HEAD)
                .microBatch(maxBatch, maxDelay)
                .apply(events);
    }

    /**
     * Throws once, after {@code after} records, at least one completed checkpoint (so the restart
     * restores state) and 100 records past the last one (so the restart replays events).
     */
    static final class FailOnce extends RichMapFunction<TestEvent, TestEvent> implements CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final Set<String> FAILED = ConcurrentHashMap.newKeySet();
        private final String name;
        private final long after;
        private transient long seen;
        private transient boolean checkpointed;
        private transient long sinceCheckpoint;

        FailOnce(String name, long after) {
            this.name = name;
            this.after = after;
        }

        @Override
        public TestEvent map(TestEvent e) {
            seen++;
            sinceCheckpoint++;
            if (checkpointed && sinceCheckpoint >= 100 && seen >= after && FAILED.add(name)) {
                throw new IllegalStateException("injected failure after " + seen + " records");
            }
            return e;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointed = true;
            sinceCheckpoint = 0;
        }
    }

    /** Runs the job over {@code count} events (failing once mid-stream when asked) into an idempotent store. */
    private StreamFixtures.Store exactlyOnceRun(String name, Path model, boolean fail, int count, int keys, int maxBatch,
                                                Duration maxDelay) throws Exception {
        StreamExecutionEnvironment env = environment(2, new Configuration());
        env.enableCheckpointing(100);
        env.setBufferTimeout(2);   // records cross the shuffle within 2 ms, not when a buffer fills or after 100 ms
        DataStream<TestEvent> events = events(env, 0, count, keys, 4000, "source");
        if (fail) {
            events = events.map(new FailOnce(name, count / 2)).setParallelism(1).name("fail once");
        }
        recurrent(model, events, name, maxBatch, maxDelay).outputs().sinkTo(new StreamFixtures.IdempotentSink(name)).name("store");
        env.execute(name);
        return StreamFixtures.store(name);
    }

    private void exactlyOnce(String name, int maxBatch, Duration maxDelay, double tolerance) throws Exception {
        int count = 4000;
        int keys = 40;
        Path model = StreamFixtures.modelFile(dir, CellType.LSTM, 2, INPUT, HIDDEN, 5);
        StreamFixtures.Store clean = exactlyOnceRun(name + "-clean", model, false, count, keys, maxBatch, maxDelay);
        StreamFixtures.Store failed = exactlyOnceRun(name + "-failed", model, true, count, keys, maxBatch, maxDelay);

        assertTrue(FailOnce.FAILED.contains(name + "-failed"), "the failure was injected");
        // The step operator saw some events twice (replayed after the checkpoint), not all that came before the failure.
        long stepped = CALLS.get(name + "-failed").stream().filter(c -> !c.result()).count();
        assertTrue(stepped > count && stepped < count + count / 4, "the restart resumed from a checkpoint mid-stream: "
                + stepped + " events buffered for " + count);
        assertEquals(count, clean.rows.size());
        assertEquals(count, failed.rows.size());
        double d = StreamFixtures.maxDifference(clean.rows, failed.rows);
        assertTrue(d <= tolerance, name + ": the run through a failure differs from the clean run by " + d);
        double reference = StreamFixtures.maxDifference(StreamFixtures.reference(model, count, keys, HEAD), failed.rows);
        assertTrue(reference <= 1e-5, name + ": against the library's per-key steps " + reference);
        if (maxBatch > 1) {
            assertTrue(batches(name + "-clean").stream().anyMatch(b -> b.size() > 1), "micro-batches formed");
        } else {
            assertTrue(batches(name + "-clean").stream().allMatch(b -> b.size() == 1), "one step an event");
        }
    }

    /** Bit for bit needs the Java GEMM (this module's test JVM, see its pom): with OpenBLAS, float rounding. */
    private static double bitForBit() {
        return Blases.get() instanceof OpenBlas ? 1e-6 : 0.0;
    }

    @Test
    void exactlyOnceThroughAFailureWithBatchesFormedByCount() throws Exception {
        // Batches close at 8 events (or a repeated key, a checkpoint barrier, the end); never by time.
        exactlyOnce("count", 8, Duration.ofMinutes(10), bitForBit());
    }

    @Test
    void exactlyOnceThroughAFailureWithBatchesFormedByTime() throws Exception {
        exactlyOnce("timer", 1000, Duration.ofMillis(3), 1e-6);
    }

    @Test
    void exactlyOnceThroughAFailureOneStepAnEvent() throws Exception {
        exactlyOnce("single", 1, null, 0.0);   // batch 1: every call has the same shape
    }

    @Test
    void batchesHoldDistinctKeysAndEachKeyInOrder() throws Exception {
        int count = 600;
        int keys = 5;   // a window of 16 events sees every key three times: batches must split
        Path model = StreamFixtures.modelFile(dir, CellType.GRU, 1, INPUT, HIDDEN, 3);
        StreamExecutionEnvironment env = environment(2, new Configuration());
        recurrent(model, events(env, 0, count, keys, 1e6, "source"), "order", 16, Duration.ofMinutes(10))
                .outputs().sinkTo(new StreamFixtures.IdempotentSink("order"));
        env.execute("order");

        List<List<Call>> batches = batches("order");
        assertEquals(count, batches.stream().mapToInt(List::size).sum());
        Map<Long, Long> next = new HashMap<>();
        for (List<Call> batch : batches) {
            Set<Long> seen = new HashSet<>();
            for (Call c : batch) {
                assertTrue(seen.add(c.key()), "key " + c.key() + " twice in one batch: " + batch);
                assertEquals(next.getOrDefault(c.key(), 0L), c.seq(), "key " + c.key() + " out of order");
                next.put(c.key(), c.seq() + 1);
            }
        }
        assertTrue(batches.stream().anyMatch(b -> b.size() > 1), "some batch has several keys");
        double d = StreamFixtures.maxDifference(StreamFixtures.reference(model, count, keys, HEAD),
                StreamFixtures.store("order").rows);
        assertTrue(d <= 1e-5, "against the library's per-key steps: " + d);
    }

    @Test
    void noEventWaitsLongerThanTheTimeLimit() throws Exception {
        // 60 events at 100 a second into batches of up to 1000: only the 25 ms deadline closes them.
        Path model = StreamFixtures.modelFile(dir, CellType.GRU, 1, INPUT, HIDDEN, 4);
        StreamExecutionEnvironment env = environment(1, new Configuration());
        recurrent(model, events(env, 0, 60, 7, 100, "source"), "deadline", 1000, Duration.ofMillis(25))
                .outputs().sinkTo(new StreamFixtures.IdempotentSink("deadline"));
        env.execute("deadline");

        Map<String, Long> buffered = new HashMap<>();
        long worstMs = 0;
        for (Call c : CALLS.get("deadline")) {
            String id = c.key() + "#" + c.seq();
            if (!c.result()) {
                buffered.put(id, c.nanos());
            } else {
                worstMs = Math.max(worstMs, TimeUnit.NANOSECONDS.toMillis(c.nanos() - buffered.get(id)));
            }
        }
        assertEquals(60, StreamFixtures.store("deadline").rows.size());
        assertTrue(batches("deadline").size() >= 10, "the deadline closed batches: " + batches("deadline").size());
        // 25 ms plus the scheduler's and this shared machine's delays; the end of input would be ~600 ms.
        assertTrue(worstMs < 300, "an event waited " + worstMs + " ms");
    }

    @Test
    void savepointAtParallelismOneRestoresAtTwoAndEveryKeyContinues() throws Exception {
        int keys = 30;
        int first = 1500;
        int count = 3000;
        Path model = StreamFixtures.modelFile(dir, CellType.GRU, 2, INPUT, HIDDEN, 9);

        // Job 1, one task: an endless source of which the first `first` events pass.
        StreamExecutionEnvironment env1 = environment(1, new Configuration());
        DataStream<TestEvent> live = events(env1, 0, Long.MAX_VALUE, keys, 5000, "source-live")
                .filter(e -> e.key + e.seq * keys < first).uid("gate");
        recurrent(model, live, "save", 4, Duration.ofMillis(5)).outputs()
                .sinkTo(new StreamFixtures.IdempotentSink("rescale")).uid("store");
        JobClient job = env1.executeAsync("before the savepoint");
        StreamFixtures.Store store = StreamFixtures.store("rescale");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (store.rows.size() < first) {
            assertTrue(System.nanoTime() < deadline, "job 1 produced " + store.rows.size() + " of " + first);
            Thread.sleep(20);
        }
        String savepoint = job.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);

        // Job 2, two tasks, from the savepoint: the rest of the stream.
        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);   // job 1's source and gate
        StreamExecutionEnvironment env2 = environment(2, restore);
        recurrent(model, events(env2, first, count - first, keys, 1e6, "source-rest"), "restored", 4, Duration.ofMillis(5))
                .outputs().sinkTo(new StreamFixtures.IdempotentSink("rescale")).uid("store");
        env2.execute("after the savepoint");

        Set<String> tasks = new HashSet<>();
        CALLS.get("restored").forEach(c -> tasks.add(c.thread().replaceAll(".*\\((\\d+/\\d+)\\).*", "$1")));
        assertEquals(Set.of("1/2", "2/2"), tasks, "both tasks of job 2 ran keys");
        // Every key's outputs after the savepoint continue its state: the whole stream matches one uninterrupted run.
        double d = StreamFixtures.maxDifference(StreamFixtures.reference(model, count, keys, HEAD), store.rows);
        assertTrue(d <= 1e-5, "against the library's per-key steps: " + d);
    }

    /** A flaky ModelSource: loads on the client, then never again. */
    record LoadsOnce(String file) implements ModelSource {
        static final AtomicInteger LOADS = new AtomicInteger();

        @Override
        public RecurrentModel load() throws IOException {
            if (LOADS.incrementAndGet() > 1) {
                throw new IOException("model file gone");
            }
            return ModelFiles.load(Path.of(file));
        }
    }

    @Test
    void aModelThatDoesNotLoadFailsTheJobOnceWithoutRestarts() throws Exception {
        Path model = StreamFixtures.modelFile(dir, CellType.GRU, 1, INPUT, HIDDEN, 2);
        StreamExecutionEnvironment env = environment(1, new Configuration());
        RecurrentStreams.<TestEvent, Long, Scored>of(new LoadsOnce(model.toString()))
                .keys(e -> e.key, Long.class)
                .features(e -> e.x)
                .results((e, key, y, score) -> new Scored(key, e.seq, y, score), TypeInformation.of(Scored.class))
                .apply(events(env, 0, 100, 3, 1e6, "source"))
                .outputs().sinkTo(new StreamFixtures.IdempotentSink("no model"));
        Exception e = assertThrows(Exception.class, () -> env.execute("no model"));
        assertEquals(2, LoadsOnce.LOADS.get(), "the client's load and one task's: no restart retried it");
        boolean suppressed = false;
        boolean message = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            suppressed |= t instanceof SuppressRestartsException;
            message |= String.valueOf(t.getMessage()).contains("model file gone");
        }
        assertTrue(suppressed && message, "failure: " + e);
    }

    @Test
    void aModelFileThatDoesNotLoadFailsBeforeTheJobIsSubmitted() throws IOException {
        StreamExecutionEnvironment env = environment(1, new Configuration());
        Path garbage = Files.write(dir.resolve("garbage.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        for (Path file : new Path[] {dir.resolve("missing.safetensors"), garbage}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    RecurrentStreams.<TestEvent, Long, Scored>of(ModelSource.libraryFile(file))
                            .keys(ev -> ev.key, Long.class)
                            .features(ev -> ev.x)
                            .results((ev, key, y, score) -> new Scored(key, ev.seq, y, score), TypeInformation.of(Scored.class))
                            .apply(events(env, 0, 10, 1, 1e6, "source")));
            assertTrue(e.getMessage().startsWith("model: model file " + file.toAbsolutePath() + " does not load: "), e.getMessage());
            assertFalse(e.getMessage().endsWith("does not load: null"), e.getMessage());
        }
    }

    /** An event of any key: the key of a bad-input test. A Flink POJO (its key a generic field). */
    public static class LooseEvent {
        public Object key;
        public float[] x;

        public LooseEvent() {
        }

        LooseEvent(Object key, float... x) {
            this.key = key;
            this.x = x;
        }

        @Override
        public String toString() {
            return "LooseEvent[" + key + "]";
        }
    }

    @Test
    void badEventsGoToTheSideOutputWithTheReasonAndTheJobRuns() throws Exception {
        Path model = StreamFixtures.modelFile(dir, CellType.GRU, 1, INPUT, HIDDEN, 6);
        StreamExecutionEnvironment env = environment(1, new Configuration());
        List<LooseEvent> input = List.of(
                new LooseEvent(1L, 0.1f, 0.2f, 0.3f, 0.4f),
                new LooseEvent(1L, 0.1f, 0.2f, 0.3f),
                new LooseEvent(2L, 0.1f, Float.NaN, 0.3f, 0.4f),
                new LooseEvent(2L, 0.1f, 0.2f, Float.POSITIVE_INFINITY, 0.4f),
                new LooseEvent("sensor-3", 0.1f, 0.2f, 0.3f, 0.4f),
                new LooseEvent(null, 0.1f, 0.2f, 0.3f, 0.4f),
                new LooseEvent(4L, (float[]) null),
                new LooseEvent(1L, 0.5f, 0.6f, 0.7f, 0.8f));
        RecurrentStreams.Result<String> r = RecurrentStreams.<LooseEvent, Long, String>of(ModelSource.libraryFile(model))
                .keys(e -> e.key, Long.class)
                .features(e -> e.x)
                .results((e, key, y, score) -> key + ":" + y.length, TypeInformation.of(String.class))
                .apply(env.fromData(input, TypeInformation.of(LooseEvent.class)));
        r.outputs().sinkTo(new StreamFixtures.ListSink<>("bad-out"));
        r.rejected().sinkTo(new StreamFixtures.ListSink<>("bad-rejected"));
        env.execute("bad input");

        assertEquals(List.of("1:6", "1:6"), new ArrayList<>(StreamFixtures.list("bad-out")));
        List<String> reasons = new ArrayList<>();
        StreamFixtures.list("bad-rejected").forEach(o -> reasons.add(((Rejected) o).reason));
        assertEquals(List.of(
                "wrong feature length: 3, expected [I=4]",
                "non-finite feature: x[1] = NaN",
                "non-finite feature: x[2] = Infinity",
                "unknown key type: java.lang.String, expected java.lang.Long",
                "unknown key type: null key, expected java.lang.Long",
                "no features (null), expected [I=4]"), reasons);
        assertEquals("LooseEvent[sensor-3]", ((Rejected) new ArrayList<>(StreamFixtures.list("bad-rejected")).get(3)).event);
    }
}
