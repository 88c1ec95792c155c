package org.rnnkernels.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rnnkernels.bench.report.BenchData.CellRow;

/**
 * Runs from different machines side by side, each measured against itself: per cell, shape and threads,
 * every run's time per step, its GFLOP/s as a share of the sgemm peak that run measured on as many
 * threads, and its ratio to the oneDNN and PyTorch times of the same run. Times across machines differ
 * with the CPU; the shares and ratios are what can be compared. {@link #keep} files a run's JSON under
 * the tracked {@code docs/machines/} folder, one subfolder per machine and date.
 */
public final class CrossMachine {
    /** The files a kept run carries: the results and the machine, not the charts or the pages. */
    public static final List<String> KEPT_FILES = List.of(BenchData.JMH_FILE, BenchData.JMH_RESEARCH_FILE,
            BenchData.JMH_TRAINING_FILE, BenchData.JMH_PARTS_FILE, BenchData.JMH_INT8_FILE,
            BenchData.INT8_PEERS_FILE, BenchData.MACHINE_FILE, BenchData.PEERS_FILE, BenchData.ONEDNN_FILE,
            BenchData.TRAINING_FILE, BenchData.PAIRED_FILE);

    private CrossMachine() {
    }

    /** One run's figures for one benchmark; NaN where that run lacks a peer or a peak. */
    public record Entry(double usPerStep, double errorPerStepUs, double peakShare, double toOnednn, double toTorch) {
    }

    /** A run's column heading: CPU, vector width, OpenBLAS core and date. */
    public static String heading(BenchData run) {
        var m = run.machine();
        var cpu = m.path("cpu");
        return cpu.path("model").asText("?") + " (family " + cpu.path("family").asText("?") + ", model "
                + cpu.path("modelNumber").asText("?") + "), " + m.path("vector").asText("?") + ", OpenBLAS core "
                + m.path("blas").path("coreName").asText("?") + ", " + m.path("date").asText("?").split("T")[0];
    }

    /** Key ({@code GRU 16x256x100 t1}) to one entry per run (null where a run lacks it), in first-seen order. */
    public static Map<String, Entry[]> table(List<BenchData> runs) {
        Map<String, Entry[]> t = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            BenchData d = runs.get(i);
            for (String shape : d.shapes()) {
                for (CellRow r : d.rows(shape)) {
                    if (!r.source().equals("rnnkernels")) {
                        continue;
                    }
                    double dnn = d.peer("onednn", r).map(CellRow::usPerStep).orElse(Double.NaN);
                    double torch = d.peer("pytorch", r).map(CellRow::usPerStep).orElse(Double.NaN);
                    t.computeIfAbsent(r.key(), k -> new Entry[runs.size()])[i] = new Entry(r.usPerStep(),
                            r.errorPerStepUs(), r.gflops() / d.sgemmPeak(r.threads()), r.usPerStep() / dnn,
                            r.usPerStep() / torch);
                }
            }
        }
        return t;
    }

    public static String markdown(List<BenchData> runs) {
        StringBuilder m = new StringBuilder("\n## Across machines\n\n");
        m.append("Each run against itself: us/step; peak = GFLOP/s over that run's sgemm peak on as many threads; "
                + "xDNN, xPT = time over that run's oneDNN and PyTorch time (below 1: rnnkernels faster).\n\n");
        for (int i = 0; i < runs.size(); i++) {
            m.append("- #").append(i + 1).append(": ").append(heading(runs.get(i))).append("\n");
        }
        m.append("\n| benchmark |");
        for (int i = 0; i < runs.size(); i++) {
            m.append(" #").append(i + 1).append(" us/step | peak | xDNN | xPT |");
        }
        m.append("\n|---|").append("---:|---:|---:|---:|".repeat(runs.size())).append("\n");
        for (Map.Entry<String, Entry[]> e : table(runs).entrySet()) {
            m.append("| ").append(e.getKey()).append(" |");
            for (Entry x : e.getValue()) {
                if (x == null) {
                    m.append(" - | - | - | - |");
                } else {
                    m.append(" ").append(PeerReport.pm(x.usPerStep(), x.errorPerStepUs())).append(" | ")
                            .append(PeerReport.percent(x.peakShare())).append(" | ").append(PeerReport.ratio(x.toOnednn()))
                            .append(" | ").append(PeerReport.ratio(x.toTorch())).append(" |");
                }
            }
            m.append("\n");
        }
        return m.toString();
    }

    public static void appendHtml(StringBuilder h, List<BenchData> runs) {
        h.append("<h2>Across machines</h2>\n<p class=\"note\">Each run against itself: &micro;s/step; peak = GFLOP/s "
                + "over that run's sgemm peak on as many threads; &times;oneDNN, &times;PyTorch = time over that run's "
                + "peer time (below 1: rnnkernels faster).</p>\n<ol>\n");
        runs.forEach(r -> h.append("<li>").append(ReportWriter.esc(heading(r))).append("</li>\n"));
        h.append("</ol>\n<table><tr><th>benchmark</th>");
        for (int i = 0; i < runs.size(); i++) {
            h.append("<th>#").append(i + 1).append(" &micro;s/step</th><th>peak</th><th>&times;oneDNN</th>"
                    + "<th>&times;PyTorch</th>");
        }
        h.append("</tr>\n");
        for (Map.Entry<String, Entry[]> e : table(runs).entrySet()) {
            h.append("<tr><td>").append(ReportWriter.esc(e.getKey())).append("</td>");
            for (Entry x : e.getValue()) {
                if (x == null) {
                    h.append("<td class=\"n\">-</td><td></td><td></td><td></td>");
                } else {
                    h.append("<td class=\"n\">").append(PeerReport.pm(x.usPerStep(), x.errorPerStepUs()))
                            .append("</td><td class=\"n\">").append(PeerReport.percent(x.peakShare()))
                            .append("</td><td class=\"n\">").append(PeerReport.ratio(x.toOnednn()))
                            .append("</td><td class=\"n\">").append(PeerReport.ratio(x.toTorch())).append("</td>");
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /**
     * The subfolder name a run is kept under: CPU model, family and model number, vector width, date and the
     * minute the run began ({@code amd-epyc-f26m2-512bit-20261206-0701}): two runs of one machine on one day are
     * two folders.
     */
    public static String folderName(BenchData run) {
        var m = run.machine();
        var cpu = m.path("cpu");
        String model = cpu.path("model").asText("cpu").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-|-$", "");
        String bits = m.path("vector").asText("").replaceAll(".*?(\\d+)-bit.*", "$1");
        String date = m.path("date").asText("").replaceAll("[^0-9]", "");
        return model + "-f" + cpu.path("family").asText("?") + "m" + cpu.path("modelNumber").asText("?")
                + (bits.matches("\\d+") ? "-" + bits + "bit" : "") + "-"
                + (date.length() >= 12 ? date.substring(0, 8) + "-" + date.substring(8, 12) : date.length() >= 8 ? date.substring(0, 8) : "undated");
    }

    /**
     * Copies {@link #KEPT_FILES} of the run in {@code dir} into {@code machines/<folderName>/}; returns that folder.
     * A folder that holds another run (its {@code machine.json} from another date) is refused, not overwritten.
     */
    public static Path keep(Path dir, Path machines) throws IOException {
        BenchData run = BenchData.load(dir);
        Path target = machines.resolve(folderName(run));
        Path keptMachine = target.resolve(BenchData.MACHINE_FILE);
        if (Files.exists(keptMachine)) {
            String keptDate = BenchData.load(target).machine().path("date").asText("");
            String date = run.machine().path("date").asText("");
            if (!keptDate.equals(date)) {
                throw new IOException(target + " already holds the run of " + keptDate + "; not overwritten with the run of "
                        + date + " (move one of them)");
            }
        }
        Files.createDirectories(target);
        List<String> copied = new ArrayList<>();
        for (String f : KEPT_FILES) {
            if (Files.exists(dir.resolve(f))) {
                Files.copy(dir.resolve(f), target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                copied.add(f);
            }
        }
        return target;
    }
}
