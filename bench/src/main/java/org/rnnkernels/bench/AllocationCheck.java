package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.bench.report.BenchData;
import org.rnnkernels.bench.report.ReportWriter;
import org.rnnkernels.train.TorchInit;

/**
 * The main job's second look at the cell results that JMH counts as allocating
 * ({@link ReportWriter#ALLOCATING_BYTES_PER_STEP} or more per step). JMH 1.37's {@code gc.alloc.rate.norm} is every
 * thread's allocation over an iteration divided by its calls, so its own bookkeeping between iterations (a few
 * kilobytes: result objects, class loading for the printout) counts too, and at the slowest shapes (LSTM 64x512x50:
 * about 20 calls an iteration) it comes to 10-40 bytes a step: in the 2026-12-06 12:18 run, LSTM and MI-LSTM
 * 64x512x50 on two threads read 35 and 39. Here the same layer and state as {@code CellBenchmark} (same
 * initialisation, one OpenBLAS thread) are warmed up in this JVM for {@value #WARMUP_SECONDS} s, then every thread's
 * allocated bytes ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}, the step threads included)
 * are counted around {@value #ROUNDS} rounds of at least {@value #MIN_CALLS} calls and one second; the least round,
 * per step, is the result (a round may catch an allocation of another thread of this JVM; the kernels' own would be
 * in every round). What was checked goes into {@code machine.json} ({@code run.allocationChecked}), and the report's
 * allocation sentence takes the check's figure over JMH's.
 */
final class AllocationCheck {
    static final int WARMUP_SECONDS = 3;
    static final int ROUNDS = 3;
    static final int MIN_CALLS = 10;

    private AllocationCheck() {
    }

    static void run(Path dir, Consumer<String> log) throws IOException {
        List<BenchData.CellRow> flagged = BenchData.load(dir).cells().stream()
                .filter(r -> r.source().equals("rnnkernels") && r.bytesPerStep() >= ReportWriter.ALLOCATING_BYTES_PER_STEP)
                .toList();
        ArrayNode checked = BenchData.array();
        if (!flagged.isEmpty()) {
            log.accept("");
            log.accept("allocation: " + flagged.size() + " result(s) that JMH counts at "
                    + (int) ReportWriter.ALLOCATING_BYTES_PER_STEP + " bytes a step or more, counted again in this JVM "
                    + "(every thread, " + ROUNDS + " rounds after " + WARMUP_SECONDS + " s of warm-up)");
        }
        for (BenchData.CellRow r : flagged) {
            double bytesPerCall = bytesPerCall(CellType.valueOf(r.cell()),
                    new CellBenchmark.Shape(r.batch(), r.hidden(), r.steps()), r.threads());
            double perStep = bytesPerCall / r.steps();
            ObjectNode note = checked.addObject();
            note.put("benchmark", r.key());
            note.put("jmhBytesPerStep", r.bytesPerStep());
            note.put("checkedBytesPerStep", perStep);
            note.put("settings", WARMUP_SECONDS + " s warm-up, least of " + ROUNDS + " rounds of >= " + MIN_CALLS
                    + " calls and >= 1 s, every thread's allocated bytes");
            log.accept(String.format(Locale.ROOT, "  %-28s JMH %.0f B/step -> counted %.1f B/step", r.key(),
                    r.bytesPerStep(), perStep));
        }
        Path machineFile = dir.resolve(BenchData.MACHINE_FILE);
        ObjectNode machine = (ObjectNode) BenchData.read(machineFile);
        ((ObjectNode) machine.path("run")).set("allocationChecked", checked);
        BenchData.write(machineFile, machine);
    }

    /** Bytes allocated by every thread of this JVM per warmed-up forward call, the least of {@link #ROUNDS} rounds. */
    static double bytesPerCall(CellType type, CellBenchmark.Shape s, int threads) {
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(42);
        try (RecurrentLayer layer = TorchInit.layer(type, s.hidden(), s.hidden(), random, Blases.get());
             LayerState state = layer.newState(s.batch(), threads)) {
            float[] input = TorchInit.uniform(random, s.steps() * s.batch() * s.hidden(), 1);
            float[] output = new float[s.steps() * s.batch() * s.hidden()];
            long warm = System.nanoTime() + WARMUP_SECONDS * 1_000_000_000L;
            while (System.nanoTime() < warm) {
                call(layer, state, input, s.steps(), output);
            }
            double least = Double.POSITIVE_INFINITY;
            for (int round = 0; round < ROUNDS; round++) {
                long end = System.nanoTime() + 1_000_000_000L;
                long before = mx.getTotalThreadAllocatedBytes();
                int calls = 0;
                while (calls < MIN_CALLS || System.nanoTime() < end) {
                    call(layer, state, input, s.steps(), output);
                    calls++;
                }
                least = Math.min(least, (double) (mx.getTotalThreadAllocatedBytes() - before) / calls);
            }
            return least;
        }
    }

    private static void call(RecurrentLayer layer, LayerState state, float[] input, int steps, float[] output) {
        state.reset();
        layer.forward(input, steps, state, output);
    }
}
