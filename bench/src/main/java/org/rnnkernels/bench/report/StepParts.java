package org.rnnkernels.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.rnnkernels.bench.report.BenchData.CellRow;
import org.rnnkernels.bench.report.BenchData.OtherRow;

/**
 * Where a step's time goes (GRU and LSTM, one thread): the whole step from the cell benchmark, its input
 * projection's share and its recurrent product timed alone ({@code StepPartsBenchmark}), the rest (gate
 * passes and the driver) by difference, and the floor: the step's matrix FLOPs at the measured sgemm peak.
 */
public final class StepParts {
    static final String PROJECTION = "StepPartsBenchmark.projection";
    static final String RECURRENT = "StepPartsBenchmark.recurrent";

    private StepParts() {
    }

    /** Microseconds per step; {@code floor} is both products' FLOPs at the one-thread sgemm peak. */
    public record Row(String cell, String shape, double step, double projection, double recurrent, double floor,
                      double productFlops) {
        public double rest() {
            return step - projection - recurrent;
        }

        /** GFLOP/s of one product (half the step's matrix FLOPs, I = H) in {@code us} per step. */
        double gflops(double us) {
            return productFlops / (us * 1e3);
        }
    }

    public static List<Row> rows(BenchData data) {
        List<Row> out = new ArrayList<>();
        double peak = data.sgemmPeak(1);
        for (OtherRow p : data.others()) {
            if (!p.benchmark().equals(PROJECTION)) {
                continue;
            }
            String cell = p.params().get("cell");
            String shape = p.params().get("shape");
            Optional<OtherRow> r = data.others().stream().filter(o -> o.benchmark().equals(RECURRENT)
                    && cell.equals(o.params().get("cell")) && shape.equals(o.params().get("shape"))).findFirst();
            Optional<CellRow> step = data.cells().stream().filter(c -> c.source().equals("rnnkernels")
                    && c.cell().equals(cell) && c.shape().equals(shape) && c.threads() == 1).findFirst();
            if (r.isEmpty() || step.isEmpty()) {
                continue;
            }
            int[] s = BenchData.parseShape(shape);
            double productFlops = 2.0 * s[0] * BenchData.gates(cell) * s[1] * s[1];
            out.add(new Row(cell, shape, step.get().usPerStep(), p.us() / s[2], r.get().us(),
                    2 * productFlops / (peak * 1e3), productFlops));
        }
        return out;
    }

    static final String TITLE = "Where the time goes (1 thread)";
    static final String EXPLAIN = "Per step: the whole step (cell benchmark), the input projection's share (the layer's own "
            + "projection over all T*B rows: the panel product on AVX-512, else one sgemm; timed alone, / T), the recurrent product (the panel product for B samples, timed alone), "
            + "the rest by difference (gate passes, the driver, cache misses the parts alone do not see); floor = the "
            + "step's matrix FLOPs at the measured one-thread sgemm peak. Percentages: GFLOP/s over that peak.";

    public static String markdown(BenchData data) {
        List<Row> rows = rows(data);
        if (rows.isEmpty()) {
            return "";
        }
        double peak = data.sgemmPeak(1);
        StringBuilder m = new StringBuilder("\n## " + TITLE + "\n\n" + EXPLAIN + "\n\n");
        m.append("| cell | shape | step us | projection us | recurrent us | rest us | floor us | step / floor |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            m.append("| ").append(r.cell()).append(" | ").append(r.shape()).append(" | ").append(f(r.step())).append(" | ")
                    .append(f(r.projection())).append(" (").append(PeerReport.percent(r.gflops(r.projection()) / peak))
                    .append(") | ").append(f(r.recurrent())).append(" (")
                    .append(PeerReport.percent(r.gflops(r.recurrent()) / peak)).append(") | ").append(f(r.rest()))
                    .append(" | ").append(f(r.floor())).append(" | ").append(PeerReport.ratio(r.step() / r.floor()))
                    .append(" |\n");
        }
        return m.toString();
    }

    public static void appendHtml(StringBuilder h, BenchData data) {
        String md = markdown(data);
        if (md.isEmpty()) {
            return;
        }
        double peak = data.sgemmPeak(1);
        h.append("<h2>").append(TITLE).append("</h2>\n<p class=\"note\">").append(ReportWriter.esc(EXPLAIN))
                .append("</p>\n<table><tr><th>cell</th><th>shape</th><th>step &micro;s</th><th>projection &micro;s</th>"
                        + "<th>recurrent &micro;s</th><th>rest &micro;s</th><th>floor &micro;s</th><th>step / floor</th></tr>\n");
        for (Row r : rows(data)) {
            h.append("<tr><td>").append(r.cell()).append("</td><td>").append(r.shape()).append("</td><td class=\"n\">")
                    .append(f(r.step())).append("</td><td class=\"n\">").append(f(r.projection())).append(" (")
                    .append(PeerReport.percent(r.gflops(r.projection()) / peak)).append(")</td><td class=\"n\">")
                    .append(f(r.recurrent())).append(" (").append(PeerReport.percent(r.gflops(r.recurrent()) / peak))
                    .append(")</td><td class=\"n\">").append(f(r.rest())).append("</td><td class=\"n\">")
                    .append(f(r.floor())).append("</td><td class=\"n\">").append(PeerReport.ratio(r.step() / r.floor()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
