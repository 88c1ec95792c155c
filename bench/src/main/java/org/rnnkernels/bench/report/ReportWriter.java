package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jfree.chart.JFreeChart;
import org.rnnkernels.bench.report.BenchData.CellRow;

/**
 * Writes {@code report.html} (one self-contained page: inline CSS, charts as base64 PNG, no external URL)
 * and {@code report.md} (the same tables; the charts as PNG files under {@code charts/}).
 */
public final class ReportWriter {
    /** What the paper claims for the RAG cells: about half the GRU's time. */
    public static final double PAPER_RAG_RATIO = 0.5;
    static final List<String> RAG_CELLS = List.of("RAG_GRU", "RAG_MINIMAL");

    private ReportWriter() {
    }

    /**
     * One line of a shape's table, formatted as shown. {@code usPerStep} carries "(unsteady)" when the error bar
     * is above 20% of the mean; {@code bytesPerStep} is JMH's gc.alloc.rate.norm per step ("-" for the peers).
     */
    public record Line(String label, int threads, String usPerStep, String error, String gflops, String ratio,
                       String bytesPerStep, String iterationCv, boolean unsteady) {
    }

    /** The table of one shape: every cell (rnnkernels, then the peers) and thread count. */
    public static List<Line> table(BenchData data, String shape) {
        List<Line> out = new ArrayList<>();
        for (CellRow r : data.rows(shape)) {
            double ratio = data.ratioToGru(r);
            out.add(new Line(r.label(), r.threads(), f2(r.usPerStep()) + (r.unsteady() ? " (unsteady)" : ""),
                    f2(r.errorPerStepUs()), f1(r.gflops()), Double.isNaN(ratio) ? "-" : f2(ratio),
                    Double.isNaN(r.bytesPerStep()) ? "-" : String.format(Locale.ROOT, "%.0f", r.bytesPerStep()),
                    Double.isNaN(r.iterationCv()) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * r.iterationCv()),
                    r.unsteady()));
        }
        return out;
    }

    /**
     * Below this many bytes per step a result counts as not allocating: JMH's gc.alloc.rate.norm also carries
     * JMH's own bookkeeping, about a kilobyte per iteration, which at the large shapes' few calls per iteration
     * comes to 10-30 bytes per step; one boxed vector per step is 32 bytes (128-bit) or more.
     */
    public static final double ALLOCATING_BYTES_PER_STEP = 32;

    /**
     * One sentence on allocation: which profiled results allocate {@link #ALLOCATING_BYTES_PER_STEP} or more per step.
     * A result JMH counts as allocating that the main job counted again ({@code machine.json},
     * {@code run.allocationChecked}: every thread's bytes around warmed-up calls, without JMH's bookkeeping) takes
     * the second count.
     */
    public static String allocation(BenchData data) {
        List<CellRow> profiled = data.cells().stream().filter(r -> !Double.isNaN(r.bytesPerStep())).toList();
        if (profiled.isEmpty()) {
            return "Allocation was not profiled in this run (no gc.alloc.rate.norm in jmh.json).";
        }
        Map<String, Double> checked = new LinkedHashMap<>();
        data.machine().path("run").path("allocationChecked").forEach(n ->
                checked.put(n.path("benchmark").asText(), n.path("checkedBytesPerStep").asDouble(Double.NaN)));
        List<String> allocating = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        for (CellRow r : profiled) {
            if (r.bytesPerStep() < ALLOCATING_BYTES_PER_STEP) {
                continue;
            }
            Double again = checked.get(r.key());
            if (again != null && !again.isNaN() && again < ALLOCATING_BYTES_PER_STEP) {
                cleared.add(r.key() + String.format(Locale.ROOT, " (%.0f -> %.1f B/step)", r.bytesPerStep(), again));
            } else {
                allocating.add(r.key() + String.format(Locale.ROOT, " (%.0f B/step%s)", r.bytesPerStep(),
                        again == null || again.isNaN() ? "" : String.format(Locale.ROOT, ", counted again %.1f", again)));
            }
        }
        String recount = cleared.isEmpty() ? "" : " JMH counted " + String.join(", ", cleared) + "; counted again in the "
                + "main job's JVM (every thread, warmed-up calls, machine.json run.allocationChecked) they stay under "
                + "32: what JMH saw was its own bookkeeping, spread over these shapes' few calls per iteration.";
        return (allocating.isEmpty()
                ? "None of the " + profiled.size() + " cell results allocates 32 bytes or more per step (JMH -prof gc, "
                + "gc.alloc.rate.norm, which includes JMH's own bookkeeping)."
                : allocating.size() + " of " + profiled.size() + " cell results allocate: " + String.join(", ", allocating)
                + " (JMH -prof gc, gc.alloc.rate.norm).") + recount;
    }

    /** One sentence on steadiness: which results stayed above 20% error after the main job measured them again. */
    public static String steadiness(BenchData data) {
        List<String> unsteady = data.cells().stream().filter(r -> r.source().equals("rnnkernels") && r.unsteady())
                .map(CellRow::key).toList();
        int remeasured = data.machine().path("run").path("remeasured").size();
        String again = remeasured == 0 ? "" : " " + remeasured + " measurement(s) were repeated with longer runs "
                + "(machine.json, run.remeasured).";
        return unsteady.isEmpty() ? "No result has an error bar above 20% of its mean." + again
                : unsteady.size() + " result(s) still have an error bar above 20% of the mean and are marked "
                + "\"unsteady\": not results: " + String.join(", ", unsteady) + "." + again;
    }

    /**
     * A RAG cell's time over the GRU's in the first pass, with the combined relative error; {@code pairedRatios}:
     * the same ratio in each of the rounds that timed both back to back ({@code paired.json}'s {@code claims}),
     * sorted, empty when they were not paired.
     */
    public record Claim(String cell, String shape, int threads, double ratio, double error, double[] pairedRatios) {
        /** The ratio to read: the rounds' median when paired, else the first pass's. */
        public double bestRatio() {
            return pairedRatios.length > 0 ? PeerReport.median(pairedRatios) : ratio;
        }

        /** The error bar that goes with {@link #bestRatio()}: the rounds' farther end from their median when paired. */
        public double bestError() {
            if (pairedRatios.length == 0) {
                return error;
            }
            double m = bestRatio();
            return Math.max(m - pairedRatios[0], pairedRatios[pairedRatios.length - 1] - m);
        }
    }

    public static List<Claim> claims(BenchData data) {
        List<Claim> out = new ArrayList<>();
        for (String shape : data.shapes()) {
            for (CellRow r : data.rows(shape)) {
                if (r.source().equals("rnnkernels") && RAG_CELLS.contains(r.cell())) {
                    data.gru(r).ifPresent(g -> {
                        double ratio = r.usPerStep() / g.usPerStep();
                        double rel = Math.hypot(r.errorPerStepUs() / r.usPerStep(), g.errorPerStepUs() / g.usPerStep());
                        out.add(new Claim(r.cell(), shape, r.threads(), ratio, ratio * rel,
                                data.pairedClaimRatios(r.cell(), shape, r.threads())));
                    });
                }
            }
        }
        return out;
    }

    /** Writes both files (and {@code charts/*.png}) into {@code dir}; returns the HTML path. */
    public static Path write(BenchData data, Path dir) throws IOException {
        Map<String, byte[]> charts = charts(data);
        Path chartDir = dir.resolve("charts");
        Files.createDirectories(chartDir);
        for (Map.Entry<String, byte[]> e : charts.entrySet()) {
            Files.write(chartDir.resolve(e.getKey() + ".png"), e.getValue());
        }
        Path html = dir.resolve("report.html");
        Files.writeString(html, html(data, charts), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.md"), markdown(data, charts.keySet()), StandardCharsets.UTF_8);
        return html;
    }

    // ---------------------------------------------------------------- charts

    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
    }

    static String threadsLabel(int t) {
        return t + (t == 1 ? " thread" : " threads");
    }

    /** Chart name (file stem) to PNG, in report order. */
    static Map<String, byte[]> charts(BenchData data) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        double peak = data.sgemmPeak();
        int maxThreads = data.threads().isEmpty() ? 1 : data.threads().get(data.threads().size() - 1);
        double peakMax = data.sgemmPeak(maxThreads);
        for (String shape : data.shapes()) {
            List<CellRow> rows = data.rows(shape);
            List<Charts.Bar> time = rows.stream().map(r -> new Charts.Bar(r.label(), threadsLabel(r.threads()),
                    r.usPerStep(), r.errorPerStepUs())).toList();
            out.put("time-" + slug(shape), Charts.png(Charts.bars("Time per step by cell, B x H x T = " + shape + " (I = H)",
                    "cell", "microseconds per step (lower is better)", time, List.of(), true)));
            List<Charts.Bar> gf = rows.stream().map(r -> new Charts.Bar(r.label(), threadsLabel(r.threads()),
                    r.gflops(), r.gflops() * r.errorPerStepUs() / r.usPerStep())).toList();
            List<Charts.Marker> markers = new ArrayList<>();
            if (!Double.isNaN(peak)) {
                markers.add(new Charts.Marker(peak, String.format(Locale.ROOT,
                        "measured sgemm peak, 1 thread: %.1f GFLOP/s", peak), new Color(0xc00000), false, false));
                if (maxThreads > 1) {
                    boolean measured = !Double.isNaN(peakMax);
                    double p = measured ? peakMax : peak * maxThreads;
                    markers.add(new Charts.Marker(p, String.format(Locale.ROOT, measured
                            ? "measured sgemm peak, %d threads: %.1f GFLOP/s" : "%d x sgemm peak (ideal): %.1f GFLOP/s",
                            maxThreads, p), new Color(0xc00000), true, false));
                }
            }
            out.put("gflops-" + slug(shape), Charts.png(Charts.bars("Achieved GFLOP/s against the sgemm peak, " + shape,
                    "cell", "GFLOP/s of the matrix products (higher is better)", gf, markers, false)));
        }
        List<Claim> claims = claims(data);
        if (!claims.isEmpty()) {
            List<Charts.Bar> bars = claims.stream().map(c -> new Charts.Bar(c.shape() + " " + threadsLabel(c.threads()),
                    c.cell(), c.bestRatio(), c.bestError())).toList();
            out.put("paper-rag-vs-gru", Charts.png(Charts.bars("RAG cells: time relative to the GRU (paper: about 0.5)",
                    "shape, threads", "time / GRU time (lower is faster)", bars,
                    List.of(new Charts.Marker(1.0, "GRU = 1", Color.DARK_GRAY, false, true),
                            new Charts.Marker(PAPER_RAG_RATIO, "paper claim: about 0.5", new Color(0xc00000), true, false)),
                    true, 2.5)));
        }
        for (int t : data.threads()) {
            scaling(data, t, "H", r -> r.hidden(), r -> "B=" + r.batch()).ifPresent(
                    png -> out.put("scaling-h-t" + t, png));
            scaling(data, t, "B", r -> r.batch(), r -> "H=" + r.hidden()).ifPresent(
                    png -> out.put("scaling-b-t" + t, png));
        }
        return out;
    }

    /** Log-log time per step against {@code axis}, one line per cell and fixed other dimension, when any has 2+ points. */
    static java.util.Optional<byte[]> scaling(BenchData data, int threads, String axis, Function<CellRow, Integer> x,
                                              Function<CellRow, String> fixed) throws IOException {
        Map<String, TreeMap<Integer, Double>> lines = new LinkedHashMap<>();
        for (CellRow r : data.cells()) {
            if (r.threads() == threads) {
                lines.computeIfAbsent(r.label() + ", " + fixed.apply(r), k -> new TreeMap<>())
                        .merge(x.apply(r), r.usPerStep(), Math::min);
            }
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (Map.Entry<String, TreeMap<Integer, Double>> e : lines.entrySet()) {
            if (e.getValue().size() >= 2) {
                series.put(e.getKey(), e.getValue().entrySet().stream()
                        .map(p -> new double[] {p.getKey(), p.getValue()}).toArray(double[][]::new));
            }
        }
        if (series.isEmpty()) {
            return java.util.Optional.empty();
        }
        String name = axis.equals("H") ? "H (hidden size = input size)" : "B (batch)";
        return java.util.Optional.of(Charts.png(Charts.logLog("Time per step against " + axis + ", "
                + threadsLabel(threads) + " (log-log)", name + ", log scale",
                "microseconds per step, log scale", series)));
    }

    // ---------------------------------------------------------------- machine

    /** The machine table: label to value. */
    public static Map<String, String> machineTable(BenchData data) {
        JsonNode m = data.machine();
        JsonNode cpu = m.path("cpu");
        JsonNode run = m.path("run");
        Map<String, String> t = new LinkedHashMap<>();
        t.put("Host", m.path("hostname").asText("?"));
        t.put("Date", m.path("date").asText("?"));
        t.put("CPU", cpu.path("model").asText("?") + " (vendor " + cpu.path("vendor").asText("?") + ", family "
                + cpu.path("family").asText("?") + ", model " + cpu.path("modelNumber").asText("?") + ")");
        t.put("Cores", cpu.path("logicalCpus").asText("?") + " logical CPUs; " + cpu.path("sockets").asText("?")
                + " socket(s) x " + cpu.path("coresPerSocket").asText("?") + " core(s) x "
                + cpu.path("threadsPerCore").asText("?") + " thread(s); hypervisor: " + cpu.path("hypervisor").asText("?"));
        List<String> simd = new ArrayList<>();
        cpu.path("simdFlags").forEach(f -> simd.add(f.asText()));
        t.put("SIMD flags", String.join(" ", simd));
        List<String> caches = new ArrayList<>();
        m.path("caches").fields().forEachRemaining(e -> caches.add(e.getKey() + ": " + e.getValue().asText()));
        t.put("Caches", String.join("; ", caches));
        JsonNode os = m.path("os");
        t.put("OS", os.path("distribution").asText("") + " (" + os.path("name").asText("?") + " "
                + os.path("version").asText("?") + ", " + os.path("arch").asText("?") + ")");
        JsonNode jdk = m.path("jdk");
        t.put("JDK", jdk.path("version").asText("?") + ", " + jdk.path("vm").asText("?") + ", "
                + jdk.path("vendor").asText("?"));
        t.put("Vector API", m.path("vector").asText("?"));
        JsonNode blas = m.path("blas");
        t.put("BLAS", blas.path("implementation").asText("?") + ": " + blas.path("config").asText("")
                + ", core " + blas.path("coreName").asText("?") + " (from " + blas.path("source").asText("?") + ")");
        t.put("BLAS requested", run.path("blasRequested").asText("?"));
        List<String> threads = new ArrayList<>();
        run.path("threads").forEach(x -> threads.add(x.asText()));
        t.put("Threads", String.join(", ", threads) + " (" + run.path("threadsMeaning").asText("") + ")");
        t.put("JMH settings", run.path("mode").asText("?") + ": " + run.path("jmh").asText("?")
                + "; JVM flags " + run.path("jvmArgs").asText(""));
        JsonNode onednn = data.onednn();
        t.put("oneDNN", onednn.path("available").asBoolean(false)
                ? "oneDNN " + onednn.path("version").asText("?") + ", ISA " + onednn.path("isa").asText("?")
                + ", implementations " + implementations(onednn.path("results")) + ", harness "
                + onednn.path("harness").asText("?") + " (g++ against Debian's libdnnl-dev); " + onednn.path("method").asText("")
                : "not measured: " + onednn.path("reason").asText("no onednn.json in this folder"));
        JsonNode peers = data.peers();
        t.put("PyTorch", peers.path("available").asBoolean(false)
                ? "torch " + peers.path("torchVersion").asText("?") + " via " + peers.path("python").asText("python3")
                + "; " + peers.path("method").asText("")
                + "; OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = torch.set_num_threads = threads, "
                + "OMP_WAIT_POLICY=PASSIVE; PyTorch's BLAS: " + peers.path("torchBlas").asText("?")
                + (peers.path("torchBlas").asText("").contains("/blas/libblas")
                        ? " (the unoptimised reference BLAS: PyTorch is far from its best here; install libopenblas0 "
                        + "and select it with update-alternatives for a fair comparison)" : "")
                : "not measured: " + peers.path("reason").asText("no peers.json in this folder"));
        return t;
    }

    // What oneDNN ran (its primitive descriptor's impl_info_str), with how many of the timed rows: "ref" is its generic
    // RNN driver around its GEMM, "brgemm" its blocked one; on the machines measured so far brgemm ran only with AVX-512.
    private static String implementations(JsonNode results) {
        Map<String, Long> counts = new TreeMap<>();
        results.forEach(r -> {
            if (r.hasNonNull("impl")) {
                counts.merge(r.path("impl").asText(), 1L, Long::sum);
            }
        });
        return counts.isEmpty() ? "not recorded" : counts.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + (e.getValue() == 1 ? " row)" : " rows)"))
                .collect(Collectors.joining(", "));
    }

    // ---------------------------------------------------------------- HTML

    static final String CSS = """
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1000px;\
            color:#222;line-height:1.4;padding:0 1em}
            h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
            table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #ccc;padding:.25em .6em}
            th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
            table.machine th{text-align:left;white-space:nowrap;vertical-align:top}
            tr.peer td{color:#555;font-style:italic}
            .bad{background:#fde0e0;font-weight:bold}.good{background:#e0f5e0}
            img{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}
            .note{color:#555;font-size:.92em}
            """;

    static String html(BenchData data, Map<String, byte[]> charts) {
        StringBuilder h = new StringBuilder();
        String host = data.machine().path("hostname").asText(data.name());
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>rnnkernels benchmark: ")
                .append(esc(host)).append(' ').append(esc(data.machine().path("date").asText(""))).append("</title>\n<style>")
                .append(CSS).append("</style></head><body>\n");
        h.append("<h1>rnnkernels benchmark: ").append(esc(host)).append("</h1>\n");
        h.append("<p class=\"note\">Full-sequence forward of one recurrent layer, I = H. Time per step = JMH time per call / T "
                + "(it includes the step's share of the input projection). GFLOP/s counts the matrix products only: "
                + "2&middot;B&middot;G&middot;H&middot;(I+H) per step (G gates). &plusmn; is JMH's 99.9% confidence "
                + "half-interval (oneDNN and PyTorch rows: half the interquartile range); a result whose &plusmn; is "
                + "above 20% of its mean is marked unsteady. B/step: bytes allocated per step (JMH -prof gc); CV: the "
                + "coefficient of variation (sd / mean) of the measured iterations. &times;GRU is the time relative to "
                + "rnnkernels' GRU of the same shape and threads.</p>\n");
        if (data.machine().path("run").path("mode").asText("").equals("quick")) {
            h.append("<p class=\"note\">A --quick run: with 3 measured iterations JMH's 99.9% interval is about 18 "
                    + "standard deviations wide (Student's t for 2 degrees of freedom is 31.6, divided by &radic;3), so "
                    + "most differences here are within the error bars. The default and --full runs measure longer.</p>\n");
        }
        h.append("<h2>Machine</h2>\n<table class=\"machine\">\n");
        machineTable(data).forEach((k, v) -> h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v))
                .append("</td></tr>\n"));
        h.append("</table>\n");

        h.append("<h2>sgemm peak</h2>\n");
        if (data.gemms().isEmpty()) {
            h.append("<p>sgemm was not measured in this run.</p>\n");
        } else {
            h.append("<table><tr><th>sgemm</th><th>BLAS</th><th>threads</th><th>&micro;s</th><th>&plusmn;</th>"
                    + "<th>GFLOP/s</th></tr>\n");
            for (BenchData.GemmRow g : data.gemms()) {
                h.append("<tr><td>").append(g.n()).append("&sup3;</td><td>").append(esc(g.blas()))
                        .append("</td><td class=\"n\">").append(g.threads()).append("</td><td class=\"n\">").append(f1(g.us()))
                        .append("</td><td class=\"n\">").append(f1(g.errorUs())).append("</td><td class=\"n\">")
                        .append(f1(g.gflops())).append("</td></tr>\n");
            }
            h.append("</table>\n<p class=\"note\">The best of these per thread count is the peak line in the GFLOP/s "
                    + "charts. On t threads the columns are split into t single-threaded sgemm calls, as the layers "
                    + "share their products.</p>\n");
        }
        h.append("<h2>Steadiness and allocation</h2>\n<p>").append(esc(steadiness(data))).append("</p>\n<p>")
                .append(esc(allocation(data))).append("</p>\n");
        PeerReport.appendHtml(h, data);
        StepParts.appendHtml(h, data);
        Int8Report.appendHtml(h, data);

        h.append("<h2>Paper claims</h2>\n");
        appendClaimsHtml(h, data);
        img(h, charts, "paper-rag-vs-gru", "RAG cells' time relative to the GRU");
        Targets.appendHtml(h, data);
        TrainingReport.appendHtml(h, data);
        EncryptedCost.appendHtml(h, data);

        for (String shape : data.shapes()) {
            h.append("<h2>Shape B&times;H&times;T = ").append(esc(shape)).append("</h2>\n");
            h.append("<table><tr><th>cell</th><th>threads</th><th>&micro;s/step</th><th>&plusmn;</th>"
                    + "<th>GFLOP/s</th><th>&times;GRU</th><th>B/step</th><th>CV</th></tr>\n");
            for (Line l : table(data, shape)) {
                h.append(l.label().startsWith("pytorch") || l.label().startsWith("onednn") ? "<tr class=\"peer\">" : "<tr>")
                        .append("<td>").append(esc(l.label())).append("</td><td class=\"n\">").append(l.threads())
                        .append(l.unsteady() ? "</td><td class=\"n bad\">" : "</td><td class=\"n\">")
                        .append(l.usPerStep()).append("</td><td class=\"n\">")
                        .append(l.error()).append("</td><td class=\"n\">").append(l.gflops())
                        .append("</td><td class=\"n\">").append(l.ratio()).append("</td><td class=\"n\">")
                        .append(l.bytesPerStep()).append("</td><td class=\"n\">").append(l.iterationCv())
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
            img(h, charts, "time-" + slug(shape), "time per step, " + shape);
            img(h, charts, "gflops-" + slug(shape), "GFLOP/s against the sgemm peak, " + shape);
        }

        h.append("<h2>Scaling with H and B</h2>\n");
        for (String name : charts.keySet()) {
            if (name.startsWith("scaling-")) {
                img(h, charts, name, name);
            }
        }
        for (String axis : List.of("h", "b")) {
            if (charts.keySet().stream().noneMatch(n -> n.startsWith("scaling-" + axis + "-"))) {
                h.append("<p>Time against ").append(axis.toUpperCase(Locale.ROOT)).append(": not drawn, no cell was "
                        + "measured at two or more values of ").append(axis.toUpperCase(Locale.ROOT))
                        .append(" with the other dimension fixed (add shapes with --shapes).</p>\n");
            }
        }
        h.append("<p class=\"note\">Each line holds the other dimension fixed; T may differ between shapes, but the "
                + "time is per step.</p>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    static void appendClaimsHtml(StringBuilder h, BenchData data) {
        List<Claim> claims = claims(data);
        h.append("<p>The RAG paper claims its cells run in about half the GRU's time. Measured here "
                + "(time per step / GRU's time per step, same shape and threads): the first pass, and the rounds "
                + "that timed each RAG cell and the GRU again back to back (median and range; the verdict reads "
                + "them):</p>\n");
        if (claims.isEmpty()) {
            h.append("<p>Not measured: this run has no RAG_GRU or RAG_MINIMAL next to a GRU.</p>\n");
        } else {
            h.append("<table><tr><th>cell</th><th>shape</th><th>threads</th><th>&times;GRU measured</th>"
                    + "<th>&plusmn;</th><th>paired &times;GRU</th><th>paper</th><th>verdict</th></tr>\n");
            for (Claim c : claims) {
                String verdict = verdict(c);
                h.append("<tr><td>").append(c.cell()).append("</td><td>").append(c.shape())
                        .append("</td><td class=\"n\">").append(c.threads()).append("</td><td class=\"n\">")
                        .append(f2(c.ratio())).append("</td><td class=\"n\">").append(f2(c.error()))
                        .append("</td><td class=\"n\">").append(PeerReport.medianAndRange(c.pairedRatios()))
                        .append("</td><td class=\"n\">~0.50</td><td class=\"")
                        .append(verdict.startsWith("meets") ? "good" : verdict.startsWith("slower") ? "bad" : "")
                        .append("\">").append(verdict).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<p class=\"note\">EGRU time against activity, restricted-cell time against sharing rate and ternary "
                + "memory/time are not in this benchmark set yet, so they are not reported.</p>\n");
    }

    /**
     * Against the paper's "about half". A paired claim is read from its rounds alone: "meets the claim" when every
     * round's ratio is 0.55 or less, "slower than claimed" when every one is above it (with ", faster than GRU" when
     * every one is below 1, ", slower than GRU" when every one is above 1, else ", level with GRU"), otherwise
     * "within the rounds' range of the claim". Unpaired, from the first pass: inconclusive when the ratio's error
     * bar is over half the ratio (short runs), "meets the claim" at 0.55 or less, "slower than claimed" when even
     * ratio - error is above 0.55, else "within error of the claim".
     */
    static String verdict(Claim c) {
        double[] rounds = c.pairedRatios();
        if (rounds.length > 0) {
            double low = rounds[0], high = rounds[rounds.length - 1];
            String paired = PeerReport.roundsNote(rounds);
            if (high <= PAPER_RAG_RATIO + 0.05) {
                return "meets the claim" + paired;
            }
            if (low <= PAPER_RAG_RATIO + 0.05) {
                return "within the rounds' range of the claim" + paired;
            }
            String toGru = high < 1 ? "faster than GRU" : low > 1 ? "slower than GRU" : "level with GRU";
            return "slower than claimed, " + toGru + paired;
        }
        if (c.error() > 0.5 * c.ratio()) {
            return "inconclusive: error bar too wide";
        }
        if (c.ratio() <= PAPER_RAG_RATIO + 0.05) {
            return "meets the claim";
        }
        if (c.ratio() - c.error() > PAPER_RAG_RATIO + 0.05) {
            return c.ratio() + c.error() < 1 ? "slower than claimed, faster than GRU" : "slower than claimed";
        }
        return "within error of the claim";
    }

    static void img(StringBuilder h, Map<String, byte[]> charts, String name, String alt) {
        byte[] png = charts.get(name);
        if (png != null) {
            h.append("<p><img alt=\"").append(esc(alt)).append("\" width=\"").append(Charts.WIDTH)
                    .append("\" height=\"").append(Charts.HEIGHT).append("\" src=\"").append(Charts.dataUri(png))
                    .append("\"></p>\n");
        }
    }

    // ---------------------------------------------------------------- Markdown

    static String markdown(BenchData data, java.util.Set<String> charts) {
        StringBuilder m = new StringBuilder();
        m.append("# rnnkernels benchmark: ").append(data.machine().path("hostname").asText(data.name())).append("\n\n");
        m.append("| machine | |\n|---|---|\n");
        machineTable(data).forEach((k, v) -> m.append("| ").append(k).append(" | ").append(v.replace("|", "\\|"))
                .append(" |\n"));
        m.append("\n");
        for (BenchData.GemmRow g : data.gemms()) {
            m.append(String.format(Locale.ROOT, "- sgemm %d^3, %d thread(s), %s: %.1f us, %.1f GFLOP/s%n", g.n(),
                    g.threads(), g.blas(), g.us(), g.gflops()));
        }
        if (data.machine().path("run").path("mode").asText("").equals("quick")) {
            m.append("\nA --quick run: with 3 measured iterations JMH's 99.9% interval is about 18 standard deviations wide, "
                    + "so most differences are within the error bars; the default and --full runs measure longer.\n");
        }
        m.append("\n").append(steadiness(data)).append(" ").append(allocation(data)).append("\n");
        m.append(PeerReport.markdown(data));
        m.append(StepParts.markdown(data));
        m.append(Int8Report.markdown(data));
        m.append("\nTime per step = time per call / T (I = H); GFLOP/s counts 2*B*G*H*(I+H) per step; +- is JMH's "
                + "99.9% half-interval (peers: half the IQR); xGRU: relative to rnnkernels' GRU, same shape and threads; "
                + "B/step: bytes allocated per step (JMH gc.alloc.rate.norm / T); CV: sd / mean of the measured iterations.\n");
        for (String shape : data.shapes()) {
            m.append("\n## ").append(shape).append(" (B x H x T)\n\n");
            m.append("| cell | threads | us/step | +- | GFLOP/s | xGRU | B/step | CV |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Line l : table(data, shape)) {
                m.append("| ").append(l.label()).append(" | ").append(l.threads()).append(" | ").append(l.usPerStep())
                        .append(" | ").append(l.error()).append(" | ").append(l.gflops()).append(" | ")
                        .append(l.ratio()).append(" | ").append(l.bytesPerStep()).append(" | ").append(l.iterationCv())
                        .append(" |\n");
            }
        }
        m.append("\n## Paper claims: RAG vs GRU time (paper: about 0.5)\n\n");
        List<Claim> claims = claims(data);
        if (claims.isEmpty()) {
            m.append("Not measured: no RAG_GRU or RAG_MINIMAL next to a GRU in this run.\n");
        } else {
            m.append("xGRU and +-: the first pass; paired: the rounds that timed each RAG cell and the GRU again back to "
                    + "back, median (range); the verdict reads the rounds when there are any.\n\n");
            m.append("| cell | shape | threads | xGRU | +- | paired xGRU | verdict |\n|---|---|---:|---:|---:|---:|---|\n");
            for (Claim c : claims) {
                m.append("| ").append(c.cell()).append(" | ").append(c.shape()).append(" | ").append(c.threads())
                        .append(" | ").append(f2(c.ratio())).append(" | ").append(f2(c.error())).append(" | ")
                        .append(PeerReport.medianAndRange(c.pairedRatios())).append(" | ").append(verdict(c)).append(" |\n");
            }
        }
        m.append(Targets.markdown(data));
        m.append(TrainingReport.markdown(data));
        m.append(EncryptedCost.markdown(data));
        if (!charts.isEmpty()) {
            m.append("\n## Charts\n\n").append(charts.stream().map(c -> "![" + c + "](charts/" + c + ".png)")
                    .collect(Collectors.joining("\n"))).append("\n");
        }
        return m.toString();
    }

    // ---------------------------------------------------------------- formatting

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
