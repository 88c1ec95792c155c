package org.rnnkernels.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.BlasInfo;
import org.rnnkernels.blas.OpenBlas;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * How long a concurrently allocating thread waits while another thread runs the large BLAS calls of a
 * training step (docs/gc-stall.md has the command and the results).
 *
 * <p>A downcall linked {@link Linker.Option#critical(boolean) critical} makes no thread-state transition:
 * for the whole native call its thread stays "in Java", so a safepoint (every stop-the-world GC pause,
 * G1's and ZGC's alike) cannot begin until the call returns, and every other thread that needs one (an
 * allocation that finds eden full) waits that long. A plain downcall moves its thread to "in native",
 * where a safepoint does not wait for it; but it cannot take heap segments.
 *
 * <p>Each measurement runs in a JVM of its own (the JIT and the heap start the same for every mode),
 * started by this class with {@code -Xlog:safepoint} to a file. In it, one thread runs the calls of a
 * training step's large products over and over, with the layer shapes {@code T*B} rows, {@code G*H} gate
 * columns, input {@code I}:
 * <ul>
 *   <li>input projection {@code gi[T*B, G*H] = X[T*B, I] W_ih^T} (sgemm NO/YES);</li>
 *   <li>weight gradient {@code dW_ih[G*H, I] += dGI^T X} (sgemm YES/NO, beta 1);</li>
 *   <li>bias gradient {@code db[G*H] += dGI^T 1} (sgemv YES, beta 1);</li>
 * </ul>
 * through one of the modes
 * <ul>
 *   <li>{@code none}: no calls (the allocating thread alone: the floor);</li>
 *   <li>{@code critical-heap}: a {@code critical(true)} downcall linked here, heap segments (what
 *       the library did before it copied large heap calls);</li>
 *   <li>{@code plain-native}: a downcall without options linked here, off-heap segments;</li>
 *   <li>{@code library-heap}, {@code library-native}: {@link OpenBlas} with heap or off-heap segments.</li>
 * </ul>
 * while another thread allocates steadily (1 KB arrays, one in 16 kept for a while in a ring so that
 * some survive young collections) and times each batch of 64 allocations.
 *
 * <p>What is measured and why: the allocating thread's own batch times are what a user thread feels
 * (time to reach the safepoint plus the GC pause plus scheduling); the safepoint log splits the VM's side
 * into "Reaching safepoint" (the wait a critical call causes) and the whole operation. GC notifications
 * ({@code GarbageCollectionNotificationInfo}) were not used: their duration is the collection's, without
 * the wait for the safepoint, which is the very part in question.
 */
@Command(name = "gc-stall-probe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures GC/safepoint stalls of an allocating thread while another runs large OpenBLAS calls.")
public final class GcStallProbe implements Callable<Integer> {
    static final List<String> MODES = List.of("none", "critical-heap", "plain-native", "library-heap", "library-native");

    @Option(names = "--modes", split = ",", description = "modes to run (default: ${DEFAULT-VALUE})",
            defaultValue = "none,critical-heap,plain-native,library-heap,library-native")
    List<String> modes;

    @Option(names = "--gcs", split = ",", description = "collectors, as in -XX:+Use<name>GC (default: ${DEFAULT-VALUE})",
            defaultValue = "G1,Z")
    List<String> gcs;

    @Option(names = "--seconds", description = "measured seconds per run (default: ${DEFAULT-VALUE})", defaultValue = "15")
    int seconds;

    @Option(names = "--warmup", description = "warm-up seconds per run (default: ${DEFAULT-VALUE})", defaultValue = "4")
    int warmup;

    @Option(names = "--blas-threads", description = "OpenBLAS threads (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int blasThreads;

    @Option(names = "--heap", description = "-Xmx and -Xms of each run (default: ${DEFAULT-VALUE})", defaultValue = "1g")
    String heap;

    @Option(names = "--shape", description = "T,B,I,H,G (default: ${DEFAULT-VALUE}: GRU, 200 steps of batch 64)",
            defaultValue = "200,64,256,256,3", split = ",")
    int[] shape;

    @Option(names = "--jvm-arg", paramLabel = "ARG",
            description = "extra flag for each measuring JVM (repeatable), e.g. -XX:+SafepointTimeout with "
                    + "-XX:+UnlockDiagnosticVMOptions to name a thread that holds a safepoint off")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--overhead", paramLabel = "ROUNDS",
            description = "instead: time the calls alone (no allocating thread) in this JVM, ROUNDS rounds of every "
                    + "call mode in turn, and print medians (the cost of the copy; OpenBLAS threads from --blas-threads)")
    int overhead;

    @Option(names = "--child", hidden = true, description = "run one measurement in this JVM: MODE")
    String child;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GcStallProbe()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (shape.length != 5) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--shape: expected T,B,I,H,G");
        }
        if (child != null || overhead > 0) {
            try {
                return child != null ? runChild(child) : runOverhead();
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
        for (String m : modes) {
            if (!MODES.contains(m)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--modes: unknown " + m + ", expected " + MODES);
            }
        }
        return orchestrate();
    }

    // ---- the parent: one JVM per (collector, mode), then a table

    private int orchestrate() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        System.out.println(environment(java));
        List<String> rows = new ArrayList<>();
        rows.add("| GC | mode | projection ms mean / max | gradient ms mean / max | bias sgemv ms mean / max "
                + "| alloc batch p50 us | p99 us | p99.9 us | max ms | batches > 1 ms "
                + "| safepoints | reaching median ms | p99 ms | max ms | safepoint total max ms |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String gc : gcs) {
            for (String mode : modes) {
                Path log = Files.createTempFile("gc-stall-safepoints-", ".log");
                List<String> command = new ArrayList<>(List.of(java,
                        "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                        "-XX:+Use" + gc + "GC", "-Xmx" + heap, "-Xms" + heap,
                        "-Xlog:safepoint=info:file=" + log + ":uptimenanos"));
                command.addAll(jvmArgs);
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), GcStallProbe.class.getName(),
                        "--child", mode, "--seconds", Integer.toString(seconds), "--warmup", Integer.toString(warmup),
                        "--blas-threads", Integer.toString(blasThreads),
                        "--shape", Arrays.stream(shape).mapToObj(Integer::toString).reduce((a, b) -> a + "," + b).orElseThrow()));
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                Map<String, String> result = new LinkedHashMap<>();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("RESULT ")) {
                            for (String kv : line.substring(7).split(" ")) {
                                int eq = kv.indexOf('=');
                                result.put(kv.substring(0, eq), kv.substring(eq + 1));
                            }
                        } else {
                            System.out.println("  [" + gc + " " + mode + "] " + line);
                        }
                    }
                }
                if (p.waitFor() != 0 || result.isEmpty()) {
                    System.out.println("  [" + gc + " " + mode + "] failed, exit " + p.exitValue());
                    continue;
                }
                long from = (long) (Double.parseDouble(result.get("startMs")) * 1e6);
                long to = (long) (Double.parseDouble(result.get("endMs")) * 1e6);
                SafepointStats sp = SafepointStats.parse(Files.readAllLines(log), from, to);
                Files.deleteIfExists(log);
                String row = "| " + gc + " | " + mode
                        + " | " + result.get("projection") + " | " + result.get("gradient") + " | " + result.get("bias")
                        + " | " + result.get("p50us") + " | " + result.get("p99us") + " | " + result.get("p999us")
                        + " | " + result.get("maxMs") + " | " + result.get("over1ms")
                        + " | " + sp.count + " | " + ms(sp.reachingMedian) + " | " + ms(sp.reachingP99) + " | " + ms(sp.reachingMax)
                        + " | " + ms(sp.totalMax) + " |";
                System.out.println(row);
                rows.add(row);
            }
        }
        System.out.println();
        rows.forEach(System.out::println);
        return 0;
    }

    private static String environment(String java) {
        StringBuilder s = new StringBuilder();
        s.append("java: ").append(java).append(" (").append(System.getProperty("java.vm.version")).append(")\n");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    s.append("cpu: ").append(line.substring(line.indexOf(':') + 1).trim()).append(", ")
                            .append(Runtime.getRuntime().availableProcessors()).append(" cpus\n");
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            s.append("cpu: ").append(Runtime.getRuntime().availableProcessors()).append(" cpus\n");
        }
        s.append("OPENBLAS_CORETYPE=").append(System.getenv("OPENBLAS_CORETYPE"))
                .append(" OPENBLAS_L2_SIZE=").append(System.getenv("OPENBLAS_L2_SIZE"));
        return s.toString();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** "Reaching safepoint" and "Total" of each safepoint logged inside the measured window. */
    static final class SafepointStats {
        private static final Pattern LINE = Pattern.compile(
                "^\\[(\\d+)ns].*Safepoint \"([^\"]+)\".*Reaching safepoint: (\\d+) ns.*Total: (\\d+) ns");
        int count;
        long reachingMax;
        long reachingP99;
        long reachingMedian;
        long totalMax;

        static SafepointStats parse(List<String> lines, long fromNanos, long toNanos) {
            SafepointStats s = new SafepointStats();
            List<Long> reaching = new ArrayList<>();
            for (String line : lines) {
                Matcher m = LINE.matcher(line);
                if (!m.find()) {
                    continue;
                }
                long at = Long.parseLong(m.group(1));
                if (at < fromNanos || at > toNanos) {
                    continue;
                }
                long reach = Long.parseLong(m.group(3));
                long total = Long.parseLong(m.group(4));
                reaching.add(reach);
                s.totalMax = Math.max(s.totalMax, total);
            }
            s.count = reaching.size();
            if (!reaching.isEmpty()) {
                reaching.sort(null);
                s.reachingMax = reaching.getLast();
                s.reachingP99 = reaching.get((int) Math.min(reaching.size() - 1, Math.ceil(0.99 * reaching.size()) - 1));
                s.reachingMedian = reaching.get((reaching.size() - 1) / 2);
            }
            return s;
        }
    }

    // ---- the child: one mode, in this JVM

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final int ROW_MAJOR = 101;

    private volatile boolean measuring;
    private volatile boolean stop;

    private int runChild(String mode) throws Throwable {
        OpenBlas openBlas = OpenBlas.load().orElseThrow(() -> new IllegalStateException("OpenBLAS did not load"));
        OpenBlas.setThreads(blasThreads);
        BlasInfo info = openBlas.info();
        System.out.println("OpenBLAS " + info);
        int t = shape[0], b = shape[1], in = shape[2], h = shape[3], g = shape[4];
        int rows = t * b, width = g * h;

        Calls calls = mode.equals("none") ? null : new Calls(mode, openBlas, info.source(), rows, width, in, h);
        Allocator allocator = new Allocator();
        Thread allocating = new Thread(allocator, "allocating");
        allocating.setDaemon(true);
        allocating.start();

        long warmupEnd = System.nanoTime() + warmup * 1_000_000_000L;
        while (System.nanoTime() < warmupEnd) {
            if (calls != null) {
                calls.round(null);
            } else {
                Thread.sleep(10);
            }
        }
        double startMs = uptimeMs();
        measuring = true;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Durations projection = new Durations(), gradient = new Durations(), bias = new Durations();
        while (System.nanoTime() < end) {
            if (calls != null) {
                calls.round(new Durations[] {projection, gradient, bias});
            } else {
                Thread.sleep(10);
            }
        }
        measuring = false;
        double endMs = uptimeMs();
        stop = true;
        allocating.join();

        Histogram hist = allocator.histogram;
        System.out.println("RESULT startMs=" + startMs + " endMs=" + endMs
                + " projection=" + projection + " gradient=" + gradient + " bias=" + bias
                + " p50us=" + hist.percentileMicros(0.50) + " p99us=" + hist.percentileMicros(0.99)
                + " p999us=" + hist.percentileMicros(0.999)
                + " maxMs=" + String.format(Locale.ROOT, "%.2f", hist.maxNanos / 1e6)
                + " over1ms=" + hist.countAbove(1000) + "/" + hist.count
                + " checksum=" + (calls == null ? 0 : calls.checksum()) + "," + allocator.sink);
        return 0;
    }

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    private static double uptimeMs() {
        // Same origin as -Xlog's uptimenanos: the JVM's start.
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    /** Call times of one kind: "mean / max" in ms, and the median of the samples. */
    static final class Durations {
        long count;
        long sum;
        long max;
        long[] samples = new long[64];

        void add(long nanos) {
            if (count == samples.length) {
                samples = Arrays.copyOf(samples, samples.length * 2);
            }
            samples[(int) count] = nanos;
            count++;
            sum += nanos;
            max = Math.max(max, nanos);
        }

        double medianMs() {
            long[] sorted = Arrays.copyOf(samples, (int) count);
            Arrays.sort(sorted);
            return count == 0 ? Double.NaN : sorted[(int) (count - 1) / 2] / 1e6;
        }

        double minMs() {
            return count == 0 ? Double.NaN : Arrays.stream(samples, 0, (int) count).min().orElseThrow() / 1e6;
        }

        /** "median (min)" */
        String summary(double scale, String format) {
            return String.format(Locale.ROOT, format + " (" + format + ")", medianMs() * scale, minMs() * scale);
        }

        @Override
        public String toString() {
            return count == 0 ? "-" : String.format(Locale.ROOT, "%.1f/%.1f(n=%d)", sum / 1e6 / count, max / 1e6, count);
        }
    }

    // ---- --overhead: the calls alone, every mode in turn

    private int runOverhead() throws Throwable {
        OpenBlas openBlas = OpenBlas.load().orElseThrow(() -> new IllegalStateException("OpenBLAS did not load"));
        OpenBlas.setThreads(blasThreads);
        System.out.println("OpenBLAS " + openBlas.info());
        System.out.println(environment(ProcessHandle.current().info().command().orElse("java")));
        int t = shape[0], b = shape[1], in = shape[2], h = shape[3], g = shape[4];
        List<String> callModes = MODES.subList(1, MODES.size());
        List<Calls> calls = new ArrayList<>();
        List<Durations[]> times = new ArrayList<>();
        List<Durations[]> cpuTimes = new ArrayList<>();
        for (String mode : callModes) {
            calls.add(new Calls(mode, openBlas, openBlas.info().source(), t * b, g * h, in, h));
            times.add(new Durations[] {new Durations(), new Durations(), new Durations(), new Durations()});
            cpuTimes.add(new Durations[] {new Durations(), new Durations(), new Durations()});
        }
        // Rounds interleave the modes, so that a load that comes and goes on a shared machine falls on all.
        for (int round = -3; round < overhead; round++) {
            for (int i = 0; i < calls.size(); i++) {
                calls.get(i).round(round < 0 ? null : times.get(i), round < 0 ? null : cpuTimes.get(i));
                calls.get(i).steps(round < 0 ? null : times.get(i)[3], 2000);
            }
        }
        System.out.printf(Locale.ROOT, "| mode | projection ms | gradient ms | bias sgemv ms | step sgemv %dx%d us |%n", g * h, h);
        System.out.println("|---|---|---|---|---|");
        for (int i = 0; i < calls.size(); i++) {
            Durations[] d = times.get(i);
            System.out.println("| " + callModes.get(i) + " | " + d[0].summary(1, "%.2f") + " | " + d[1].summary(1, "%.2f")
                    + " | " + d[2].summary(1, "%.3f") + " | " + d[3].summary(1000, "%.2f") + " |");
        }
        System.out.println("(wall time: median (min) of " + overhead + " rounds; step sgemv: the mean of 2000 calls per round)");
        if (blasThreads == 1) {
            System.out.println();
            System.out.println("| mode | projection CPU ms | gradient CPU ms | bias sgemv CPU ms |");
            System.out.println("|---|---|---|---|");
            for (int i = 0; i < calls.size(); i++) {
                Durations[] d = cpuTimes.get(i);
                System.out.println("| " + callModes.get(i) + " | " + d[0].summary(1, "%.2f") + " | " + d[1].summary(1, "%.2f")
                        + " | " + d[2].summary(1, "%.3f") + " |");
            }
            System.out.println("(the calling thread's CPU time, which with one OpenBLAS thread is all of the call's: "
                    + "median (min) of " + overhead + " rounds)");
        }
        System.out.println("(median (min) of " + overhead + " rounds; step sgemv: the mean of 2000 calls per round)");
        return 0;
    }

    /** The three products, through the mode's way of calling OpenBLAS. */
    static final class Calls {
        final String mode;
        final Blas blas;
        final MethodHandle sgemm;
        final MethodHandle sgemv;
        final int rows, width, in, hidden;
        final MemorySegment x, w, gi, dGi, dW, ones, db, wHh, h, gh;

        Calls(String mode, OpenBlas openBlas, String library, int rows, int width, int in, int hidden) {
            this.mode = mode;
            this.rows = rows;
            this.width = width;
            this.in = in;
            this.hidden = hidden;
            boolean heap = mode.endsWith("-heap");
            SplittableRandom random = new SplittableRandom(11);
            Arena arena = Arena.ofAuto();
            x = operand(arena, heap, random, (long) rows * in);
            w = operand(arena, heap, random, (long) width * in);
            gi = operand(arena, heap, random, (long) rows * width);
            dGi = operand(arena, heap, random, (long) rows * width);
            dW = operand(arena, heap, random, (long) width * in);
            db = operand(arena, heap, random, width);
            ones = operand(arena, heap, null, rows);
            wHh = operand(arena, heap, random, (long) width * hidden);
            h = operand(arena, heap, random, hidden);
            gh = operand(arena, heap, random, width);
            if (mode.startsWith("library-")) {
                blas = openBlas;
                sgemm = null;
                sgemv = null;
            } else {
                blas = null;
                Linker linker = Linker.nativeLinker();
                @SuppressWarnings("restricted")
                SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
                Linker.Option[] options = mode.equals("critical-heap")
                        ? new Linker.Option[] {Linker.Option.critical(true)} : new Linker.Option[0];
                sgemm = downcall(linker, lookup, "cblas_sgemm", FunctionDescriptor.ofVoid(
                        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                        JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), options);
                sgemv = downcall(linker, lookup, "cblas_sgemv", FunctionDescriptor.ofVoid(
                        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                        JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), options);
            }
        }

        @SuppressWarnings("restricted")
        private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor d,
                                             Linker.Option... options) {
            return linker.downcallHandle(lookup.find(name).orElseThrow(), d, options);
        }

        private static MemorySegment operand(Arena arena, boolean heap, SplittableRandom random, long floats) {
            MemorySegment s = heap ? MemorySegment.ofArray(new float[Math.toIntExact(floats)])
                    : arena.allocate(floats * Float.BYTES, 64);
            for (long i = 0; i < floats; i++) {
                s.setAtIndex(F, i, random == null ? 1f : (float) random.nextDouble(-0.01, 0.01));
            }
            return s;
        }

        /** One round of the three products; their times go to {@code into} when not null. */
        void round(Durations[] into) throws Throwable {
            round(into, null);
        }

        /**
         * One round; wall times to {@code wall}, the thread's CPU times to {@code cpu} (either may be
         * null). With one OpenBLAS thread the call runs on this thread, so its CPU time is the call's
         * cost without the time a loaded machine gives to other processes.
         */
        void round(Durations[] wall, Durations[] cpu) throws Throwable {
            long[] wallAt = new long[4], cpuAt = new long[4];
            wallAt[0] = System.nanoTime();
            cpuAt[0] = cpuNanos();
            // gi[T*B, G*H] = X[T*B, I] W_ih^T
            gemm(Transpose.NO, Transpose.YES, rows, width, in, x, in, w, in, 0f, gi, width);
            wallAt[1] = System.nanoTime();
            cpuAt[1] = cpuNanos();
            // dW_ih[G*H, I] += dGI^T X
            gemm(Transpose.YES, Transpose.NO, width, in, rows, dGi, width, x, in, 1f, dW, in);
            wallAt[2] = System.nanoTime();
            cpuAt[2] = cpuNanos();
            // db[G*H] += dGI^T 1
            if (blas != null) {
                blas.sgemv(Transpose.YES, rows, width, 1f, dGi, 0, width, ones, 0, 1f, db, 0);
            } else {
                sgemv.invokeExact(ROW_MAJOR, Transpose.YES.cblas, rows, width, 1f, dGi, width, ones, 1, 1f, db, 1);
            }
            wallAt[3] = System.nanoTime();
            cpuAt[3] = cpuNanos();
            // Keep the gradients from growing without bound over thousands of rounds.
            dW.set(F, 0, 0f);
            for (int i = 0; i < 3; i++) {
                if (wall != null) {
                    wall[i].add(wallAt[i + 1] - wallAt[i]);
                }
                if (cpu != null) {
                    cpu[i].add(cpuAt[i + 1] - cpuAt[i]);
                }
            }
        }

        /**
         * {@code count} recurrent products of a batch-1 streaming step, {@code gh[G*H] = W_hh h} (sgemv,
         * microseconds: where a critical call's skipped thread-state transition could show); their mean.
         */
        void steps(Durations into, int count) throws Throwable {
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                if (blas != null) {
                    blas.sgemv(Transpose.NO, width, hidden, 1f, wHh, 0, hidden, h, 0, 0f, gh, 0);
                } else {
                    sgemv.invokeExact(ROW_MAJOR, Transpose.NO.cblas, width, hidden, 1f, wHh, hidden, h, 1, 0f, gh, 1);
                }
            }
            if (into != null) {
                into.add((System.nanoTime() - t0) / count);
            }
        }

        private void gemm(Transpose ta, Transpose tb, int m, int n, int k, MemorySegment a, int lda,
                          MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) throws Throwable {
            if (blas != null) {
                blas.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
            } else {
                sgemm.invokeExact(ROW_MAJOR, ta.cblas, tb.cblas, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
            }
        }

        double checksum() {
            return gi.getAtIndex(F, 7) + dW.getAtIndex(F, 3) + db.getAtIndex(F, 1);
        }
    }

    /** Allocates 1 KB arrays steadily and times each batch of 64 (64 KB). */
    final class Allocator implements Runnable {
        final Histogram histogram = new Histogram();
        long sink;

        @Override
        public void run() {
            // One array in 16 is kept in a ring of 4096 (4 MB when full): it lives through several young
            // collections and some of it is promoted, as a training loop's per-step objects might be.
            Object[] ring = new Object[1 << 12];
            int next = 0;
            long checksum = 0;
            while (!stop) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 64; i++) {
                    byte[] a = new byte[1024];
                    a[i] = (byte) i;
                    checksum += a[(i * 7) & 1023];
                    if ((i & 15) == 0) {
                        ring[next++ & (ring.length - 1)] = a;
                    }
                }
                long t1 = System.nanoTime();
                if (measuring) {
                    histogram.add(t1 - t0);
                }
            }
            sink = checksum;
        }
    }

    /** Batch times in whole microseconds up to 1 s (anything longer counts in the last bucket), and the exact max. */
    static final class Histogram {
        final long[] micros = new long[1_000_001];
        long count;
        long maxNanos;

        void add(long nanos) {
            micros[(int) Math.min(micros.length - 1, nanos / 1000)]++;
            count++;
            maxNanos = Math.max(maxNanos, nanos);
        }

        long percentileMicros(double p) {
            long rank = (long) Math.ceil(p * count);
            long seen = 0;
            for (int i = 0; i < micros.length; i++) {
                seen += micros[i];
                if (seen >= rank) {
                    return i;
                }
            }
            return micros.length - 1;
        }

        long countAbove(int micro) {
            long n = 0;
            for (int i = micro + 1; i < micros.length; i++) {
                n += micros[i];
            }
            return n;
        }
    }
}
