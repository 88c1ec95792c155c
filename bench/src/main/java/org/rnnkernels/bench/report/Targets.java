package org.rnnkernels.bench.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.rnnkernels.bench.report.BenchData.CellRow;
import org.rnnkernels.bench.report.BenchData.OtherRow;

/**
 * The research cells' speed targets (issue 5), each a ratio of two measurements of one run:
 * {@code numerator / denominator <= limit}. A target is evaluated once for every pair of rows that
 * match its two selectors and agree on every other parameter (one line per such setting).
 */
public final class Targets {
    private Targets() {
    }

    /** Rows of benchmark {@code benchmark} whose parameters include all of {@code params}. */
    record Selector(String benchmark, Map<String, String> params) {
        boolean matches(OtherRow row) {
            return row.benchmark().equals(benchmark)
                    && params.entrySet().stream().allMatch(e -> e.getValue().equals(row.params().get(e.getKey())));
        }
    }

    /** What is compared, with the limit on {@code numerator / denominator}. */
    record Definition(String what, Selector numerator, Selector denominator, double limit) {
    }

    /**
     * One evaluated target: {@code setting} names the other parameters of the pair; {@code numerator} and
     * {@code denominator} the two benchmarks at their parameters (what the main job times again);
     * {@code pairedRatios} the ratio in each round that timed them back to back ({@code paired.json}'s
     * {@code targets}), sorted, empty when they were not paired.
     */
    public record Result(String what, String setting, double ratio, double error, double limit, BenchData.Run numerator,
                         BenchData.Run denominator, double[] pairedRatios) {
        /**
         * Paired, from the rounds alone: "met" when every round's ratio is within the limit, "not met" when every
         * one is above it, else "within the rounds' range of the limit". Unpaired: "met" when even ratio + error is
         * within the limit, "not met" when ratio - error is above it.
         */
        public String verdict() {
            if (pairedRatios.length > 0) {
                double low = pairedRatios[0], high = pairedRatios[pairedRatios.length - 1];
                String rounds = PeerReport.roundsNote(pairedRatios);
                return (high <= limit ? "met" : low > limit ? "not met" : "within the rounds' range of the limit") + rounds;
            }
            if (ratio + error <= limit) {
                return "met";
            }
            return ratio - error > limit ? "not met" : "within error of the limit";
        }
    }

    static final List<Definition> DEFINITIONS = List.of(
            new Definition("EGRU at 90% sparsity (activity 0.10) / dense GRU, B=1 H=1024",
                    new Selector("EgruBenchmark.forward", Map.of("variant", "EGRU@0.10")),
                    new Selector("EgruBenchmark.forward", Map.of("variant", "GRU")), 0.3),
            new Definition("EGRU at 0% sparsity (activity 1.00) / dense GRU, B=1 H=1024",
                    new Selector("EgruBenchmark.forward", Map.of("variant", "EGRU@1.00")),
                    new Selector("EgruBenchmark.forward", Map.of("variant", "GRU")), 1.2),
            // Gated cells only: an RRNN has one gate block, so sharing its rows saves parameters, not time.
            new Definition("restricted GRU, sharing rate 0.5 / rate 0, B=1 H=512",
                    new Selector("RestrictedBenchmark.forward", Map.of("cell", "GRU", "rate", "0.5")),
                    new Selector("RestrictedBenchmark.forward", Map.of("cell", "GRU", "rate", "0")), 0.75),
            new Definition("restricted LSTM, sharing rate 0.5 / rate 0, B=1 H=512",
                    new Selector("RestrictedBenchmark.forward", Map.of("cell", "LSTM", "rate", "0.5")),
                    new Selector("RestrictedBenchmark.forward", Map.of("cell", "LSTM", "rate", "0")), 0.75),
            new Definition("ternary GRU (ternary x ternary) / float GRU, B=1 H=1024",
                    new Selector("TernaryBenchmark.forward", Map.of("cell", "GRU", "variant", "ternary")),
                    new Selector("TernaryBenchmark.forward", Map.of("cell", "GRU", "variant", "float32")), 0.35),
            new Definition("LightRNN output (row + column softmax) / full V x H softmax (OpenBLAS), V=10000 H=256",
                    new Selector("LightRnnBenchmark.outputLightRnn", Map.of()),
                    new Selector("LightRnnBenchmark.outputFullSoftmax", Map.of()), 0.05));

    /**
     * The cell benchmark's full JMH name: the MI targets are read from its rows, and the main job's reruns and pairs
     * run it by this name (a string here, the report reading only JSON; {@code SteadinessTest} checks it against the
     * class).
     */
    public static final String CELL_BENCHMARK = "org.rnnkernels.bench.CellBenchmark.forward";

    /** MI cells: at most 10% slower than their plain cell at B=1, H=256, one thread (from the cell benchmark). */
    static final double MI_LIMIT = 1.1;
    static final Map<String, String> MI_PLAIN = Map.of("MI_RNN", "RNN_TANH", "MI_LSTM", "LSTM", "MI_GRU", "GRU");

    public static List<Result> evaluate(BenchData data) {
        List<Result> out = new ArrayList<>();
        for (CellRow mi : data.cells()) {
            String plain = MI_PLAIN.get(mi.cell());
            if (plain == null || !mi.source().equals("rnnkernels") || mi.batch() != 1 || mi.hidden() != 256 || mi.threads() != 1) {
                continue;
            }
            data.cells().stream().filter(r -> r.source().equals("rnnkernels") && r.cell().equals(plain)
                    && r.shape().equals(mi.shape()) && r.threads() == 1).findFirst().ifPresent(p -> out.add(
                    ratio(data, mi.cell() + " / " + plain + ", B=1 H=256, 1 thread", mi.shape(),
                            mi.usPerStep(), mi.errorPerStepUs(), p.usPerStep(), p.errorPerStepUs(), MI_LIMIT,
                            cellRun(mi), cellRun(p))));
        }
        for (Definition d : DEFINITIONS) {
            Set<String> keys = new HashSet<>(d.numerator().params().keySet());
            keys.addAll(d.denominator().params().keySet());
            for (OtherRow n : data.others()) {
                if (!d.numerator().matches(n)) {
                    continue;
                }
                for (OtherRow m : data.others()) {
                    if (d.denominator().matches(m) && sameOtherParams(n, m, keys)) {
                        out.add(ratio(data, d.what(), setting(n, keys), n.us(), n.errorUs(), m.us(), m.errorUs(),
                                d.limit(), n.run(), m.run()));
                    }
                }
            }
        }
        return out;
    }

    private static boolean sameOtherParams(OtherRow a, OtherRow b, Set<String> selected) {
        Map<String, String> pa = new TreeMap<>(a.params());
        Map<String, String> pb = new TreeMap<>(b.params());
        pa.keySet().removeAll(selected);
        pb.keySet().removeAll(selected);
        return pa.equals(pb);
    }

    private static String setting(OtherRow row, Set<String> selected) {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(row.params()).forEach((k, v) -> {
            if (!selected.contains(k)) {
                s.append(s.isEmpty() ? "" : " ").append(k).append('=').append(v);
            }
        });
        return s.toString();
    }

    private static Result ratio(BenchData data, String what, String setting, double a, double aErr, double b,
                                double bErr, double limit, BenchData.Run numerator, BenchData.Run denominator) {
        double ratio = a / b;
        return new Result(what, setting, ratio, ratio * Math.hypot(aErr / a, bErr / b), limit, numerator, denominator,
                data.pairedTargetRatios(what, setting));
    }

    // The cell benchmark's run of a one-thread row (the MI targets').
    private static BenchData.Run cellRun(CellRow row) {
        return new BenchData.Run(CELL_BENCHMARK, Map.of("cell", row.cell(), "shape", row.shape(), "threads", "1"));
    }

    /** The targets as a Markdown table (also used by the HTML page's section). */
    static String markdown(BenchData data) {
        List<Result> results = evaluate(data);
        StringBuilder m = new StringBuilder("\n## Research cells: issue targets\n\n");
        if (results.isEmpty()) {
            return m.append("Not measured in this run.\n").toString();
        }
        m.append("measured and +-: the first pass; paired: the rounds that timed both sides again back to back, median "
                + "(range); the verdict reads the rounds when there are any.\n\n");
        m.append("| target | setting | measured | +- | paired | limit | verdict |\n|---|---|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            m.append("| ").append(r.what()).append(" | ").append(r.setting()).append(" | ").append(f2(r.ratio()))
                    .append(" | ").append(f2(r.error())).append(" | ")
                    .append(PeerReport.medianAndRange(r.pairedRatios())).append(" | <= ")
                    .append(f2(r.limit())).append(" | ").append(r.verdict()).append(" |\n");
        }
        return m.toString();
    }

    static void appendHtml(StringBuilder h, BenchData data) {
        List<Result> results = evaluate(data);
        h.append("<h2>Research cells: issue targets</h2>\n");
        if (results.isEmpty()) {
            h.append("<p>Not measured in this run.</p>\n");
            return;
        }
        h.append("<p>Each target is a ratio of two measurements of this run (lower is faster): the first pass, and the "
                + "rounds that timed both sides again back to back (median and range; the verdict reads them).</p>\n");
        h.append("<table><tr><th>target</th><th>setting</th><th>measured</th><th>&plusmn;</th><th>paired</th>"
                + "<th>limit</th><th>verdict</th></tr>\n");
        for (Result r : results) {
            String verdict = r.verdict();
            h.append("<tr><td>").append(ReportWriter.esc(r.what())).append("</td><td>").append(ReportWriter.esc(r.setting()))
                    .append("</td><td class=\"n\">").append(f2(r.ratio())).append("</td><td class=\"n\">").append(f2(r.error()))
                    .append("</td><td class=\"n\">").append(PeerReport.medianAndRange(r.pairedRatios()))
                    .append("</td><td class=\"n\">&le; ").append(f2(r.limit())).append("</td><td class=\"")
                    .append(verdict.startsWith("met") ? "good" : verdict.startsWith("not met") ? "bad" : "").append("\">")
                    .append(verdict).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
