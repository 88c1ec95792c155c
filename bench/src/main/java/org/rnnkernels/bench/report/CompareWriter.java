package org.rnnkernels.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Several results folders side by side: every benchmark (cells per step, sgemm per call) with each run's
 * time, error and ratio to the baseline; a result is marked as a regression when it is slower than the
 * baseline by more than the two error bars combined ({@code t - t0 > e + e0}), as an improvement when faster
 * by more than that. Then the runs across machines, each against its own sgemm peak and peers
 * ({@link CrossMachine}).
 */
public final class CompareWriter {
    private CompareWriter() {
    }

    public record Result(Path html, Path markdown, int regressions) {
    }

    /** One run's value of one benchmark. */
    public record Cell(double us, double error) {
    }

    /** Verdict of {@code v} against baseline {@code b}: 1 regression, -1 improvement, 0 within the error bars. */
    public static int verdict(Cell v, Cell b) {
        if (v == null || b == null) {
            return 0;
        }
        double margin = v.error() + b.error();
        if (v.us() - b.us() > margin) {
            return 1;
        }
        return b.us() - v.us() > margin ? -1 : 0;
    }

    /** Benchmark key to one value per run (null where a run lacks it); keys in first-seen order, baseline first. */
    public static Map<String, Cell[]> table(List<BenchData> runs, int baseline) {
        Map<String, Cell[]> t = new LinkedHashMap<>();
        List<Integer> order = new ArrayList<>();
        order.add(baseline);
        for (int i = 0; i < runs.size(); i++) {
            if (i != baseline) {
                order.add(i);
            }
        }
        for (int i : order) {
            BenchData d = runs.get(i);
            for (BenchData.GemmRow g : d.gemms()) {
                t.computeIfAbsent(g.key(), k -> new Cell[runs.size()])[i] = new Cell(g.us(), g.errorUs());
            }
            for (BenchData.CellRow r : d.cells()) {
                t.computeIfAbsent(r.key(), k -> new Cell[runs.size()])[i] = new Cell(r.usPerStep(), r.errorPerStepUs());
            }
        }
        return t;
    }

    public static Result write(List<BenchData> runs, int baseline, Path html) throws IOException {
        Path parent = html.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Map<String, Cell[]> t = table(runs, baseline);
        int regressions = 0;
        StringBuilder h = new StringBuilder();
        StringBuilder m = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rnnkernels comparison</title>\n<style>")
                .append(ReportWriter.CSS).append("body{max-width:1400px}</style></head><body>\n")
                .append("<h1>rnnkernels benchmark comparison</h1>\n");
        m.append("# rnnkernels benchmark comparison\n\n");
        h.append("<h2>Runs</h2>\n<table><tr><th>run</th>");
        List<String> fields = new ArrayList<>(runs.get(0).summary().keySet());
        fields.forEach(f -> h.append("<th>").append(ReportWriter.esc(f)).append("</th>"));
        h.append("</tr>\n");
        m.append("| run | ").append(String.join(" | ", fields)).append(" |\n|---|")
                .append("---|".repeat(fields.size())).append("\n");
        for (int i = 0; i < runs.size(); i++) {
            BenchData d = runs.get(i);
            String name = "#" + (i + 1) + " " + d.name() + (i == baseline ? " (baseline)" : "");
            h.append("<tr><td>").append(ReportWriter.esc(name)).append("</td>");
            m.append("| ").append(name);
            for (String v : d.summary().values()) {
                h.append("<td>").append(ReportWriter.esc(v)).append("</td>");
                m.append(" | ").append(v.replace("|", "\\|"));
            }
            h.append("</tr>\n");
            m.append(" |\n");
        }
        h.append("</table>\n<p class=\"note\">Cells: microseconds per step (time per call / T); sgemm: microseconds per call. "
                + "&plusmn; is each run's error bar (JMH 99.9% half-interval; PyTorch: half the IQR). Ratio = time / "
                + "baseline time (above 1: slower). <span class=\"bad\">&#9650; worse</span> marks a result slower than "
                + "the baseline by more than the two error bars combined; <span class=\"good\">&#9660; better</span> "
                + "one faster by more than that.</p>\n");
        h.append("<h2>Results</h2>\n<table><tr><th>benchmark</th>");
        m.append("\nCells: us per step; sgemm: us per call. ratio = time / baseline time; **WORSE**: slower than the "
                + "baseline by more than both error bars combined.\n\n| benchmark |");
        for (int i = 0; i < runs.size(); i++) {
            String n = "#" + (i + 1) + (i == baseline ? " (baseline)" : "");
            h.append("<th>").append(n).append(" &micro;s</th><th>&plusmn;</th>");
            m.append(" ").append(n).append(" us | +- |");
            if (i != baseline) {
                h.append("<th>ratio</th>");
                m.append(" ratio |");
            }
        }
        h.append("</tr>\n");
        m.append("\n|---|").append("---:|---:|".repeat(runs.size())).append("---:|".repeat(runs.size() - 1)).append("\n");
        for (Map.Entry<String, Cell[]> e : t.entrySet()) {
            Cell[] v = e.getValue();
            Cell b = v[baseline];
            h.append("<tr><td>").append(ReportWriter.esc(e.getKey())).append("</td>");
            m.append("| ").append(e.getKey()).append(" |");
            for (int i = 0; i < runs.size(); i++) {
                Cell c = v[i];
                if (c == null) {
                    h.append("<td class=\"n\">-</td><td></td>");
                    m.append(" - | |");
                } else {
                    h.append("<td class=\"n\">").append(ReportWriter.f2(c.us())).append("</td><td class=\"n\">")
                            .append(ReportWriter.f2(c.error())).append("</td>");
                    m.append(" ").append(ReportWriter.f2(c.us())).append(" | ").append(ReportWriter.f2(c.error())).append(" |");
                }
                if (i != baseline) {
                    if (c == null || b == null) {
                        h.append("<td class=\"n\">-</td>");
                        m.append(" - |");
                        continue;
                    }
                    int verdict = verdict(c, b);
                    String ratio = String.format(Locale.ROOT, "%.2f", c.us() / b.us());
                    if (verdict > 0) {
                        regressions++;
                        h.append("<td class=\"n bad\" title=\"worse than the baseline beyond the error bars\">&#9650; ")
                                .append(ratio).append(" worse</td>");
                        m.append(" **").append(ratio).append(" WORSE** |");
                    } else if (verdict < 0) {
                        h.append("<td class=\"n good\">&#9660; ").append(ratio).append(" better</td>");
                        m.append(" ").append(ratio).append(" better |");
                    } else {
                        h.append("<td class=\"n\">").append(ratio).append("</td>");
                        m.append(" ").append(ratio).append(" |");
                    }
                }
            }
            h.append("</tr>\n");
            m.append("\n");
        }
        h.append("</table>\n<p>").append(regressions).append(" result(s) worse than the baseline beyond the error bars.</p>\n");
        m.append("\n").append(regressions).append(" result(s) worse than the baseline beyond the error bars.\n");
        CrossMachine.appendHtml(h, runs);
        h.append("</body></html>\n");
        m.append(CrossMachine.markdown(runs));
        Files.writeString(html, h.toString(), StandardCharsets.UTF_8);
        String fileName = html.getFileName().toString();
        Path md = html.resolveSibling(fileName.replaceFirst("\\.html?$", "") + ".md");
        Files.writeString(md, m.toString(), StandardCharsets.UTF_8);
        return new Result(html, md, regressions);
    }
}
