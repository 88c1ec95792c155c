package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossMachineTest {
    static Path run(Path dir, String model, int family, String vector, String date) throws IOException {
        PeerReportTest.folder(dir);
        ObjectNode machine = BenchData.object().put("date", date).put("vector", vector);
        machine.putObject("cpu").put("model", model).put("family", family).put("modelNumber", 2);
        machine.putObject("blas").put("coreName", "Cooperlake");
        BenchData.write(dir.resolve(BenchData.MACHINE_FILE), machine);
        Files.writeString(dir.resolve("report.html"), "<html></html>");
        return dir;
    }

    @Test
    void keepsTheJsonOfARunUnderItsMachineAndDate(@TempDir Path tmp) throws IOException {
        Path dir = run(tmp.resolve("host-20261206-010000"), "AMD EPYC 9R45", 26, "vector 512-bit (16 float lanes)",
                "2026-12-06T01:00:00");
        Path kept = CrossMachine.keep(dir, tmp.resolve("machines"));
        assertEquals("amd-epyc-9r45-f26m2-512bit-20261206-0100", kept.getFileName().toString());
        try (var files = Files.list(kept)) {
            assertEquals(List.of("jmh.json", "machine.json", "onednn.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the JSON it has, no pages or charts");
        }
    }

    @Test
    void anotherRunInTheSameFolderIsRefusedNotOverwritten(@TempDir Path tmp) throws IOException {
        Path machines = tmp.resolve("machines");
        Path first = run(tmp.resolve("first"), "AMD EPYC", 26, "vector 512-bit (16 float lanes)", "2026-12-06T01:00:00");
        Path kept = CrossMachine.keep(first, machines);
        assertEquals(kept, CrossMachine.keep(first, machines), "the same run kept again");
        Path later = run(tmp.resolve("later"), "AMD EPYC", 26, "vector 512-bit (16 float lanes)", "2026-12-06T07:01:28");
        assertEquals("amd-epyc-f26m2-512bit-20261206-0701", CrossMachine.keep(later, machines).getFileName().toString());
        // a folder named as the first run's (kept by hand or by an older version) holding another run's files
        Path other = run(tmp.resolve("other"), "AMD EPYC", 26, "vector 512-bit (16 float lanes)", "2026-12-06T01:00:59");
        IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> CrossMachine.keep(other, machines));
        assertTrue(refused.getMessage().contains("already holds the run of 2026-12-06T01:00:00"), refused.getMessage());
        assertEquals("2026-12-06T01:00:00", BenchData.load(kept).machine().path("date").asText(), "the first run's files untouched");
    }

    @Test
    void eachRunIsMeasuredAgainstItsOwnPeakAndPeers(@TempDir Path tmp) throws IOException {
        BenchData zen5 = BenchData.load(run(tmp.resolve("a"), "AMD EPYC", 26, "vector 512-bit (16 float lanes)",
                "2026-12-06T01:00:00"));
        Path b = run(tmp.resolve("b"), "AMD EPYC", 25, "vector 256-bit (8 float lanes)", "2026-11-26T10:00:00");
        Files.delete(b.resolve(BenchData.ONEDNN_FILE));
        BenchData zen3 = BenchData.load(b);
        var t = CrossMachine.table(List.of(zen5, zen3));
        CrossMachine.Entry[] gru = t.get("GRU 1x256x200 t1");
        assertEquals(10.0 / 12.0, gru[0].toOnednn(), 1e-12);
        assertTrue(Double.isNaN(gru[1].toOnednn()), "run b has no oneDNN");
        assertEquals(gru[0].peakShare(), gru[1].peakShare(), 1e-12, "the same figures against the same peak");
        String md = CrossMachine.markdown(List.of(zen5, zen3));
        assertTrue(md.contains("#2: AMD EPYC (family 25, model 2), vector 256-bit (8 float lanes), OpenBLAS core "
                + "Cooperlake, 2026-11-26"), md);
        assertTrue(md.contains("| GRU 1x256x200 t1 | 10.00 +- 0.50 | "), md);
        assertNull(t.get("sgemm 512^3 openblas"), "cells only");
    }
}
