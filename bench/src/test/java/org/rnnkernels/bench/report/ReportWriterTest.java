package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report generator on a small stored results folder (bench/src/test/resources/fixture). */
class ReportWriterTest {
    static final List<String> FILES = List.of("jmh.json", "machine.json", "peers.json");

    /** Copies the fixture folder into {@code dir} (optionally without some files). */
    static Path fixture(Path dir, String... skip) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            if (List.of(skip).contains(f)) {
                continue;
            }
            try (InputStream in = ReportWriterTest.class.getResourceAsStream("/fixture/" + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        return dir;
    }

    static ReportWriter.Line line(List<ReportWriter.Line> table, String label, int threads) {
        return table.stream().filter(l -> l.label().equals(label) && l.threads() == threads).findFirst().orElseThrow();
    }

    @Test
    void readsCellsGemmsAndPeers() throws IOException {
        BenchData d = BenchData.load(fixture(Files.createTempDirectory("rnk-fixture")));
        assertEquals(11 + 2, d.cells().size(), "11 JMH cell rows + 2 PyTorch rows");
        assertEquals(2, d.gemms().size());
        assertEquals(List.of("1x256x200", "1x512x100", "16x256x100"), d.shapes());
        assertEquals(List.of(1, 2), d.threads());
        // 2 * 512^3 flops in 4000 us
        assertEquals(67.1, d.sgemmPeak(), 0.05);
    }

    @Test
    void tableHasTimePerStepGflopsAndGruRatios() throws IOException {
        BenchData d = BenchData.load(fixture(Files.createTempDirectory("rnk-fixture")));
        List<ReportWriter.Line> t = ReportWriter.table(d, "1x256x200");
        assertEquals(List.of("GRU", "GRU", "LSTM", "RAG_GRU", "RAG_GRU", "RAG_MINIMAL", "pytorch GRU"),
                t.stream().map(ReportWriter.Line::label).toList(), "rnnkernels first, then PyTorch");
        ReportWriter.Line gru = line(t, "GRU", 1);
        assertEquals("20.00", gru.usPerStep(), "4000 us per call / T=200");
        assertEquals("1.00", gru.error());
        // 2 * B * G * H * (I + H) = 2 * 1 * 3 * 256 * 512 = 786432 flops per step in 20 us
        assertEquals("39.3", gru.gflops());
        assertEquals("1.00", gru.ratio());
        assertEquals("0.50", line(t, "RAG_GRU", 1).ratio());
        assertEquals("0.75", line(t, "RAG_MINIMAL", 1).ratio());
        assertEquals("1.50", line(t, "LSTM", 1).ratio());
        assertEquals("0.80", line(t, "RAG_GRU", 2).ratio(), "against the GRU with the same threads (15 us)");
        assertEquals("15.00", line(t, "GRU", 2).usPerStep());
        assertEquals("40.00", line(t, "pytorch GRU", 1).usPerStep(), "median 8000 us / 200");
        assertEquals("2.00", line(t, "pytorch GRU", 1).ratio());
        assertEquals("1.00", line(t, "pytorch GRU", 1).error(), "half the IQR (400 us) / 200");
        // LSTM 16x256x100: 2 * 16 * 4 * 256 * 512 flops per step in 300 us
        assertEquals("55.9", line(ReportWriter.table(d, "16x256x100"), "LSTM", 1).gflops());
        assertEquals("1.00", line(ReportWriter.table(d, "1x512x100"), "GRU", 1).ratio());
    }

    @Test
    void paperClaimsCompareRagWithGru() throws IOException {
        BenchData d = BenchData.load(fixture(Files.createTempDirectory("rnk-fixture")));
        List<ReportWriter.Claim> claims = ReportWriter.claims(d);
        assertEquals(5, claims.size());
        ReportWriter.Claim rag = claims.stream().filter(c -> c.cell().equals("RAG_GRU") && c.shape().equals("1x256x200")
                && c.threads() == 1).findFirst().orElseThrow();
        assertEquals(0.5, rag.ratio(), 1e-12);
        // relative errors 5% and 5% combine to 7.07%
        assertEquals(0.5 * Math.hypot(0.05, 0.05), rag.error(), 1e-12);
        assertEquals("meets the claim", ReportWriter.verdict(rag));
        ReportWriter.Claim minimal = claims.stream().filter(c -> c.cell().equals("RAG_MINIMAL")
                && c.shape().equals("1x256x200")).findFirst().orElseThrow();
        assertEquals(0.75, minimal.ratio(), 1e-12);
        assertEquals("slower than claimed, faster than GRU", ReportWriter.verdict(minimal));
        assertEquals("inconclusive: error bar too wide",
                ReportWriter.verdict(new ReportWriter.Claim("RAG_GRU", "1x8x2", 1, 1.1, 1.8, new double[0])));
        assertEquals("within error of the claim",
                ReportWriter.verdict(new ReportWriter.Claim("RAG_GRU", "1x8x2", 1, 0.6, 0.1, new double[0])));
    }

    /**
     * A claim timed again in back-to-back rounds ({@code paired.json}'s {@code claims}) is read from its rounds alone,
     * whatever the first pass said; the first pass's ratio stays in the table beside the rounds' median and range.
     */
    @Test
    void pairedRoundsDecideTheClaimsVerdict(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("paired"));
        var claims = BenchData.object().put("method", "test");
        var results = claims.putArray("results");
        // the first pass put RAG_GRU 1x256x200 t1 at 0.5 ("meets the claim"); its rounds read about the GRU's time
        var rag = results.addObject().put("cell", "RAG_GRU").put("shape", "1x256x200").put("threads", 1).putArray("pairs");
        rag.addObject().put("numeratorUs", 1010).put("denominatorUs", 1000);
        rag.addObject().put("numeratorUs", 920).put("denominatorUs", 1000);
        rag.addObject().put("numeratorUs", 1050).put("denominatorUs", 1000);
        // a round whose fork failed (PairedPeers writes NaN, which the file holds as "NaN"): left out
        rag.addObject().put("numeratorUs", Double.NaN).put("denominatorUs", 1000);
        // and RAG_MINIMAL 1x256x200 t1 (first pass 0.75) at 0.5 in every round
        var minimal = results.addObject().put("cell", "RAG_MINIMAL").put("shape", "1x256x200").put("threads", 1)
                .putArray("pairs");
        for (double us : new double[] {480, 500, 520}) {
            minimal.addObject().put("numeratorUs", us).put("denominatorUs", 1000);
        }
        BenchData.write(dir.resolve(BenchData.PAIRED_FILE), BenchData.object().set("claims", claims));
        BenchData d = BenchData.load(dir);
        List<ReportWriter.Claim> all = ReportWriter.claims(d);
        ReportWriter.Claim ragClaim = all.stream().filter(c -> c.cell().equals("RAG_GRU") && c.shape().equals("1x256x200")
                && c.threads() == 1).findFirst().orElseThrow();
        assertEquals(0.5, ragClaim.ratio(), 1e-12, "the first pass's ratio is kept");
        assertEquals(1.01, ragClaim.bestRatio(), 1e-12);
        assertEquals(0.09, ragClaim.bestError(), 1e-12, "the median's farther end: 1.01 - 0.92");
        assertEquals("1.01 (0.92-1.05)", PeerReport.medianAndRange(ragClaim.pairedRatios()));
        assertEquals("slower than claimed, level with GRU (paired: 1.01, 0.92-1.05 over 3 rounds)",
                ReportWriter.verdict(ragClaim));
        ReportWriter.Claim minimalClaim = all.stream().filter(c -> c.cell().equals("RAG_MINIMAL")
                && c.shape().equals("1x256x200")).findFirst().orElseThrow();
        assertEquals("meets the claim (paired: 0.50, 0.48-0.52 over 3 rounds)", ReportWriter.verdict(minimalClaim));
        ReportWriter.Claim unpaired = all.stream().filter(c -> !c.shape().equals("1x256x200") || c.threads() != 1)
                .findFirst().orElseThrow();
        assertEquals(0, unpaired.pairedRatios().length, "claims without rounds keep the first pass's verdict");
        assertEquals("within the rounds' range of the claim (paired: 0.60, 0.50-0.70 over 3 rounds)",
                ReportWriter.verdict(new ReportWriter.Claim("RAG_GRU", "1x8x2", 1, 0.4, 0.01, new double[] {0.5, 0.6, 0.7})));
        assertEquals("slower than claimed, faster than GRU (paired: 0.80, 0.70-0.90 over 3 rounds)",
                ReportWriter.verdict(new ReportWriter.Claim("RAG_GRU", "1x8x2", 1, 0.4, 0.01, new double[] {0.7, 0.8, 0.9})));
        assertEquals("slower than claimed, slower than GRU (paired: 1.20, 1.10-1.30 over 3 rounds)",
                ReportWriter.verdict(new ReportWriter.Claim("RAG_GRU", "1x8x2", 1, 0.4, 0.01, new double[] {1.1, 1.2, 1.3})));
        String md = ReportWriter.markdown(d, java.util.Set.of());
        assertTrue(md.contains("| RAG_GRU | 1x256x200 | 1 | 0.50 | 0.04 | 1.01 (0.92-1.05) | slower than claimed, level "
                + "with GRU (paired: 1.01, 0.92-1.05 over 3 rounds) |"), md);
    }

    @Test
    void writesSelfContainedHtmlMarkdownAndCharts(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("fixture-host-20261126-140000"));
        Path html = ReportWriter.write(BenchData.load(dir), dir);
        assertTrue(Files.size(html) > 10_000);
        Path md = dir.resolve("report.md");
        assertTrue(Files.exists(md));
        String page = Files.readString(html);
        for (String forbidden : List.of("http://", "https://", "src=\"http", "src='http", "href=\"http", "url(", "@import",
                "<script", "<link")) {
            assertFalse(page.toLowerCase().contains(forbidden), "the report must not contain " + forbidden);
        }
        Matcher src = Pattern.compile("src=\"([^\"]{0,30})").matcher(page);
        int images = 0;
        while (src.find()) {
            assertTrue(src.group(1).startsWith("data:image/png;base64,"), src.group(1));
            images++;
        }
        // 3 shapes x (time + GFLOP/s) + RAG chart + scaling vs H (1 thread, B=1) + vs B (1 thread, H=256)
        assertEquals(9, images);
        Map<String, String> machine = ReportWriter.machineTable(BenchData.load(dir));
        assertTrue(machine.get("CPU").startsWith("Test CPU 9000"));
        assertTrue(page.contains("Test CPU 9000"));
        assertTrue(page.contains("<td>RAG_GRU</td><td>1x256x200</td><td class=\"n\">1</td><td class=\"n\">0.50</td>"));
        assertTrue(page.contains("torch 2.0-test"));
        String markdown = Files.readString(md);
        assertTrue(markdown.contains("| GRU | 1 | 20.00 | 1.00 | 39.3 | 1.00 |"), markdown);
        assertTrue(markdown.contains("| pytorch GRU | 1 | 40.00 | 1.00 | 19.7 | 2.00 |"), markdown);
        assertFalse(markdown.contains("http://") || markdown.contains("https://"));
        try (var charts = Files.list(dir.resolve("charts"))) {
            assertEquals(9, charts.filter(p -> p.toString().endsWith(".png")).count());
        }
        assertTrue(Files.exists(dir.resolve("charts/time-1x256x200.png")));
    }

    @Test
    void saysSoWhenPyTorchIsMissing(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("run"), "peers.json");
        BenchData d = BenchData.load(dir);
        assertEquals(11, d.cells().size());
        assertTrue(ReportWriter.machineTable(d).get("PyTorch").startsWith("not measured"));
        var peers = TorchPeers.run(tmp.resolve("no-such-python").toString(), List.of("GRU"), List.of("1x8x2"),
                List.of(1), tmp, s -> { });
        assertFalse(peers.path("available").asBoolean());
        assertTrue(peers.path("reason").asText().contains("could not run"), peers.toString());
        BenchData.write(dir.resolve(BenchData.PEERS_FILE), peers);
        String page = Files.readString(ReportWriter.write(BenchData.load(dir), dir));
        assertTrue(page.contains("PyTorch</th><td>not measured: could not run"));
    }
}
