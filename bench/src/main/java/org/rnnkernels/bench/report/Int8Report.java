package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.rnnkernels.bench.report.BenchData.CellRow;
import org.rnnkernels.bench.report.BenchData.OtherRow;

/**
 * The int8-weight GRU and LSTM (issue 13) against the float layers of the same cells, PyTorch's dynamic int8
 * modules (QNNPACK, {@code int8-peers.json}) and oneDNN's int8 RNN ({@code GRU_INT8}, {@code LSTM_INT8} rows
 * of {@code onednn.json}, same batch and hidden size, one thread): microseconds per step, with the floor of a
 * streaming step (reading the int8 weights once).
 */
public final class Int8Report {
    static final String FORWARD = "Int8Benchmark.forward";
    static final String FLOOR = "Int8Benchmark.weightBytes";
    /** Issue 13: the int8 GRU at B = 1, H = 512, one thread, at least this many times faster than the float GRU. */
    public static final double TARGET_SPEEDUP = 1.5;

    private Int8Report() {
    }

    /** One cell and {@code BxH}; NaN where not measured. */
    public record Row(String cell, String shape, double floatUs, double floatError, double int8Us, double int8Error,
                      double torchInt8Us, double onednnInt8Us, double floorUs) {
        public double speedup() {
            return floatUs / int8Us;
        }
    }

    public static List<Row> rows(BenchData data) {
        List<Row> out = new ArrayList<>();
        for (OtherRow q : data.others()) {
            if (!q.benchmark().equals(FORWARD) || !q.params().getOrDefault("variant", "").endsWith("/int8")) {
                continue;
            }
            String cell = q.params().get("variant").split("/")[0];
            String shape = q.params().get("shape");
            Optional<OtherRow> f = other(data, FORWARD, cell + "/float32", shape);
            Optional<OtherRow> floor = other(data, FLOOR, cell + "/int8", shape);
            out.add(new Row(cell, shape, f.map(OtherRow::us).orElse(Double.NaN), f.map(OtherRow::errorUs).orElse(Double.NaN),
                    q.us(), q.errorUs(), torch(data.int8Peers(), cell, shape), onednn(data, cell, shape),
                    floor.map(OtherRow::us).orElse(Double.NaN)));
        }
        return out;
    }

    private static Optional<OtherRow> other(BenchData data, String benchmark, String variant, String shape) {
        return data.others().stream().filter(o -> o.benchmark().equals(benchmark)
                && variant.equals(o.params().get("variant")) && shape.equals(o.params().get("shape"))).findFirst();
    }

    // PyTorch's dynamic int8 time per step for cell at BxH (its shapes carry T).
    private static double torch(JsonNode peers, String cell, String shape) {
        for (JsonNode r : peers.path("results")) {
            String s = r.path("shape").asText();
            if (r.path("variant").asText().equals("int8-dynamic") && r.path("cell").asText().equals(cell)
                    && s.startsWith(shape + "x")) {
                return BenchData.peerTime(r, "Us") / Integer.parseInt(s.substring(s.lastIndexOf('x') + 1));
            }
        }
        return Double.NaN;
    }

    private static double onednn(BenchData data, String cell, String shape) {
        return data.cells().stream().filter(c -> c.source().equals("onednn") && c.cell().equals(cell + "_INT8")
                        && c.threads() == 1 && (c.batch() + "x" + c.hidden()).equals(shape))
                .mapToDouble(CellRow::usPerStep).min().orElse(Double.NaN);
    }

    static final String TITLE = "int8 weights (1 thread)";
    static final String EXPLAIN = "Microseconds per step of a sequence forward, I = H: rnnkernels' float layer and its "
            + "int8-weight layer (per-row scales, float activations: weight-only, int8 widened to float in registers), "
            + "PyTorch's dynamic int8 module (QNNPACK, Debian's build has no FBGEMM: a weak peer) and oneDNN's int8 RNN "
            + "(u8 activations, s8 weights) at the same batch and hidden size; floor: reading the int8 W_ih and W_hh once "
            + "(a streaming step's weight bytes; a sequence step reads only W_hh, half of it). Target: the int8 GRU at "
            + "1x512 at least 1.5x faster than the float GRU, faster than PyTorch's, as fast as oneDNN's.";

    public static String markdown(BenchData data) {
        List<Row> rows = rows(data);
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder m = new StringBuilder("\n## " + TITLE + "\n\n" + EXPLAIN + "\n\n");
        m.append("| cell | BxH | float32 | int8 | float / int8 | PyTorch int8 | x PyTorch | oneDNN int8 | x oneDNN | floor |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            m.append("| ").append(r.cell()).append(" | ").append(r.shape()).append(" | ")
                    .append(PeerReport.pm(r.floatUs(), r.floatError())).append(" | ")
                    .append(PeerReport.pm(r.int8Us(), r.int8Error())).append(" | ").append(PeerReport.ratio(r.speedup()))
                    .append(" | ").append(f(r.torchInt8Us())).append(" | ").append(PeerReport.ratio(r.int8Us() / r.torchInt8Us()))
                    .append(" | ").append(f(r.onednnInt8Us())).append(" | ")
                    .append(PeerReport.ratio(r.int8Us() / r.onednnInt8Us())).append(" | ").append(f(r.floorUs())).append(" |\n");
        }
        m.append("\nx PyTorch, x oneDNN: our int8 time over theirs (below 1: rnnkernels faster). ");
        m.append(data.int8Peers().path("available").asBoolean(false) ? "PyTorch " + data.int8Peers().path("torchVersion").asText("?")
                + ", engine qnnpack." : "PyTorch int8: not measured: " + data.int8Peers().path("reason").asText("no int8-peers.json"));
        return m.append("\n").toString();
    }

    public static void appendHtml(StringBuilder h, BenchData data) {
        String md = markdown(data);
        if (md.isEmpty()) {
            return;
        }
        h.append("<h2>").append(TITLE).append("</h2>\n<p class=\"note\">").append(ReportWriter.esc(EXPLAIN))
                .append("</p>\n<table><tr><th>cell</th><th>BxH</th><th>float32</th><th>int8</th><th>float / int8</th>"
                        + "<th>PyTorch int8</th><th>&times;PyTorch</th><th>oneDNN int8</th><th>&times;oneDNN</th><th>floor</th></tr>\n");
        for (Row r : rows(data)) {
            h.append("<tr><td>").append(r.cell()).append("</td><td>").append(r.shape()).append("</td><td class=\"n\">")
                    .append(PeerReport.pm(r.floatUs(), r.floatError())).append("</td><td class=\"n\">")
                    .append(PeerReport.pm(r.int8Us(), r.int8Error())).append("</td><td class=\"n\">")
                    .append(PeerReport.ratio(r.speedup())).append("</td><td class=\"n\">").append(f(r.torchInt8Us()))
                    .append("</td><td class=\"n\">").append(PeerReport.ratio(r.int8Us() / r.torchInt8Us()))
                    .append("</td><td class=\"n\">").append(f(r.onednnInt8Us())).append("</td><td class=\"n\">")
                    .append(PeerReport.ratio(r.int8Us() / r.onednnInt8Us())).append("</td><td class=\"n\">")
                    .append(f(r.floorUs())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    static String f(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
}
