package org.rnnkernels;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.quant.Int8Layer;
import org.rnnkernels.quant.IntegerLayer;
import org.rnnkernels.ternary.TernaryLayer;

/** Measures the heap a warmed-up call allocates, with the thread's allocated-bytes counter. */
public final class StepAllocation {
    private static final long BUDGET_NANOS = 20_000_000_000L;
    private static final int WINDOW = 100;

    private StepAllocation() {
    }

    /**
     * {@link #bytesPerWarmCall} of {@code StepAllocationTest}'s case, measured in a JVM of its own:
     * C2 decides what to inline by what it compiled before, so one JVM in a few compiles a cell's step
     * into a root whose node budget is spent and boxes (seen: LSTM once in six suite runs; LSTM and
     * EGRU each once in four fresh JVMs running only them).
     */
    static long bytesPerWarmStepInFreshJvm(CellType type, int hidden, int batch, String parts) throws Exception {
        return lastNumberOfFreshJvm(StepAllocation.class, type.name(), Integer.toString(hidden), Integer.toString(batch), parts);
    }

    /**
     * Runs {@code main}'s {@code main(args)} in a JVM of its own (this JVM's flags and class path) and returns
     * the number on the last line it prints: a measurement made where nothing else was compiled before.
     */
    public static long lastNumberOfFreshJvm(Class<?> main, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--add-modules") || argument.startsWith("--enable-native-access") || argument.startsWith("-D")) {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the fresh JVM failed: " + output);
        }
        String[] lines = output.strip().split("\\R");
        return Long.parseLong(lines[lines.length - 1].strip());
    }

    /** Prints the bytes per warmed-up step of {@code StepAllocationTest}'s case {@code args = TYPE H B PARTS} ({@link #layer}). */
    public static void main(String[] args) {
        CellType type = CellType.valueOf(args[0]);
        int hidden = Integer.parseInt(args[1]), batch = Integer.parseInt(args[2]);
        if (args[3].equals("team")) {
            System.out.println(teamBytesPerWarmCall(type, hidden, batch));
            return;
        }
        CellFixture f = new CellFixture(type, hidden, hidden, batch, 1, 42, 0.5f);
        float[] out = new float[batch * hidden];
        try (RecurrentLayer layer = layer(f, args[3]); LayerState state = f.initialState(layer)) {
            System.out.println(bytesPerWarmCall(() -> layer.step(f.x, state, out)));
        }
    }

    /**
     * Bytes per warmed-up call of 5 steps of a state with a team of two (the caller and one worker, both
     * counted), the cell's float layer.
     */
    static long teamBytesPerWarmCall(CellType type, int hidden, int batch) {
        CellFixture f = new CellFixture(type, hidden, hidden, batch, 5, 7, 0.5f);
        float[] out = new float[f.steps * batch * hidden];
        try (RecurrentLayer layer = f.layer(); LayerState state = layer.newState(batch, 2)) {
            state.setHidden(f.h0);
            return bytesPerWarmCall(() -> layer.forward(f.x, f.steps, state, out), state.team.worker(0));
        }
    }

    /**
     * The fixture's layer made of {@code parts}: {@code "float"}, its cell's float layer; {@code "TERNARY"} or
     * {@code "FLOAT"}, the HitNet ternary layer of its weights with those activations; {@code "integer"}, the
     * integer layer of its weights quantised ({@code IntegerLayer.quantize}); {@code "int8"}, the int8-weight layer
     * of its weights ({@code Int8Layer.quantize}).
     */
    static RecurrentLayer layer(CellFixture f, String parts) {
        if (parts.equals("float")) {
            return f.layer();
        }
        LayerWeights weights = LayerWeights.of(f.type, f.input, f.hidden).inputWeights(f.weights.weightIh())
                .recurrentWeights(f.weights.weightHh())
                .biases(f.weights.biasIh(), f.weights.biasHh())
                .build();
        if (parts.equals("int8")) {
            return Int8Layer.quantize(weights);
        }
        return parts.equals("integer") ? IntegerLayer.quantize(weights) : TernaryLayer.create(weights, TernaryLayer.Activations.valueOf(parts));
    }

    /**
     * Runs windows of {@value #WINDOW} calls until a window allocates nothing or a time budget runs
     * out; returns the last window's bytes per call. (Not "until the bytes hold still": interpreted and
     * C1-compiled code box a fixed number of vectors per call, as steady as C2's zero.) A compilation
     * that never comes (C2 off) leaves the bytes high, and the caller's assertion fails with them.
     */
    public static long bytesPerWarmCall(Runnable call) {
        return measure(call, System.nanoTime() + BUDGET_NANOS, true);
    }

    /**
     * The bytes per call of a call whose steady state may allocate (a BLAS operand slice): calls run
     * for {@code warmupNanos} first (long past C2's compilation of the call), then windows until two
     * in a row agree or the budget runs out.
     */
    public static long bytesPerCallAfter(Runnable call, long warmupNanos) {
        long warm = System.nanoTime() + warmupNanos;
        while (System.nanoTime() < warm) {
            call.run();
        }
        return measure(call, System.nanoTime() + BUDGET_NANOS, false);
    }

    /**
     * As {@link #bytesPerWarmCall(Runnable)}, summed over this thread and the threads {@code others} (a state's
     * team workers, which run part of every call).
     */
    public static long bytesPerWarmCall(Runnable call, Thread... others) {
        long[] ids = new long[others.length + 1];
        ids[0] = Thread.currentThread().threadId();
        for (int i = 0; i < others.length; i++) {
            ids[i + 1] = others[i].threadId();
        }
        return measure(call, System.nanoTime() + BUDGET_NANOS, true, ids);
    }

    private static long measure(Runnable call, long deadline, boolean untilZero) {
        return measure(call, deadline, untilZero, new long[] {Thread.currentThread().threadId()});
    }

    private static long allocated(com.sun.management.ThreadMXBean threads, long[] ids) {
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(ids)) {
            sum += bytes;
        }
        return sum;
    }

    private static long measure(Runnable call, long deadline, boolean untilZero, long[] ids) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long previous = -1;
        while (true) {
            long before = allocated(threads, ids);
            for (int i = 0; i < WINDOW; i++) {
                call.run();
            }
            long perCall = (allocated(threads, ids) - before) / WINDOW;
            if (perCall == 0 || (!untilZero && perCall == previous) || System.nanoTime() > deadline) {
                return perCall;
            }
            previous = perCall;
        }
    }
}
