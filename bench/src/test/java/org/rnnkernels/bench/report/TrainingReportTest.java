package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training-step section from the stored fixture: rnnkernels' times ({@code jmh-training.json}),
 * PyTorch's ({@code training.json}) and the sgemm peak of {@code jmh.json} (67.1 GFLOP/s).
 */
class TrainingReportTest {

    /** The base fixture folder plus the training files named in {@code training}. */
    static Path fixture(Path dir, String... training) throws IOException {
        ReportWriterTest.fixture(dir);
        for (String f : training) {
            try (InputStream in = TrainingReportTest.class.getResourceAsStream("/fixture/" + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        return dir;
    }

    static TrainingReport.Row row(List<TrainingReport.Row> rows, String cell, String shape) {
        return rows.stream().filter(r -> r.cell().equals(cell) && r.shape().equals(shape)).findFirst().orElseThrow();
    }

    @Test
    void pairsEachCaseWithPyTorchTheTargetAndTheFloor(@TempDir Path tmp) throws IOException {
        BenchData d = BenchData.load(fixture(tmp, BenchData.JMH_TRAINING_FILE, BenchData.TRAINING_FILE));
        List<TrainingReport.Row> rows = TrainingReport.rows(d);
        assertEquals(4, rows.size());
        assertEquals(11 + 2, d.cells().size(), "the training rows stay out of the inference tables");

        TrainingReport.Row gru = row(rows, "GRU", "64x64x100");
        assertEquals(20.0, gru.ms(), 1e-12, "JMH's ms/op");
        assertEquals(80.0, gru.torchMs(), 1e-12);
        assertEquals(2.0, gru.torchErrorMs(), 1e-12, "half the IQR (82 - 78)");
        assertEquals(4.0, gru.speedup(), 1e-12);
        // relative errors 1/20 and 2/80 combine
        assertEquals(4.0 * Math.hypot(0.05, 0.025), gru.speedupError(), 1e-12);
        assertEquals("met", gru.verdict(true));
        // 3 * 2 * B * G * H * H * T = 3 * 2 * 64 * 3 * 64 * 64 * 100 FLOP at 2 * 512^3 FLOP / 4000 us
        assertEquals(471_859_200.0, gru.recurrentFlop(), 1e-3);
        assertEquals(7.03125, gru.floorMs(), 1e-9);
        assertEquals(1.0, gru.ratioToGru(), 1e-12);

        assertEquals("not met", row(rows, "LSTM", "64x64x100").verdict(true), "2.5x, +- 0.18");
        assertEquals(4.0 / 3 * 7.03125, row(rows, "LSTM", "64x64x100").floorMs(), 1e-9, "4 gate blocks to 3");
        TrainingReport.Row big = row(rows, "GRU", "16x256x100");
        assertEquals(3.2, big.speedup(), 1e-12);
        assertEquals("within error of the target", big.verdict(true), "3.2 - 0.26 < 3 < 3.2 + 0.26");
        assertEquals(28.125, big.floorMs(), 1e-9);

        TrainingReport.Row rag = row(rows, "RAG_GRU", "64x64x100");
        assertTrue(Double.isNaN(rag.torchMs()));
        assertEquals("no PyTorch counterpart", rag.verdict(true));
        assertEquals(0.75, rag.ratioToGru(), 1e-12, "15 ms over the GRU's 20 ms");
    }

    @Test
    void writesTheTableIntoBothReports(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("run"), BenchData.JMH_TRAINING_FILE, BenchData.TRAINING_FILE);
        Path html = ReportWriter.write(BenchData.load(dir), dir);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("## Training step (forward + backward + clip + Adam), 1 thread"), md);
        assertTrue(md.contains("| GRU | 64x64x100 | 20.0 | 1.0 | 80.0 | 2.0 | 4.00 | 0.22 | met | 1.00 | 7.03 | 2.8 |"), md);
        assertTrue(md.contains("| LSTM | 64x64x100 | 40.0 | 2.0 | 100.0 | 5.0 | 2.50 | 0.18 | not met | 2.00 | 9.38 | 4.3 |"),
                md);
        assertTrue(md.contains("| RAG_GRU | 64x64x100 | 15.0 | 1.0 | - | - | - | - | no PyTorch counterpart | 0.75 |"), md);
        assertTrue(md.contains("PyTorch 2.0-test (python3, 1 thread, OMP_WAIT_POLICY=PASSIVE"), md);
        assertTrue(md.contains("measured single-thread sgemm peak, 67.1 GFLOP/s"), md);
        String page = Files.readString(html);
        assertTrue(page.contains("<h2>Training step (forward + backward + clip + Adam), 1 thread</h2>"));
        assertTrue(page.contains("<td>GRU</td><td>64x64x100</td><td class=\"n\">20.0</td>"), page);
        assertTrue(page.contains("<td class=\"good\">met</td>"));
        assertTrue(page.contains("<td class=\"bad\">not met</td>"));
        assertTrue(page.contains("<td class=\"\">within error of the target</td>"));
    }

    @Test
    void saysSoWhenPyTorchIsMissing(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("run"), BenchData.JMH_TRAINING_FILE, BenchData.TRAINING_FILE);
        ObjectNode torch = TorchPeers.runTraining(tmp.resolve("no-such-python").toString(),
                List.of("GRU:64x64x100", "RAG_GRU:64x64x100"), tmp, s -> { });
        assertFalse(torch.path("available").asBoolean());
        assertTrue(torch.path("reason").asText().contains("could not run"), torch.toString());
        ObjectNode training = (ObjectNode) BenchData.read(dir.resolve(BenchData.TRAINING_FILE));
        training.set("pytorch", torch);
        BenchData.write(dir.resolve(BenchData.TRAINING_FILE), training);

        BenchData d = BenchData.load(dir);
        TrainingReport.Row gru = row(TrainingReport.rows(d), "GRU", "64x64x100");
        assertTrue(Double.isNaN(gru.torchMs()));
        assertEquals("PyTorch not timed", gru.verdict(false));
        ReportWriter.write(d, dir);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| GRU | 64x64x100 | 20.0 | 1.0 | - | - | - | - | PyTorch not timed | 1.00 | 7.03 | 2.8 |"),
                md);
        assertTrue(md.contains("- PyTorch: not timed: could not run "), md);

        JsonNode comparison = TrainingReport.json(d);
        assertEquals(4, comparison.size());
        assertTrue(comparison.get(0).get("pytorchMs").isNull());
        assertEquals("PyTorch not timed", comparison.get(0).get("verdict").asText());
        assertEquals(20.0, comparison.get(0).get("rnnkernelsMs").asDouble(), 1e-12);
    }

    @Test
    void startsNoPythonWithoutACellPyTorchHas(@TempDir Path tmp) {
        ObjectNode torch = TorchPeers.runTraining("python-that-must-not-run", List.of("RAG_GRU:64x64x100"), tmp, s -> { });
        assertFalse(torch.path("available").asBoolean());
        assertEquals("no training case of this run has a PyTorch counterpart", torch.path("reason").asText());
    }

    @Test
    void notMeasuredWithoutTrainingFiles(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("run"));
        BenchData d = BenchData.load(dir);
        assertTrue(TrainingReport.rows(d).isEmpty());
        ReportWriter.write(d, dir);
        assertTrue(Files.readString(dir.resolve("report.md")).contains(
                "## Training step (forward + backward + clip + Adam), 1 thread\n\nNot measured in this run.\n"));
    }

    @Test
    void statesNoFloorWithoutAnSgemmPeak(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp.resolve("run"), BenchData.JMH_TRAINING_FILE, BenchData.TRAINING_FILE);
        Files.writeString(dir.resolve(BenchData.JMH_FILE), "[]");
        BenchData d = BenchData.load(dir);
        TrainingReport.Row gru = row(TrainingReport.rows(d), "GRU", "64x64x100");
        assertTrue(Double.isNaN(gru.floorMs()), "no sgemm, no peak");
        assertEquals("met", gru.verdict(true));
        ReportWriter.write(d, dir);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| met | 1.00 | - | - |"), md);
        assertTrue(md.contains("not stated, this run has no sgemm measurement"), md);
    }

    @Test
    void wideErrorBarsAreInconclusive() {
        // a --quick run on a busy machine: 2.0x +- 1.4 says nothing about 3x
        TrainingReport.Row quick = new TrainingReport.Row("GRU", "64x64x100", 50, 35, 100, 5, 1, 1, 1, new double[0]);
        assertEquals("inconclusive: error bar too wide", quick.verdict(true));
        TrainingReport.Row tight = new TrainingReport.Row("GRU", "64x64x100", 50, 1, 100, 1, 1, 1, 1, new double[0]);
        assertEquals("not met", tight.verdict(true));
    }

    /**
     * Cases timed again in back-to-back pairs take their verdict from the pairs' speed-ups (PyTorch ms / ours) alone:
     * met when every pair reaches 3x, not met when none does, else within error; a case without pairs keeps the
     * first pass's verdict.
     */
    @Test
    void pairedTimingsDecideTheVerdict(@TempDir Path tmp) throws IOException {
        Path dir = fixture(tmp, BenchData.JMH_TRAINING_FILE, BenchData.TRAINING_FILE);
        ObjectNode training = (ObjectNode) BenchData.read(dir.resolve(BenchData.TRAINING_FILE));
        var results = training.putObject("paired").put("method", "test").putArray("results");
        // LSTM 64x64x100: 2.5x +- 0.18 in the first pass (not met); its pairs 3.1, 3.2, 3.05: met
        var lstm = results.addObject().put("cell", "LSTM").put("shape", "64x64x100").putArray("pairs");
        lstm.addObject().put("oursMs", 10).put("pytorchMs", 31);
        lstm.addObject().put("oursMs", 10).put("pytorchMs", 32);
        lstm.addObject().put("oursMs", 20).put("pytorchMs", 61);
        // GRU 64x64x100: met in the first pass; its pairs 2.9, 3.3, 3.1 straddle the target
        var gru = results.addObject().put("cell", "GRU").put("shape", "64x64x100").putArray("pairs");
        gru.addObject().put("oursMs", 10).put("pytorchMs", 29);
        gru.addObject().put("oursMs", 10).put("pytorchMs", 33);
        gru.addObject().put("oursMs", 10).put("pytorchMs", 31);
        BenchData.write(dir.resolve(BenchData.TRAINING_FILE), training);
        List<TrainingReport.Row> rows = TrainingReport.rows(BenchData.load(dir));
        assertEquals("met (paired: 3.10x, 3.05-3.20 over 3 pairs)", row(rows, "LSTM", "64x64x100").verdict(true));
        assertEquals("within error of the target (paired: 3.10x, 2.90-3.30 over 3 pairs)",
                row(rows, "GRU", "64x64x100").verdict(true));
        TrainingReport.Row notPaired = row(rows, "GRU", "16x256x100");
        assertEquals(0, notPaired.pairedSpeedups().length);
        // every pair below the target: not met
        TrainingReport.Row slow = new TrainingReport.Row("GRU", "16x256x100", 10, 1, 25, 1, 1, 1, 1,
                new double[] {2.5, 2.7, 2.9});
        assertEquals("not met (paired: 2.70x, 2.50-2.90 over 3 pairs)", slow.verdict(true));
    }
}
