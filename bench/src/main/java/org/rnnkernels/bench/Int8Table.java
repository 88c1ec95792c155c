package org.rnnkernels.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table of {@code bench int8}: microseconds per step, int8 against float and PyTorch, and the floor. */
final class Int8Table {
    private Int8Table() {
    }

    /**
     * One row per cell and shape. {@code java}: {@code "method variant shape"} to {score, error} in us per step
     * (method {@code forward} or {@code weightBytes}); {@code torch}: {@code "variant cell BxH"} to us per step.
     */
    static String render(List<String> cells, List<String> shapes, Map<String, double[]> java, Map<String, Double> torch) {
        StringBuilder out = new StringBuilder();
        out.append("us per time step, one thread, I = H, T = ").append(Int8Benchmark.STEPS)
                .append(" (JMH score +- error; PyTorch: median)\n");
        out.append(String.format(Locale.ROOT, "%-5s %-7s %17s %17s %8s %10s %12s %8s %14s%n", "cell", "BxH", "float32",
                "int8 weights", "speedup", "torch f32", "torch int8", "vs torch", "int8 floor"));
        for (String cell : cells) {
            for (String shape : shapes) {
                double[] f = java.get("forward " + cell + "/float32 " + shape);
                double[] q = java.get("forward " + cell + "/int8 " + shape);
                double[] floor = java.get("weightBytes " + cell + "/int8 " + shape);
                Double tf = torch.get("float32 " + cell + " " + shape);
                Double tq = torch.get("int8-dynamic " + cell + " " + shape);
                out.append(String.format(Locale.ROOT, "%-5s %-7s %17s %17s %8s %10s %12s %8s %14s%n", cell, shape, score(f), score(q),
                        f == null || q == null ? "-" : String.format(Locale.ROOT, "%.2fx", f[0] / q[0]),
                        tf == null ? "-" : String.format(Locale.ROOT, "%.1f", tf),
                        tq == null ? "-" : String.format(Locale.ROOT, "%.1f", tq),
                        tq == null || q == null ? "-" : String.format(Locale.ROOT, "%.2fx", tq / q[0]),
                        floor == null ? "-" : String.format(Locale.ROOT, "%.1f (W_hh %.1f)", floor[0], floor[0] / 2)));
            }
        }
        out.append("speedup: float32 / int8; vs torch: PyTorch dynamic int8 / ours; int8 floor: reading the int8 W_ih and W_hh\n"
                + "once (a streaming step's weight bytes); a sequence step's own weights are W_hh, half of it.\n");
        return out.toString();
    }

    private static String score(double[] s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%.1f +- %.1f", s[0], s[1]);
    }

    /** The 1, 5 and 15 minute load averages ({@code /proc/loadavg}), or "?". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
