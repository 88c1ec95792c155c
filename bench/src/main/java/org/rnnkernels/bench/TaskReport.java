package org.rnnkernels.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rnnkernels.bench.report.BenchData;
import org.rnnkernels.bench.report.Charts;
import org.rnnkernels.bench.report.Machine;
import org.rnnkernels.blas.BlasInfo;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.simd.Simd;

/**
 * The results of a real-data task (sequential MNIST, the character-level language model): a row per cell,
 * seed and epoch, written as {@code runs.csv}, {@code summary.md} (a row per cell: its final metric's mean and
 * range over seeds, seconds per epoch), {@code curves.png} (the metric per epoch, mean over seeds) and
 * {@code report.html} (both, and the machine).
 *
 * @param title       the task, for headings
 * @param metric      the metric's name, e.g. "test accuracy (%)"
 * @param scale       what the stored metric is multiplied by for display (100 for a fraction shown in %)
 * @param higherBetter whether a larger metric is better (only the wording of the summary depends on it)
 */
record TaskReport(String title, String metric, double scale, boolean higherBetter) {

    /** One cell, one seed, one epoch; {@code activity} is EGRU's (NaN for the other cells). */
    record Row(String cell, long seed, int epoch, double trainLoss, double metric, double seconds, long parameters,
               double activity) {
    }

    /** CPU, vector width and BLAS core of this JVM, for the results' heading. */
    static String machine() {
        BlasInfo blas = Blases.get().info();
        String cpu = Machine.describe("", BenchData.object()).path("cpu").path("model").asText();
        return String.format(Locale.ROOT, "%s, %d logical CPUs, JDK %s, Vector API %s, BLAS %s (core %s)", cpu,
                Runtime.getRuntime().availableProcessors(), Runtime.version(), Simd.describe(), blas.implementation(),
                blas.coreName());
    }

    void write(Path folder, List<Row> rows, String date, String machine, String settings) throws IOException {
        StringBuilder csv = new StringBuilder("cell,seed,epoch,train_loss,metric,seconds,parameters,activity\n");
        for (Row r : rows) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%.6f,%.6f,%.3f,%d,%s%n", r.cell(), r.seed(), r.epoch(),
                    r.trainLoss(), r.metric(), r.seconds(), r.parameters(),
                    Double.isNaN(r.activity()) ? "" : String.format(Locale.ROOT, "%.5f", r.activity())));
        }
        Files.writeString(folder.resolve("runs.csv"), "# metric: " + metric + "\n" + csv, StandardCharsets.UTF_8);
        String table = summary(rows);
        String md = "# " + title + ", " + date + "\n\n" + machine + "\n\n" + settings + "\n\n" + table;
        Files.writeString(folder.resolve("summary.md"), md, StandardCharsets.UTF_8);
        Map<String, double[][]> curves = new LinkedHashMap<>();
        for (String cell : names(rows)) {
            List<double[]> points = new ArrayList<>();
            int last = rows.stream().filter(r -> r.cell().equals(cell)).mapToInt(Row::epoch).max().orElse(0);
            for (int epoch = 1; epoch <= last; epoch++) {
                final int e = epoch;
                rows.stream().filter(r -> r.cell().equals(cell) && r.epoch() == e).mapToDouble(Row::metric).average()
                        .ifPresent(m -> points.add(new double[] {e, scale * m}));
            }
            curves.put(cell, points.toArray(double[][]::new));
        }
        byte[] png = Charts.png(Charts.lines(title + ": " + metric + " (mean over seeds)", "epoch", metric, curves));
        Files.write(folder.resolve("curves.png"), png);
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>"
                + "<h1>" + escape(title) + ", " + date + "</h1><p>" + escape(machine) + "</p><p>" + escape(settings) + "</p>"
                + htmlTable(table) + "<p><img src=\"" + Charts.dataUri(png) + "\" alt=\"learning curves\"></p>"
                + "<p>Per epoch and seed: <a href=\"runs.csv\">runs.csv</a></p></body></html>";
        Files.writeString(folder.resolve("report.html"), html, StandardCharsets.UTF_8);
    }

    // A row per cell: parameters, the last epoch's metric (mean, min .. max over seeds), seconds per epoch: the
    // median over every epoch and seed (the steady figure: a JIT's warm-up and a moment of load land in a few
    // epochs), and the first epoch's mean (which carries the warm-up) beside it.
    private String summary(List<Row> rows) {
        StringBuilder md = new StringBuilder("| cell | parameters | " + metric + ", last epoch (mean) | min .. max over seeds "
                + "| seeds | s / epoch (median) | first epoch s (mean) | EGRU activity (test) |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String cell : names(rows)) {
            List<Row> mine = rows.stream().filter(r -> r.cell().equals(cell)).toList();
            int lastEpoch = mine.stream().mapToInt(Row::epoch).max().orElse(0);
            List<Row> last = mine.stream().filter(r -> r.epoch() == lastEpoch).toList();
            double mean = scale * last.stream().mapToDouble(Row::metric).average().orElse(Double.NaN);
            double min = scale * last.stream().mapToDouble(Row::metric).min().orElse(Double.NaN);
            double max = scale * last.stream().mapToDouble(Row::metric).max().orElse(Double.NaN);
            double seconds = median(mine.stream().mapToDouble(Row::seconds).toArray());
            double first = mine.stream().filter(r -> r.epoch() == 1).mapToDouble(Row::seconds).average().orElse(Double.NaN);
            double activity = last.stream().mapToDouble(Row::activity).average().orElse(Double.NaN);
            md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f .. %.3f | %d | %.2f | %.2f | %s |%n", cell,
                    last.get(0).parameters(), mean, min, max, last.size(), seconds, first,
                    Double.isNaN(activity) ? "" : String.format(Locale.ROOT, "%.3f", activity)));
        }
        return md.toString();
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    // The cells of the rows, in their order: the library's, then PyTorch's.
    private static List<String> names(List<Row> rows) {
        return rows.stream().map(Row::cell).distinct().toList();
    }

    private static String htmlTable(String markdown) {
        StringBuilder html = new StringBuilder("<table>");
        String[] lines = markdown.strip().split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (i == 1) {
                continue;   // the markdown separator
            }
            String[] cells = lines[i].replaceAll("^\\|\\s*|\\s*\\|$", "").split("\\s*\\|\\s*");
            html.append("<tr>");
            for (String c : cells) {
                html.append(i == 0 ? "<th>" : "<td>").append(escape(c)).append(i == 0 ? "</th>" : "</td>");
            }
            html.append("</tr>");
        }
        return html.append("</table>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
