package org.rnnkernels.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rnnkernels.bench.report.BenchData.CellRow;

/**
 * rnnkernels against the peers, cell by cell: for each cell oneDNN or PyTorch also has, each shape and thread
 * count, our time per step beside oneDNN's and PyTorch's, the ratios, and the share of the measured sgemm
 * peak on as many threads (the speed issue's targets: oneDNN's speed or better at batch 1 and 16, within 10%
 * of it and at 85% or more of the peak at batch 64).
 */
public final class PeerReport {
    /** Batch 64 and up: within this factor of oneDNN's time. */
    public static final double LARGE_BATCH_SLACK = 1.10;
    /** Batch 64 and up: at least this share of the sgemm peak. */
    public static final double LARGE_BATCH_PEAK = 0.85;

    private PeerReport() {
    }

    /**
     * One comparison; {@code NaN} where a peer or the peak was not measured. {@code pairedRatios}: ours / oneDNN's
     * of the back-to-back timings ({@code paired.json}), sorted; empty when the comparison was not paired.
     */
    public record Row(CellRow ours, double onednnUs, double onednnError, double torchUs, double torchError,
                      double peakShare, double[] pairedRatios) {
        public double toOnednn() {
            return ours.usPerStep() / onednnUs;
        }

        public double toTorch() {
            return ours.usPerStep() / torchUs;
        }

        /**
         * Against oneDNN: "faster" or "slower" when the difference exceeds both error bars, else "level (within
         * error)"; at batch 64 and up "within 10%" counts as meeting the target. "unsteady" when our own error
         * bar is above 20% of the mean (the main job has measured it again and it did not settle). A paired
         * comparison is read from its pairs alone: "faster" when every pair's ratio is below 1, "slower" when every
         * one is above 1 (at batch 64 and up "within 10%" when none is above 1.10), else "level".
         */
        public String verdict() {
            if (pairedRatios.length > 0) {
                return pairedVerdict();
            }
            if (ours.unsteady()) {
                return "unsteady: not a result";
            }
            if (Double.isNaN(onednnUs)) {
                return "no oneDNN time";
            }
            double margin = ours.errorPerStepUs() + onednnError;
            if (ours.usPerStep() + margin < onednnUs) {
                return "faster";
            }
            if (ours.usPerStep() - margin <= onednnUs) {
                return "level (within error)";
            }
            if (ours.batch() >= 64 && ours.usPerStep() - ours.errorPerStepUs() <= LARGE_BATCH_SLACK * onednnUs) {
                return "within 10%";
            }
            return "slower";
        }

        private String pairedVerdict() {
            double low = pairedRatios[0], high = pairedRatios[pairedRatios.length - 1];
            String pairs = String.format(Locale.ROOT, " (paired: %s, %.2f-%.2f over %d pairs)",
                    ratio(median(pairedRatios)), low, high, pairedRatios.length);
            if (high < 1) {
                return "faster" + pairs;
            }
            if (low <= 1) {
                return "level" + pairs;
            }
            return (ours.batch() >= 64 && high <= LARGE_BATCH_SLACK ? "within 10%" : "slower") + pairs;
        }
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Rounds' ratios (sorted) as "0.98 (0.95-1.02)": median (range); "" when there are none. */
    static String medianAndRange(double[] sorted) {
        return sorted.length == 0 ? "" : String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median(sorted), sorted[0],
                sorted[sorted.length - 1]);
    }

    /** Rounds' ratios (sorted, at least one) as a verdict's tail: " (paired: 0.98, 0.95-1.02 over 3 rounds)". */
    static String roundsNote(double[] sorted) {
        return String.format(Locale.ROOT, " (paired: %.2f, %.2f-%.2f over %d rounds)", median(sorted), sorted[0],
                sorted[sorted.length - 1], sorted.length);
    }

    public static List<Row> rows(BenchData data) {
        List<Row> out = new ArrayList<>();
        for (String shape : data.shapes()) {
            for (CellRow r : data.rows(shape)) {
                if (!r.source().equals("rnnkernels")) {
                    continue;
                }
                var onednn = data.peer("onednn", r);
                var torch = data.peer("pytorch", r);
                if (onednn.isEmpty() && torch.isEmpty()) {
                    continue;
                }
                double peak = data.sgemmPeak(r.threads());
                out.add(new Row(r, onednn.map(CellRow::usPerStep).orElse(Double.NaN),
                        onednn.map(CellRow::errorPerStepUs).orElse(Double.NaN),
                        torch.map(CellRow::usPerStep).orElse(Double.NaN),
                        torch.map(CellRow::errorPerStepUs).orElse(Double.NaN), r.gflops() / peak, data.pairedRatios(r)));
            }
        }
        return out;
    }

    /** Why a peer has no column, or null when it was timed. */
    static String missing(BenchData data) {
        List<String> why = new ArrayList<>();
        if (!data.onednn().path("available").asBoolean(false)) {
            why.add("oneDNN: " + data.onednn().path("reason").asText("no onednn.json in this folder"));
        }
        if (!data.peers().path("available").asBoolean(false)) {
            why.add("PyTorch: " + data.peers().path("reason").asText("no peers.json in this folder"));
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    static final String TITLE = "Against oneDNN and PyTorch";
    static final String EXPLAIN = "Time per step of the same cell, shape and threads; ratio = ours / theirs (below 1: "
            + "rnnkernels is faster). Verdict against oneDNN: faster or slower by more than both error bars, else level; "
            + "at batch 64 the target is within 10% of oneDNN. The first pass times oneDNN minutes after us, on a machine "
            + "whose speed can move 10-20% in that time, so GRU's and LSTM's comparisons, and any other it leaves short of "
            + "\"faster\", are timed again in pairs, oneDNN's harness and ours back to back (order alternating); its verdict is then read from the "
            + "pairs' ratios (\"paired\"). Peak = our GFLOP/s over the sgemm peak measured on as many threads (target "
            + "at batch 64: 85%).";

    public static String markdown(BenchData data) {
        List<Row> rows = rows(data);
        StringBuilder m = new StringBuilder("\n## " + TITLE + "\n\n");
        String missing = missing(data);
        if (missing != null) {
            m.append("Not measured: ").append(missing).append(".\n\n");
        }
        if (rows.isEmpty()) {
            return m.append("No cell of this run was timed by a peer.\n").toString();
        }
        m.append(EXPLAIN).append("\n\n| cell | shape | threads | rnnkernels us/step | oneDNN | x oneDNN | PyTorch | "
                + "x PyTorch | peak | verdict |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            m.append("| ").append(r.ours().cell()).append(" | ").append(r.ours().shape()).append(" | ")
                    .append(r.ours().threads()).append(" | ").append(pm(r.ours().usPerStep(), r.ours().errorPerStepUs()))
                    .append(" | ").append(pm(r.onednnUs(), r.onednnError())).append(" | ").append(ratio(r.toOnednn()))
                    .append(" | ").append(pm(r.torchUs(), r.torchError())).append(" | ").append(ratio(r.toTorch()))
                    .append(" | ").append(percent(r.peakShare())).append(" | ").append(r.verdict()).append(" |\n");
        }
        return m.toString();
    }

    public static void appendHtml(StringBuilder h, BenchData data) {
        List<Row> rows = rows(data);
        h.append("<h2>").append(TITLE).append("</h2>\n");
        String missing = missing(data);
        if (missing != null) {
            h.append("<p>Not measured: ").append(ReportWriter.esc(missing)).append(".</p>\n");
        }
        if (rows.isEmpty()) {
            h.append("<p>No cell of this run was timed by a peer.</p>\n");
            return;
        }
        h.append("<p class=\"note\">").append(ReportWriter.esc(EXPLAIN)).append("</p>\n<table><tr><th>cell</th>"
                + "<th>shape</th><th>threads</th><th>rnnkernels &micro;s/step</th><th>oneDNN</th><th>&times;oneDNN</th>"
                + "<th>PyTorch</th><th>&times;PyTorch</th><th>peak</th><th>verdict</th></tr>\n");
        for (Row r : rows) {
            String v = r.verdict();
            String cls = v.equals("faster") || v.startsWith("level") || v.startsWith("within") ? "good"
                    : v.equals("slower") || v.startsWith("unsteady") ? "bad" : "";
            h.append("<tr><td>").append(r.ours().cell()).append("</td><td>").append(r.ours().shape())
                    .append("</td><td class=\"n\">").append(r.ours().threads()).append("</td><td class=\"n\">")
                    .append(pm(r.ours().usPerStep(), r.ours().errorPerStepUs())).append("</td><td class=\"n\">")
                    .append(pm(r.onednnUs(), r.onednnError())).append("</td><td class=\"n\">").append(ratio(r.toOnednn()))
                    .append("</td><td class=\"n\">").append(pm(r.torchUs(), r.torchError())).append("</td><td class=\"n\">")
                    .append(ratio(r.toTorch())).append("</td><td class=\"n\">").append(percent(r.peakShare()))
                    .append("</td><td class=\"").append(cls).append("\">").append(v).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    static String pm(double v, double e) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f +- %.2f", v, e);
    }

    static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }
}
