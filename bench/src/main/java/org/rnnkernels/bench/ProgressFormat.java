package org.rnnkernels.bench;

import java.io.IOException;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's own output (including its "# Run progress: X% complete, ETA" lines), plus one line per benchmark:
 * which one, how many remain, elapsed time and an estimate of the time left from the average so far.
 */
final class ProgressFormat implements OutputFormat {
    private final OutputFormat delegate;
    private final int total;
    private final long start = System.nanoTime();
    private int started;

    ProgressFormat(OutputFormat delegate, int total) {
        this.delegate = delegate;
        this.total = total;
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        String eta = started == 0 ? "?" : clock(elapsed / started * (total - started));
        started++;
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', params.getBenchmark()
                .lastIndexOf('.') - 1) + 1);
        String ps = params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k))
                .collect(Collectors.joining(" "));
        delegate.println(String.format(Locale.ROOT,
                ">>> [%d/%d] %s %s | %d remain after this | elapsed %s, about %s left",
                started, total, name, ps, Math.max(0, total - started), clock(elapsed), eta));
        delegate.startBenchmark(params);
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
        delegate.iteration(benchParams, params, iteration);
    }

    @Override
    public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration,
                                IterationResult data) {
        delegate.iterationResult(benchParams, params, iteration, data);
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        delegate.endBenchmark(result);
    }

    @Override
    public void startRun() {
        delegate.startRun();
    }

    @Override
    public void endRun(Collection<RunResult> result) {
        delegate.endRun(result);
        delegate.println(">>> JMH done in " + clock((System.nanoTime() - start) / 1e9));
    }

    @Override
    public void print(String s) {
        delegate.print(s);
    }

    @Override
    public void println(String s) {
        delegate.println(s);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void verbosePrintln(String s) {
        delegate.verbosePrintln(s);
    }

    @Override
    public void write(int b) {
        delegate.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        delegate.write(b);
    }
}
