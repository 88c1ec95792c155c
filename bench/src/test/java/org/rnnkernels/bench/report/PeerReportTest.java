package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oneDNN rows, allocation and steadiness in a results folder built here, and the verdicts against oneDNN. */
class PeerReportTest {

    // One JMH cell result: score and error in us per call, allocation in bytes per call, the raw iterations.
    static ObjectNode cell(ArrayNode jmh, String cell, String shape, int threads, double score, double error,
                           double bytesPerCall, double... iterations) {
        ObjectNode r = jmh.addObject();
        r.put("benchmark", "org.rnnkernels.bench.CellBenchmark.forward");
        r.putObject("params").put("cell", cell).put("shape", shape).put("threads", String.valueOf(threads));
        ObjectNode pm = r.putObject("primaryMetric").put("score", score).put("scoreError", error).put("scoreUnit", "us/op");
        ArrayNode fork = pm.putArray("rawData").addArray();
        for (double v : iterations) {
            fork.add(v);
        }
        r.putObject("secondaryMetrics").putObject("gc.alloc.rate.norm").put("score", bytesPerCall).put("scoreUnit", "B/op");
        return r;
    }

    static void gemm(ArrayNode jmh, int threads, double us) {
        ObjectNode r = jmh.addObject();
        r.put("benchmark", "org.rnnkernels.bench.GemmBenchmark.sgemm");
        r.putObject("params").put("blas", "openblas").put("n", "512").put("threads", String.valueOf(threads));
        r.putObject("primaryMetric").put("score", us).put("scoreError", 1.0).put("scoreUnit", "us/op");
    }

    static void part(ArrayNode jmh, String method, String cell, String shape, double us) {
        ObjectNode r = jmh.addObject();
        r.put("benchmark", "org.rnnkernels.bench.StepPartsBenchmark." + method);
        r.putObject("params").put("cell", cell).put("shape", shape);
        r.putObject("primaryMetric").put("score", us).put("scoreError", 1.0).put("scoreUnit", "us/op");
    }

    static void onednn(ArrayNode results, String cell, String shape, int threads, double median, double iqr) {
        results.addObject().put("cell", cell).put("shape", shape).put("threads", threads).put("medianUs", median)
                .put("p25Us", median - iqr / 2).put("p75Us", median + iqr / 2).put("minUs", median - iqr);
    }

    static Path folder(Path dir) throws IOException {
        Files.createDirectories(dir);
        ArrayNode jmh = BenchData.array();
        // GRU 1x256x200: 10 us/step +- 0.5; oneDNN 12 +- 0.1: faster.
        cell(jmh, "GRU", "1x256x200", 1, 2000, 100, 0, 1900, 2000, 2100);
        // LSTM 1x256x200: 20 +- 1; oneDNN 20.5 +- 0.5: level.
        cell(jmh, "LSTM", "1x256x200", 1, 4000, 200, 0, 4000, 4000);
        // GRU 64x512x50: 1000 +- 10 us/step; oneDNN 940 +- 5: 6% slower, within 10% at batch 64.
        cell(jmh, "GRU", "64x512x50", 1, 50_000, 500, 0, 50_000, 50_000);
        // LSTM 64x512x50: 1300 +- 10; oneDNN 1000 +- 5: slower. Allocates 100 B per step.
        cell(jmh, "LSTM", "64x512x50", 1, 65_000, 500, 5000, 65_000, 65_000);
        // GRU 16x256x100 on 2 threads: error 30% of the mean: unsteady.
        cell(jmh, "GRU", "16x256x100", 2, 10_000, 3000, 0, 7000, 13_000);
        // The parts of the GRU 64x512x50 step alone: projection 20,000 us a call (400 per step), recurrent 450.
        part(jmh, "projection", "GRU", "64x512x50", 20_000);
        part(jmh, "recurrent", "GRU", "64x512x50", 450);
        gemm(jmh, 1, 2000);
        gemm(jmh, 2, 1100);
        BenchData.write(dir.resolve(BenchData.JMH_FILE), jmh);
        ObjectNode dnn = BenchData.object().put("available", true).put("version", "2.6.3").put("isa", "avx512_core");
        ArrayNode results = dnn.putArray("results");
        onednn(results, "GRU", "1x256x200", 1, 2400, 40);
        onednn(results, "LSTM", "1x256x200", 1, 4100, 200);
        onednn(results, "GRU", "64x512x50", 1, 47_000, 500);
        onednn(results, "LSTM", "64x512x50", 1, 50_000, 500);
        onednn(results, "GRU", "16x256x100", 2, 8000, 200);
        onednn(results, "GRU_INT8", "1x256x200", 1, 800, 20);
        ((ObjectNode) results.get(0)).put("impl", "ref");
        for (int i = 1; i < results.size(); i++) {
            ((ObjectNode) results.get(i)).put("impl", "brgemm");
        }
        results.addObject().put("cell", "GRU_INT8").put("shape", "64x512x50").put("threads", 1).put("error", "unsupported");
        BenchData.write(dir.resolve(BenchData.ONEDNN_FILE), dnn);
        return dir;
    }

    @Test
    void readsOneDnnRowsAllocationAndIterationSpread(@TempDir Path tmp) throws IOException {
        BenchData d = BenchData.load(folder(tmp));
        List<BenchData.CellRow> dnn = d.cells().stream().filter(r -> r.source().equals("onednn")).toList();
        assertEquals(6, dnn.size(), "the case oneDNN could not run is left out");
        BenchData.CellRow gru = dnn.get(0);
        assertEquals("onednn GRU", gru.label());
        assertEquals(12.0, gru.usPerStep(), 1e-12, "2400 us per call / T = 200");
        assertEquals(0.1, gru.errorPerStepUs(), 1e-12, "half the IQR (40 us) / 200");
        BenchData.CellRow lstm = d.cells().stream().filter(r -> r.key().equals("LSTM 64x512x50 t1")).findFirst().orElseThrow();
        assertEquals(100, lstm.bytesPerStep(), 1e-12, "5000 B per call / T = 50");
        BenchData.CellRow ours = d.cells().get(0);
        // iterations 1900, 2000, 2100: sd 100 over mean 2000
        assertEquals(0.05, ours.iterationCv(), 1e-12);
        assertEquals(2 * Math.pow(512, 3) / (1100 * 1e3), d.sgemmPeak(2), 1e-9);
        assertEquals(2 * Math.pow(512, 3) / (2000 * 1e3), d.sgemmPeak(), 1e-9);
        assertTrue(ReportWriter.machineTable(d).get("oneDNN").contains("implementations brgemm (5 rows), ref (1 row),"),
                "which oneDNN implementation ran, counted over the rows it timed: " + ReportWriter.machineTable(d).get("oneDNN"));
    }

    @Test
    void comparesWithAPeersMeanWhereItGivesOne(@TempDir Path tmp) throws IOException {
        Path dir = folder(tmp);
        ObjectNode dnn = (ObjectNode) BenchData.read(dir.resolve(BenchData.ONEDNN_FILE));
        // GRU 64x512x50: median 47,000 us a call, but two of its calls waited for a core: mean 52,000
        ((ObjectNode) dnn.get("results").get(2)).put("meanUs", 52_000).put("maxUs", 140_000);
        BenchData.write(dir.resolve(BenchData.ONEDNN_FILE), dnn);
        BenchData d = BenchData.load(dir);
        BenchData.CellRow gru = d.cells().stream().filter(r -> r.source().equals("onednn") && r.cell().equals("GRU")
                && r.batch() == 64).findFirst().orElseThrow();
        assertEquals(1040, gru.usPerStep(), 1e-12, "the mean, 52000 us per call / T = 50, as JMH's score for ours is one");
        assertEquals(5, gru.errorPerStepUs(), 1e-12, "error still half the IQR (500 us) / 50");
        BenchData.CellRow lstm = d.cells().stream().filter(r -> r.source().equals("onednn") && r.cell().equals("LSTM")
                && r.batch() == 64).findFirst().orElseThrow();
        assertEquals(1000, lstm.usPerStep(), 1e-12, "a result kept from before the mean (no meanUs): its median");
        assertTrue(Double.isNaN(BenchData.peerTime(BenchData.object().put("error", "unsupported"), "Us")));
        PeerReport.Row row = PeerReport.rows(d).stream().filter(r -> r.ours().key().equals("GRU 64x512x50 t1"))
                .findFirst().orElseThrow();
        assertEquals(1000 / 1040.0, row.toOnednn(), 1e-12, "ours (JMH's mean, 1000 us a step) over oneDNN's mean");
    }

    @Test
    void verdictsAgainstOneDnn(@TempDir Path tmp) throws IOException {
        BenchData d = BenchData.load(folder(tmp));
        List<PeerReport.Row> rows = PeerReport.rows(d);
        assertEquals(List.of("faster", "level (within error)", "unsteady: not a result", "within 10%", "slower"),
                rows.stream().map(PeerReport.Row::verdict).toList(),
                rows.stream().map(r -> r.ours().key()).toList().toString());
        PeerReport.Row gru = rows.get(0);
        assertEquals(10.0 / 12.0, gru.toOnednn(), 1e-12);
        assertTrue(Double.isNaN(gru.toTorch()), "no PyTorch in this folder");
        PeerReport.Row big = rows.get(3);
        // 2 * 64 * 3 * 512 * 1024 FLOP per step in 1000 us, over 2 * 512^3 FLOP in 2000 us
        assertEquals((2.0 * 64 * 3 * 512 * 1024 / 1000e3) / (2 * Math.pow(512, 3) / 2000e3), big.peakShare(), 1e-9);
        String md = PeerReport.markdown(d);
        assertTrue(md.contains("Not measured: PyTorch: no peers.json in this folder"), md);
        assertTrue(md.contains("| GRU | 1x256x200 | 1 | 10.00 +- 0.50 | 12.00 +- 0.10 | 0.83 | - | - |"), md);
    }

    static void paired(ArrayNode results, String cell, String shape, int threads, double... oursThenOnednn) {
        ArrayNode pairs = results.addObject().put("cell", cell).put("shape", shape).put("threads", threads)
                .putArray("pairs");
        for (int i = 0; i < oursThenOnednn.length; i += 2) {
            pairs.addObject().put("oursUs", oursThenOnednn[i]).put("onednnUs", oursThenOnednn[i + 1]);
        }
    }

    /**
     * A comparison timed again in back-to-back pairs takes its verdict from the pairs' ratios alone, whatever the
     * first pass said: all below 1 faster, all above slower (at batch 64, within 10% when none is above 1.10),
     * else level; one not paired keeps the first pass's verdict.
     */
    @Test
    void pairedTimingsDecideTheVerdict(@TempDir Path tmp) throws IOException {
        Path dir = folder(tmp);
        ObjectNode file = BenchData.object().put("method", "test");
        ArrayNode results = file.putArray("results");
        paired(results, "LSTM", "1x256x200", 1, 90, 100, 95, 100, 97, 100);              // level before: faster
        paired(results, "GRU", "16x256x100", 2, 98, 100, 103, 100, 101, 100);            // unsteady before: level
        paired(results, "LSTM", "64x512x50", 1, 105, 100, 108, 100, 102, 100);           // slower before: within 10%
        paired(results, "GRU", "64x512x50", 1, 120, 100, 130, 100, 115, 100);            // within 10% before: slower
        BenchData.write(dir.resolve(BenchData.PAIRED_FILE), file);
        BenchData d = BenchData.load(dir);
        assertEquals(List.of("faster", "faster (paired: 0.95, 0.90-0.97 over 3 pairs)",
                        "level (paired: 1.01, 0.98-1.03 over 3 pairs)", "slower (paired: 1.20, 1.15-1.30 over 3 pairs)",
                        "within 10% (paired: 1.05, 1.02-1.08 over 3 pairs)"),
                PeerReport.rows(d).stream().map(PeerReport.Row::verdict).toList());
        // a ratio of at most 1 with the others above: level, not slower
        paired(results, "GRU", "1x256x200", 1, 100, 100, 130, 100, 120, 100);
        BenchData.write(dir.resolve(BenchData.PAIRED_FILE), file);
        assertEquals("level (paired: 1.20, 1.00-1.30 over 3 pairs)", PeerReport.rows(BenchData.load(dir)).get(0).verdict());
        assertTrue(PeerReport.markdown(d).contains("| within 10% (paired: 1.05, 1.02-1.08 over 3 pairs) |"),
                PeerReport.markdown(d));
    }

    @Test
    void flagsUnsteadyAndAllocatingResults(@TempDir Path tmp) throws IOException {
        BenchData d = BenchData.load(folder(tmp));
        assertTrue(ReportWriter.steadiness(d).contains("GRU 16x256x100 t2"), ReportWriter.steadiness(d));
        assertEquals("1 of 5 cell results allocate: LSTM 64x512x50 t1 (100 B/step) (JMH -prof gc, gc.alloc.rate.norm).",
                ReportWriter.allocation(d));
        ReportWriter.Line unsteady = ReportWriter.table(d, "16x256x100").get(0);
        assertTrue(unsteady.unsteady());
        assertEquals("100.00 (unsteady)", unsteady.usPerStep(), "10000 us per call / T = 100");
        assertEquals("0", ReportWriter.table(d, "1x256x200").get(0).bytesPerStep());
        assertEquals("5.0%", ReportWriter.table(d, "1x256x200").get(0).iterationCv(), "iterations 1900, 2000, 2100");
        ReportWriter.write(d, tmp);
        String html = Files.readString(tmp.resolve("report.html"));
        assertTrue(html.contains("Against oneDNN and PyTorch"));
        assertTrue(html.contains("onednn GRU_INT8"), "the int8 peer row appears in its shape's table");
    }

    /**
     * A result JMH counts as allocating that the main job counted again takes the second count: under 32 bytes a
     * step it is named as JMH's bookkeeping and no longer counted as allocating; at 32 or more it stays, with both.
     */
    @Test
    void aSecondCountOverridesJmhsAllocation(@TempDir Path tmp) throws IOException {
        Path dir = folder(tmp);
        ObjectNode machine = BenchData.object();
        ArrayNode checked = machine.putObject("run").putArray("allocationChecked");
        checked.addObject().put("benchmark", "LSTM 64x512x50 t1").put("jmhBytesPerStep", 100).put("checkedBytesPerStep", 0.4);
        BenchData.write(dir.resolve(BenchData.MACHINE_FILE), machine);
        assertEquals("None of the 5 cell results allocates 32 bytes or more per step (JMH -prof gc, gc.alloc.rate.norm, "
                        + "which includes JMH's own bookkeeping). JMH counted LSTM 64x512x50 t1 (100 -> 0.4 B/step); counted "
                        + "again in the main job's JVM (every thread, warmed-up calls, machine.json run.allocationChecked) "
                        + "they stay under 32: what JMH saw was its own bookkeeping, spread over these shapes' few calls per "
                        + "iteration.",
                ReportWriter.allocation(BenchData.load(dir)));
        ((ObjectNode) checked.get(0)).put("checkedBytesPerStep", 40);
        BenchData.write(dir.resolve(BenchData.MACHINE_FILE), machine);
        assertEquals("1 of 5 cell results allocate: LSTM 64x512x50 t1 (100 B/step, counted again 40.0) (JMH -prof gc, "
                + "gc.alloc.rate.norm).", ReportWriter.allocation(BenchData.load(dir)));
    }

    @Test
    void splitsAStepIntoItsProductsAndTheRest(@TempDir Path tmp) throws IOException {
        BenchData d = BenchData.load(folder(tmp));
        List<StepParts.Row> rows = StepParts.rows(d);
        assertEquals(1, rows.size(), "only the GRU 64x512x50 has its parts");
        StepParts.Row r = rows.get(0);
        assertEquals(1000, r.step(), 1e-9);
        assertEquals(400, r.projection(), 1e-9);
        assertEquals(450, r.recurrent(), 1e-9);
        assertEquals(150, r.rest(), 1e-9);
        // 2 products of 2 * 64 * 3 * 512 * 512 FLOP at 2 * 512^3 FLOP / 2000 us
        assertEquals(2 * (2.0 * 64 * 3 * 512 * 512) / (2 * Math.pow(512, 3) / 2000), r.floor(), 1e-9);
        assertTrue(StepParts.markdown(d).contains("| GRU | 64x512x50 | 1000.00 | 400.00 ("), StepParts.markdown(d));
    }

    static void int8(ArrayNode jmh, String method, String variant, String shape, double us) {
        ObjectNode r = jmh.addObject();
        r.put("benchmark", "org.rnnkernels.bench.Int8Benchmark." + method);
        r.putObject("params").put("variant", variant).put("shape", shape);
        r.putObject("primaryMetric").put("score", us).put("scoreError", 0.5).put("scoreUnit", "us/op");
    }

    @Test
    void comparesInt8WeightsWithTheFloatLayerAndBothPeers(@TempDir Path tmp) throws IOException {
        Path dir = folder(tmp);
        ArrayNode jmh = BenchData.array();
        int8(jmh, "forward", "GRU/float32", "1x512", 60);
        int8(jmh, "forward", "GRU/int8", "1x512", 30);
        int8(jmh, "weightBytes", "GRU/int8", "1x512", 17);
        BenchData.write(dir.resolve(BenchData.JMH_INT8_FILE), jmh);
        ObjectNode dnn = (ObjectNode) BenchData.read(dir.resolve(BenchData.ONEDNN_FILE));
        onednn((ArrayNode) dnn.get("results"), "GRU_INT8", "1x512x100", 1, 4000, 100);
        BenchData.write(dir.resolve(BenchData.ONEDNN_FILE), dnn);
        ObjectNode torch = BenchData.object().put("available", true).put("torchVersion", "1.13-test");
        torch.putArray("results").addObject().put("cell", "GRU").put("variant", "int8-dynamic").put("shape", "1x512x100")
                .put("medianUs", 20_000);
        BenchData.write(dir.resolve(BenchData.INT8_PEERS_FILE), torch);

        List<Int8Report.Row> rows = Int8Report.rows(BenchData.load(dir));
        assertEquals(1, rows.size());
        Int8Report.Row r = rows.get(0);
        assertEquals(2.0, r.speedup(), 1e-12);
        assertEquals(200, r.torchInt8Us(), 1e-12, "20000 us per call / T = 100");
        assertEquals(40, r.onednnInt8Us(), 1e-12, "oneDNN's GRU_INT8 at the same B and H, per step");
        assertEquals(17, r.floorUs(), 1e-12);
        String md = Int8Report.markdown(BenchData.load(dir));
        assertTrue(md.contains("| GRU | 1x512 | 60.00 +- 0.50 | 30.00 +- 0.50 | 2.00 | 200.0 | 0.15 | 40.0 | 0.75 | 17.0 |"), md);
        assertTrue(md.contains("PyTorch 1.13-test, engine qnnpack."), md);
    }

    @Test
    void saysWhyOneDnnIsMissing(@TempDir Path tmp) throws IOException {
        ObjectNode none = OneDnnPeers.run(List.of("RAG_GRU", "EGRU"), List.of("1x8x2"), List.of(1), tmp, s -> { });
        assertFalse(none.path("available").asBoolean());
        assertEquals("no cell of this run has a oneDNN counterpart", none.path("reason").asText());
        Path dir = folder(tmp.resolve("run"));
        Files.delete(dir.resolve(BenchData.ONEDNN_FILE));
        BenchData d = BenchData.load(dir);
        assertTrue(ReportWriter.machineTable(d).get("oneDNN").startsWith("not measured: no onednn.json"));
        assertTrue(PeerReport.rows(d).isEmpty());
        assertTrue(PeerReport.markdown(d).contains("No cell of this run was timed by a peer."));
    }
}
