package org.rnnkernels.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.rnnkernels.CellType;
import org.rnnkernels.bench.fhe.FheCells;
import org.rnnkernels.bench.fhe.FheCircuit.Count;
import org.rnnkernels.bench.fhe.PbsTimings;

/**
 * The encrypted (TFHE) cost model of issue 13 as tables: per cell, one step's PBS, ciphertext products,
 * plaintext multiply-adds, additions, PBS depth and the estimated time from published PBS timings, with the
 * ratio to the GRU beside the RAG paper's claim. Printed by {@code bench fhe} and a section of the main job's
 * report (the same defaults). An estimate from counts and published timings, not a measurement.
 */
public final class EncryptedCost {
    /** The report's defaults: H = I = 256, working widths 2 and 3 bits, exact and rounded products. */
    public static final List<Integer> REPORT_HIDDEN = List.of(256);
    public static final List<Integer> DEFAULT_BITS = List.of(2, 3);
    static final String TITLE = "Encrypted inference (TFHE): estimated cost of one step";

    private EncryptedCost() {
    }

    /** One cell's step: its counts, sequential and critical-path milliseconds, and time over the GRU's. */
    public record Row(CellType cell, Count count, double ms, double criticalMs, double ratioToGru) {
    }

    /** The options of one table. */
    public record Setup(int input, int hidden, int bits, boolean exactProducts) {
    }

    /** Every counted cell at {@code setup}, in {@link CellType} order. */
    public static List<Row> rows(Setup s, PbsTimings timings) {
        Count gru = count(CellType.GRU, s, timings).orElseThrow();
        double gruMs = gru.sequentialMs(timings, s.bits());
        List<Row> out = new ArrayList<>();
        for (CellType cell : FheCells.counted()) {
            Count c = count(cell, s, timings).orElseThrow();
            double ms = c.sequentialMs(timings, s.bits());
            out.add(new Row(cell, c, ms, c.criticalPathMs(), ms / gruMs));
        }
        return out;
    }

    private static Optional<Count> count(CellType cell, Setup s, PbsTimings timings) {
        return FheCells.count(cell, s.input(), s.hidden(), s.bits(), s.exactProducts(), timings);
    }

    // ---------------------------------------------------------------- tables

    static final List<String> HEADER = List.of("cell", "PBS", "PBS by input width (bits: count)", "ct*ct products",
            "ct*pt MACs", "additions", "PBS depth", "est. time/step, 1 core", "critical path", "x GRU", "paper (RAG vs GRU/LSTM)");

    static List<List<String>> cells(Setup s, PbsTimings timings) {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows(s, timings)) {
            Count c = r.count();
            String byWidth = c.pbsByWidth().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining(", "));
            boolean rag = r.cell().name().startsWith("RAG_");
            out.add(List.of(r.cell().name(), Long.toString(c.pbs()), byWidth, Long.toString(c.products()),
                    Long.toString(c.macs()), Long.toString(c.additions()), Integer.toString(c.depth()),
                    time(r.ms(), c, timings), time(r.criticalMs(), c, timings),
                    Double.isNaN(r.ratioToGru()) ? "n/a" : String.format(Locale.ROOT, "%.2f", r.ratioToGru()),
                    rag ? FheCells.PAPER_CLAIM : ""));
        }
        return out;
    }

    static String time(double ms, Count c, PbsTimings timings) {
        if (Double.isNaN(ms)) {
            return "n/a (" + c.widest() + "-bit PBS; table stops at " + timings.widestPbs() + ")";
        }
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    static String caption(Setup s) {
        return String.format(Locale.ROOT, "I = %d, H = %d, batch 1, working width B = %d bits, %s products", s.input(),
                s.hidden(), s.bits(), s.exactProducts() ? "exact" : "rounded");
    }

    /** RAG over its classic counterpart, from the rows: "RAG_MINIMAL/GRU 0.33, RAG_GRU/GRU ..., RAG_LSTM/LSTM ...". */
    static String ragRatios(List<Row> rows) {
        Map<CellType, Double> ms = rows.stream().collect(Collectors.toMap(Row::cell, Row::ms));
        return String.join(", ", ratio(ms, CellType.RAG_MINIMAL, CellType.GRU), ratio(ms, CellType.RAG_GRU, CellType.GRU),
                ratio(ms, CellType.RAG_LSTM, CellType.LSTM));
    }

    private static String ratio(Map<CellType, Double> ms, CellType rag, CellType classic) {
        double r = ms.get(rag) / ms.get(classic);
        return rag.name() + "/" + classic.name() + " " + (Double.isNaN(r) ? "n/a"
                : String.format(Locale.ROOT, "%.2f (speed-up %.2fx)", r, 1 / r));
    }

    // ---------------------------------------------------------------- Markdown

    /** The section for the given tables (one per hidden size, width and product kind), with its assumptions. */
    public static String markdown(List<Setup> setups, PbsTimings timings) {
        StringBuilder m = new StringBuilder();
        m.append("\n## ").append(TITLE).append(" (an estimate, not a measurement)\n\n");
        m.append(intro(timings)).append("\n");
        for (Setup s : setups) {
            m.append("\n### ").append(caption(s)).append("\n\n");
            m.append("| ").append(String.join(" | ", HEADER)).append(" |\n|---|");
            m.append("---:|".repeat(HEADER.size() - 2)).append("---|\n");
            for (List<String> row : cells(s, timings)) {
                m.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            m.append("\n").append(ragRatios(rows(s, timings))).append(".\n");
        }
        m.append("\nAssumptions:\n\n");
        FheCells.ASSUMPTIONS.forEach(a -> m.append("- ").append(a).append("\n"));
        notCountable().forEach(n -> m.append("- Not counted: ").append(n).append("\n"));
        m.append("\nTimings (").append(timings.name()).append("):\n\n");
        for (PbsTimings.Row r : timings.rows()) {
            m.append(String.format(Locale.ROOT, "- %s, %d bits: %s ms (%s; %s)%n", r.op(), r.bits(), num(r.ms()),
                    r.parameterSet(), r.source()));
        }
        m.append("\n").append(PAPERS).append("\n");
        return m.toString();
    }

    /** The report's section: {@link #REPORT_HIDDEN} with I = H, {@link #DEFAULT_BITS}, exact and rounded products. */
    public static String markdown(BenchData data) {
        return markdown(reportSetups(), PbsTimings.bundled());
    }

    static List<Setup> reportSetups() {
        List<Setup> out = new ArrayList<>();
        for (boolean exact : List.of(true, false)) {
            for (int h : REPORT_HIDDEN) {
                for (int b : DEFAULT_BITS) {
                    out.add(new Setup(h, h, b, exact));
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- HTML

    /** The report's section as HTML. */
    public static void appendHtml(StringBuilder h, BenchData data) {
        PbsTimings timings = PbsTimings.bundled();
        h.append("<h2>").append(ReportWriter.esc(TITLE)).append(" (an estimate, not a measurement)</h2>\n");
        h.append("<p>").append(ReportWriter.esc(intro(timings))).append("</p>\n");
        for (Setup s : reportSetups()) {
            h.append("<h3>").append(ReportWriter.esc(caption(s))).append("</h3>\n<table><tr>");
            HEADER.forEach(c -> h.append("<th>").append(ReportWriter.esc(c)).append("</th>"));
            h.append("</tr>\n");
            for (List<String> row : cells(s, timings)) {
                h.append("<tr>");
                for (int i = 0; i < row.size(); i++) {
                    h.append(i == 0 || i == 2 || i == row.size() - 1 ? "<td>" : "<td class=\"n\">")
                            .append(ReportWriter.esc(row.get(i))).append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</table>\n<p>").append(ReportWriter.esc(ragRatios(rows(s, timings)))).append(".</p>\n");
        }
        h.append("<p class=\"note\">Assumptions:</p>\n<ul class=\"note\">\n");
        FheCells.ASSUMPTIONS.forEach(a -> h.append("<li>").append(ReportWriter.esc(a)).append("</li>\n"));
        notCountable().forEach(n -> h.append("<li>Not counted: ").append(ReportWriter.esc(n)).append("</li>\n"));
        h.append("</ul>\n<p class=\"note\">Timings (").append(ReportWriter.esc(timings.name())).append("):</p>\n<ul class=\"note\">\n");
        for (PbsTimings.Row r : timings.rows()) {
            h.append("<li>").append(ReportWriter.esc(String.format(Locale.ROOT, "%s, %d bits: %s ms (%s; %s)", r.op(),
                    r.bits(), num(r.ms()), r.parameterSet(), r.source()))).append("</li>\n");
        }
        h.append("</ul>\n<p class=\"note\">").append(ReportWriter.esc(PAPERS)).append("</p>\n");
    }

    // ---------------------------------------------------------------- text

    static String intro(PbsTimings timings) {
        return "What one step of each cell costs as a TFHE circuit (batch 1): programmable bootstraps (PBS: each "
                + "ReLU, max/min, hardtanh, sigmoid, tanh or threshold lookup table, counted at its input's width), "
                + "ciphertext-by-ciphertext products (2 PBS each, see A3), ciphertext-by-plaintext multiply-adds "
                + "(the weights are plaintext) and ciphertext additions, counted from the cells' equations "
                + "(CELLS.md; the RAG cells as the integer kernels compute them) by bench/.../fhe/FheCells.java; "
                + "the PBS depth of a step's critical path; and the time those counts cost at published TFHE-rs "
                + "timings (" + String.join("; ", timings.sources()) + "). x GRU is the sequential time over the GRU's "
                + "at the same setting. 'exact' and 'rounded' products bound what a product costs (A3).";
    }

    static List<String> notCountable() {
        return FheCells.notCountable().entrySet().stream().map(e -> e.getKey().name() + ": " + e.getValue()).toList();
    }

    static final String PAPERS = "The papers: the RAG paper's revised version (arXiv 2308.05629 v2, \"Inhibitor "
            + "Transformers and Gated RNNs for Torus Efficient FHE\") claims 3-6x faster encrypted inference for its "
            + "inhibitor cells than for GRU/LSTM, from complexity analyses and scaling experiments under TFHE (its v1 "
            + "abstract: one third less time under encryption); the inhibitor-attention paper (arXiv 2310.02041, "
            + "with a Zama co-author) reports 3-6x for attention the same way. Only their abstracts and summaries "
            + "could be read here, not how they count PBS, so this model is independent of theirs. Where it agrees: "
            + "the RAG cells need no ciphertext product; RAG-minimal and RAG-LSTM have shallower PBS critical paths "
            + "(depth 3 and 4 against GRU's 5 and LSTM's 6; RAG-GRU is as deep as GRU); and exact products double a "
            + "value's width, so the GRU's candidate and state update run PBS several bits wider than any RAG "
            + "table, where PBS time grows steeply (the bundled table: 4 -> 8 bits is over 100x). Where it differs: "
            + "PBS for PBS a RAG step is not cheaper (S costs 2 PBS, as many as a product: RAG-minimal and GRU both "
            + "need 8 per unit, RAG-GRU 11), so any advantage here comes from PBS widths and the price steps of the "
            + "table (A6), and its size depends on B and on how products are rounded (the ratio lines above): from "
            + "none (rounded products, B = 2) to far beyond 6x (exact products, B = 3) with the bundled timings. "
            + "Which end a real compiled circuit sits at depends on how the compiler (Concrete) rounds products and "
            + "accumulators, which is not modelled.";

    private static String num(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%.6f", ms);
    }
}
