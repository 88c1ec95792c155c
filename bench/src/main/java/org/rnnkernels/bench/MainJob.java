package org.rnnkernels.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.rnnkernels.CellType;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.simd.Simd;

/**
 * The main job: runs the cell benchmark (every cell, three shapes, 1 and 2 threads) and the GEMM
 * benchmark with short JMH settings, then prints one table: microseconds per step, GFLOP/s of the
 * matrix products, and each cell's time relative to the GRU of the same shape and threads.
 *
 * <p>{@code --full} uses the benchmarks' own (longer) JMH settings.
 */
public final class MainJob {
    private MainJob() {
    }

    public static void main(String[] args) throws RunnerException {
        boolean full = List.of(args).contains("--full");
        System.out.println("rnnkernels main job");
        System.out.println("  JVM:    " + System.getProperty("java.vm.name") + " " + Runtime.version()
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        System.out.println("  BLAS:   " + Blases.get().info());
        System.out.println("  kernels: " + Simd.describe());
        System.out.println();

        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(CellBenchmark.class.getName())
                .include(GemmBenchmark.class.getName())
                .forks(1);
        if (!full) {
            options.warmupIterations(3).warmupTime(TimeValue.milliseconds(700))
                    .measurementIterations(5).measurementTime(TimeValue.milliseconds(500));
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.print(table(results));
    }

    /** The report table, from JMH results (package-private for tests). */
    static String table(Collection<RunResult> results) {
        record Row(String cell, String shape, int threads, double usPerStep, double errorPerStep, double gflops) {
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Double> gru = new HashMap<>();
        StringBuilder out = new StringBuilder();
        for (RunResult r : results) {
            var params = r.getParams();
            var primary = r.getPrimaryResult();
            if (params.getBenchmark().endsWith("GemmBenchmark.sgemm")) {
                int n = Integer.parseInt(params.getParam("n"));
                double gflops = 2.0 * n * n * n / (primary.getScore() * 1e3);
                out.append(String.format(Locale.ROOT, "sgemm %dx%dx%d, 1 thread, %-8s: %8.1f us  %6.1f GFLOP/s%n",
                        n, n, n, params.getParam("blas"), primary.getScore(), gflops));
                continue;
            }
            String cell = params.getParam("cell");
            String shape = params.getParam("shape");
            int threads = Integer.parseInt(params.getParam("threads"));
            CellBenchmark.Shape s = CellBenchmark.Shape.parse(shape);
            double perStep = primary.getScore() / s.steps();
            double error = primary.getScoreError() / s.steps();
            double gflops = s.flopsPerStep(CellType.valueOf(cell)) / (perStep * 1e3);
            rows.add(new Row(cell, shape, threads, perStep, error, gflops));
            if (cell.equals("GRU")) {
                gru.put(shape + "/" + threads, perStep);
            }
        }
        if (!rows.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n%-12s %-11s %7s %12s %10s %9s %8s%n",
                    "cell", "BxHxT", "threads", "us/step", "+-", "GFLOP/s", "x GRU"));
            for (Row row : rows) {
                Double g = gru.get(row.shape() + "/" + row.threads());
                out.append(String.format(Locale.ROOT, "%-12s %-11s %7d %12.2f %10.2f %9.1f %8s%n",
                        row.cell(), row.shape(), row.threads(), row.usPerStep(), row.errorPerStep(), row.gflops(),
                        g == null ? "-" : String.format(Locale.ROOT, "%.2f", row.usPerStep() / g)));
            }
        }
        return out.toString();
    }
}
