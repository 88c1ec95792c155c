package org.rnnkernels.flink.example;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.flink.BatchStepper;
import org.rnnkernels.flink.LinearHead;
import org.rnnkernels.flink.ModelSource;
import org.rnnkernels.flink.RecurrentStreams;
import org.rnnkernels.flink.StateLayout;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.train.TorchInit;

/**
 * The example job: a GRU (H = 128, I = 16, PyTorch's initialisation, written to a model file first)
 * over a generated stream of sensor readings (100,000 sensors, round robin), each sensor's state in
 * Flink's keyed state, a linear head's score per reading, checkpoints every second. Locally it runs on
 * an embedded MiniCluster, prints the throughput as it goes and writes {@code summary.json}; with
 * {@code --cluster} it is a job for {@code flink run}.
 *
 * <p>{@code --bench} measures instead: events per second at parallelism 1 and 2, one step an event
 * and micro-batches of 64, against a plain Java loop over the library on the same events (made
 * before its clock starts; 1 and 2 threads, batch 1 and 64), and writes {@code bench.json} and
 * {@code bench.md}. Locally OpenBLAS runs one thread a call: each task is one core's worth.
 */
public final class KeyedRecurrentJob {
    private KeyedRecurrentJob() {
    }

    /** The options, {@code --name value} each. */
    record Options(int keys, long events, int hidden, int input, int parallelism, int batch, long delayMs, long checkpointMs,
                   Path out, Path model, boolean cluster, boolean bench, double rate) {
        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (!name.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + name + "; see --help");
                }
                boolean flag = name.equals("--cluster") || name.equals("--bench") || name.equals("--help");
                given.put(name.substring(2), flag ? "true" : value(args, ++i, name));
            }
            if (given.containsKey("help")) {
                System.out.println(HELP);
                System.exit(0);
            }
            boolean bench = given.containsKey("bench");
            Options o = new Options(
                    Integer.parseInt(given.getOrDefault("keys", "100000")),
                    Long.parseLong(given.getOrDefault("events", bench ? "400000" : "1000000")),
                    Integer.parseInt(given.getOrDefault("hidden", "128")),
                    Integer.parseInt(given.getOrDefault("input", "16")),
                    Integer.parseInt(given.getOrDefault("parallelism", "2")),
                    Integer.parseInt(given.getOrDefault("batch", "64")),
                    Long.parseLong(given.getOrDefault("delay-ms", "5")),
                    Long.parseLong(given.getOrDefault("checkpoint-ms", "1000")),
                    Path.of(given.getOrDefault("out", "streaming-results")),
                    given.containsKey("model") ? Path.of(given.get("model")) : null,
                    given.containsKey("cluster"), bench,
                    Double.parseDouble(given.getOrDefault("rate", "0")));
            given.keySet().removeAll(List.of("keys", "events", "hidden", "input", "parallelism", "batch", "delay-ms",
                    "checkpoint-ms", "out", "model", "cluster", "bench", "rate"));
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + given.keySet() + "; see --help");
            }
            return o;
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }

    static final String HELP = """
            KeyedRecurrentJob: a GRU over a generated keyed stream on Flink (embedded MiniCluster unless --cluster).
              --keys N           sensors (default 100000)
              --events N         readings (default 1000000; --bench: 400000 a run)
              --hidden H         GRU hidden size (default 128); --input I features (default 16)
              --parallelism P    step tasks (default 2)
              --batch B          micro-batch size, 1 = one step an event (default 64); --delay-ms T its time limit (default 5)
              --checkpoint-ms T  checkpoint interval (default 1000)
              --rate R           readings a second from the source, 0 = as fast as it goes (default 0)
              --model FILE       a model file to use instead of writing one (ModelFiles format, one direction)
              --out DIR          where the model, checkpoints and summary go (default streaming-results)
              --cluster          build the job for the cluster that runs it (flink run), no local MiniCluster
              --bench            the throughput table: parallelism 1 and 2, batch 1 and 64, and the plain loop""";

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Files.createDirectories(o.out());
        if (!o.cluster()) {
            // Each task (and each plain-loop thread) steps its own streams on its own core: OpenBLAS's own
            // threads would spin against them (README, "Threading"). Process-wide, so here, in the application.
            Blases.openBlas().ifPresent(blas -> OpenBlas.setThreads(1));
        }
        Path model = o.model() != null ? o.model() : writeModel(o);
        LinearHead head = head(o.hidden());
        if (o.bench()) {
            bench(o, model, head);
        } else if (o.cluster()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.enableCheckpointing(o.checkpointMs());
            pipeline(env, o, model, head, o.batch());
            env.execute("rnnkernels keyed GRU");
        } else {
            run(o, model, head);
        }
    }

    /** A GRU of PyTorch's initialisation, written as a library model file. */
    static Path writeModel(Options o) throws IOException {
        Path file = o.out().resolve("gru-" + o.input() + "x" + o.hidden() + ".safetensors");
        RecurrentLayer gru = TorchInit.layer(CellType.GRU, o.input(), o.hidden(), new SplittableRandom(2026), Blases.get());
        try (RecurrentModel m = RecurrentModel.of(false, List.of(gru))) {
            ModelFiles.save(m, file);
        }
        System.out.println("model: GRU I=" + o.input() + " H=" + o.hidden() + " written to " + file);
        return file;
    }

    static LinearHead head(int hidden) {
        SplittableRandom random = new SplittableRandom(7);
        float[] w = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            w[i] = (float) ((2 * random.nextDouble() - 1) / Math.sqrt(hidden));
        }
        return LinearHead.of(w, 0f);
    }

    /** Source (one task: each sensor's readings in order) -> validation -> keyed step -> counting sink. */
    static void pipeline(StreamExecutionEnvironment env, Options o, Path model, LinearHead head, int batch) {
        int keys = o.keys();
        int input = o.input();
        DataGeneratorSource<SensorReading> source = new DataGeneratorSource<>(i -> SensorReading.generate(i, keys, input),
                o.events(), o.rate() > 0 ? RateLimiterStrategy.perSecond(o.rate()) : RateLimiterStrategy.noOp(),
                TypeInformation.of(SensorReading.class));
        DataStream<SensorReading> readings = env.fromSource(source, WatermarkStrategy.noWatermarks(), "readings")
                .uid("readings").setParallelism(1);
        RecurrentStreams.Result<SensorScore> r = RecurrentStreams.<SensorReading, Long, SensorScore>of(ModelSource.libraryFile(model))
                .keys(reading -> reading.sensor, Long.class)
                .features(reading -> reading.values)
                .results((reading, sensor, y, score) -> new SensorScore(sensor, reading.seq, score), TypeInformation.of(SensorScore.class))
                .head(head)
                .microBatch(batch, Duration.ofMillis(o.delayMs()))
                .apply(readings);
        r.outputs().sinkTo(new CountingSink()).name("count").uid("count");
        r.rejected().print().name("rejected");
    }

    private static StreamExecutionEnvironment local(Options o, int parallelism, Path checkpoints) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 1);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.enableCheckpointing(o.checkpointMs());
        return env;
    }

    /** What one local run measured. */
    record Run(String name, int parallelism, int batch, long events, double seconds, double eventsPerSecond,
               long checkpointBytes, double checkpointBytesPerKey) {
    }

    /** One local job, its progress printed every second. */
    static Run localJob(Options o, Path model, LinearHead head, int parallelism, int batch, boolean progress) throws Exception {
        Path checkpoints = o.out().resolve("checkpoints-p" + parallelism + "-b" + batch);
        deleteTree(checkpoints);
        StreamExecutionEnvironment env = local(o, parallelism, checkpoints);
        pipeline(env, o, model, head, batch);
        CountingSink.reset();
        if (progress) {
            System.out.println("starting an embedded Flink cluster (MiniCluster) and the job; the JIT warms up in the first seconds");
        }
        long start = System.nanoTime();
        JobClient job = env.executeAsync("rnnkernels keyed GRU p=" + parallelism + " batch=" + batch);
        long lastCount = 0;
        long lastTime = start;
        long checkpointBytes = 0;
        long before = -1;   // the newest checkpoint when every key had a state: only later ones count
        while (!job.getJobExecutionResult().isDone()) {
            Thread.sleep(250);
            long now = System.nanoTime();
            long count = CountingSink.COUNT.sum();
            if (count >= 2L * o.keys()) {   // every key has a state by then (round robin)
                if (before < 0) {
                    before = Math.max(0, newestCheckpoint(checkpoints));
                } else if (newestCheckpoint(checkpoints) > before) {
                    checkpointBytes = Math.max(checkpointBytes, latestCheckpointBytes(checkpoints));
                }
            }
            if (progress && now - lastTime >= 1_000_000_000L) {
                System.out.printf(Locale.ROOT, "%6.1f s  %,12d events  %,10.0f events/s%n", (now - start) / 1e9, count,
                        (count - lastCount) / ((now - lastTime) / 1e9));
                lastCount = count;
                lastTime = now;
            }
        }
        job.getJobExecutionResult().get();
        double seconds = (CountingSink.LAST_NANOS.get() - CountingSink.FIRST_NANOS.get()) / 1e9;
        long events = CountingSink.COUNT.sum();
        if (events != o.events()) {
            throw new IllegalStateException("the job emitted " + events + " scores for " + o.events() + " events");
        }
        return new Run("flink", parallelism, batch, events, seconds, events / seconds, checkpointBytes,
                checkpointBytes == 0 ? Double.NaN : (double) checkpointBytes / o.keys());
    }

    /** The newest complete checkpoint under {@code dir} (the folder of its {@code _metadata}), or null. */
    private static Path newestCheckpointFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .max((a, b) -> Long.compare(checkpointNumber(a), checkpointNumber(b)))
                    .orElse(null);
        } catch (IOException | UncheckedIOException e) {
            return null;   // a folder removed while walking (a newer checkpoint replaced it): the next poll sees it
        }
    }

    /** The number of the newest complete checkpoint, -1 while there is none. */
    static long newestCheckpoint(Path dir) {
        Path newest = newestCheckpointFolder(dir);
        return newest == null ? -1 : checkpointNumber(newest);
    }

    /** Bytes of the newest complete checkpoint under {@code dir} (0 while there is none). */
    static long latestCheckpointBytes(Path dir) {
        Path newest = newestCheckpointFolder(dir);
        if (newest == null) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(newest)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;   // removed meanwhile (a newer checkpoint replaced it)
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static long checkpointNumber(Path chk) {
        String name = chk.getFileName().toString();
        return name.startsWith("chk-") ? Long.parseLong(name.substring(4)) : -1;
    }

    static void run(Options o, Path model, LinearHead head) throws Exception {
        System.out.printf(Locale.ROOT, "job: %,d readings of %,d sensors, parallelism %d, %s, checkpoints every %d ms%n",
                o.events(), o.keys(), o.parallelism(),
                o.batch() == 1 ? "one step a reading" : "micro-batches of " + o.batch() + " within " + o.delayMs() + " ms",
                o.checkpointMs());
        Run r = localJob(o, model, head, o.parallelism(), o.batch(), true);
        String summary = String.format(Locale.ROOT, """
                {
                  "model": "%s", "cell": "GRU", "input": %d, "hidden": %d,
                  "keys": %d, "events": %d, "parallelism": %d, "batch": %d, "delayMs": %d, "checkpointMs": %d,
                  "seconds": %.3f, "eventsPerSecond": %.0f,
                  "checkpointBytes": %d, "checkpointBytesPerKey": %.1f, "stateBytesPerKey": %d
                }
                """, model, o.input(), o.hidden(), o.keys(), r.events(), r.parallelism(), r.batch(), o.delayMs(), o.checkpointMs(),
                r.seconds(), r.eventsPerSecond(), r.checkpointBytes(), r.checkpointBytesPerKey(), stateBytes(o));
        Files.writeString(o.out().resolve("summary.json"), summary, StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "done: %,d events in %.2f s: %,.0f events/s; checkpoint %,d bytes = %.1f bytes a key"
                        + " (state %d bytes a key); summary in %s%n", r.events(), r.seconds(), r.eventsPerSecond(), r.checkpointBytes(),
                r.checkpointBytesPerKey(), stateBytes(o), o.out().resolve("summary.json"));
    }

    /** A key's state as the serializer writes it: 4 bytes a float of h (a GRU has no c). */
    private static int stateBytes(Options o) {
        return 4 * o.hidden();
    }

    /** The readings, made before the clock starts: the plain loop times the library and its state map alone. */
    record Readings(long[] sensors, float[] values) {
        static Readings generate(Options o) {
            long[] sensors = new long[Math.toIntExact(o.events())];
            float[] values = new float[sensors.length * o.input()];
            for (int i = 0; i < sensors.length; i++) {
                SensorReading r = SensorReading.generate(i, o.keys(), o.input());
                sensors[i] = r.sensor;
                System.arraycopy(r.values, 0, values, i * o.input(), o.input());
            }
            return new Readings(sensors, values);
        }
    }

    /**
     * The same events through the library in a plain Java loop: per-key states in a HashMap, batches of
     * {@code batch} consecutive readings (distinct sensors, round robin), {@code threads} threads each
     * taking the sensors of its residue (thread t: readings t, t + threads, ...).
     */
    static Run plainLoop(Options o, Readings readings, Path model, LinearHead head, int threads, int batch) throws Exception {
        if (o.keys() % threads != 0) {
            throw new IllegalArgumentException("--keys must be a multiple of the threads (" + threads + ")");
        }
        List<Thread> workers = new ArrayList<>();
        long[] checksum = new long[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                try {
                    checksum[thread] = plainLoopThread(o, readings, model, head, thread, threads, batch);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Run("plain Java loop, " + threads + " thread" + (threads == 1 ? "" : "s"), threads, batch, o.events(), seconds,
                o.events() / seconds, 0, Double.NaN);
    }

    private static long plainLoopThread(Options o, Readings readings, Path model, LinearHead head, int thread, int threads, int batch)
            throws IOException {
        RecurrentModel m = ModelFiles.load(model);
        StateLayout layout = StateLayout.of(m);
        Map<Long, float[]> states = new java.util.HashMap<>(2 * o.keys() / threads);
        long bits = 0;
        int width = m.outputSize();
        try (BatchStepper stepper = new BatchStepper(m, layout, batch)) {
            long[] sensors = new long[batch];
            for (long first = thread; first < o.events(); first += (long) batch * threads) {
                int n = (int) Math.min(batch, (o.events() - first + threads - 1) / threads);
                BatchStepper.Batch b = stepper.batch(n);
                for (int r = 0; r < n; r++) {
                    int index = Math.toIntExact(first + (long) r * threads);
                    sensors[r] = readings.sensors()[index];
                    System.arraycopy(readings.values(), index * o.input(), b.input, r * o.input(), o.input());
                    stepper.gather(b, r, states.get(sensors[r]));
                }
                stepper.step(b);
                for (int r = 0; r < n; r++) {
                    float[] s = states.computeIfAbsent(sensors[r], k -> new float[layout.length()]);
                    stepper.scatter(b, r, s);
                    bits += Float.floatToRawIntBits(head.score(b.output, r * width));
                }
            }
        }
        return bits;
    }

    /** The machine, for the table's caption: CPU model, cores, vector width, BLAS, JDK, load average. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: the model stays unknown
        }
        return String.format(Locale.ROOT, "%s, %d cores, %d-bit vectors, BLAS %s, JDK %s, load average %s", cpu,
                Runtime.getRuntime().availableProcessors(), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                Blases.get().info(), Runtime.version(), loadAverage());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static void bench(Options o, Path model, LinearHead head) throws Exception {
        String machineBefore = machine();
        System.out.println("machine: " + machineBefore);
        List<Run> runs = new ArrayList<>();
        // Warm-up: the JIT compiles the kernels and Flink's paths once before anything is timed.
        Options warm = new Options(o.keys(), Math.min(o.events(), 100_000), o.hidden(), o.input(), 1, 64, o.delayMs(),
                o.checkpointMs(), o.out(), model, false, true, 0);
        plainLoop(warm, Readings.generate(warm), model, head, 1, 64);
        localJob(warm, model, head, 1, 64, false);
        Readings readings = Readings.generate(o);
        for (int threads : new int[] {1, 2}) {
            for (int batch : new int[] {1, o.batch()}) {
                Run r = plainLoop(o, readings, model, head, threads, batch);
                System.out.printf(Locale.ROOT, "%-28s batch %3d: %,10.0f events/s%n", r.name(), batch, r.eventsPerSecond());
                runs.add(r);
            }
        }
        for (int parallelism : new int[] {1, 2}) {
            for (int batch : new int[] {1, o.batch()}) {
                Run r = localJob(o, model, head, parallelism, batch, false);
                System.out.printf(Locale.ROOT, "flink, parallelism %d         batch %3d: %,10.0f events/s, checkpoint %.1f bytes a key%n",
                        parallelism, batch, r.eventsPerSecond(), r.checkpointBytesPerKey());
                runs.add(r);
            }
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "GRU I=%d H=%d, %,d keys, %,d events a run, checkpoints every %d ms, micro-batch time limit %d ms%n"
                        + "machine: %s; load average at the end %s%n%n"
                        + "| run | parallelism / threads | batch | events/s | checkpoint bytes a key |%n|---|---|---|---|---|%n",
                o.input(), o.hidden(), o.keys(), o.events(), o.checkpointMs(), o.delayMs(), machineBefore, loadAverage()));
        StringBuilder json = new StringBuilder("[\n");
        for (Run r : runs) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %,.0f | %s |%n", r.name(), r.parallelism(), r.batch(),
                    r.eventsPerSecond(), Double.isNaN(r.checkpointBytesPerKey()) ? "" : String.format(Locale.ROOT, "%.1f",
                            r.checkpointBytesPerKey())));
            json.append(String.format(Locale.ROOT, "  {\"run\": \"%s\", \"parallelism\": %d, \"batch\": %d, \"events\": %d,"
                            + " \"seconds\": %.3f, \"eventsPerSecond\": %.0f, \"checkpointBytesPerKey\": %s}%s%n", r.name(),
                    r.parallelism(), r.batch(), r.events(), r.seconds(), r.eventsPerSecond(),
                    Double.isNaN(r.checkpointBytesPerKey()) ? "null" : String.format(Locale.ROOT, "%.1f", r.checkpointBytesPerKey()),
                    r == runs.get(runs.size() - 1) ? "" : ","));
        }
        json.append("]\n");
        Files.writeString(o.out().resolve("bench.md"), md, StandardCharsets.UTF_8);
        Files.writeString(o.out().resolve("bench.json"), json, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(md);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
