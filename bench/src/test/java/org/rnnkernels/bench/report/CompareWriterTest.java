package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareWriterTest {

    @Test
    void verdictUsesBothErrorBars() {
        CompareWriter.Cell base = new CompareWriter.Cell(100, 5);
        assertEquals(0, CompareWriter.verdict(new CompareWriter.Cell(109, 4), base), "9 < 5 + 4: within");
        assertEquals(1, CompareWriter.verdict(new CompareWriter.Cell(110, 4), base), "10 > 5 + 4: worse");
        assertEquals(-1, CompareWriter.verdict(new CompareWriter.Cell(90, 4), base));
        assertEquals(0, CompareWriter.verdict(null, base));
    }

    @Test
    void marksARegressionInAConstructedPair(@TempDir Path tmp) throws IOException {
        Path a = ReportWriterTest.fixture(tmp.resolve("host-a-20261126-100000"));
        Path b = ReportWriterTest.fixture(tmp.resolve("host-b-20261126-110000"));
        // run b: GRU 1x256x200 1 thread 4000 -> 6000 us (+-200 each: a regression), RAG_GRU 2000 -> 2050 (noise)
        String jmh = Files.readString(b.resolve("jmh.json"));
        jmh = replaceScore(jmh, "\"cell\": \"GRU\", \"shape\": \"1x256x200\", \"threads\": \"1\"", "4000", "6000");
        jmh = replaceScore(jmh, "\"cell\": \"RAG_GRU\", \"shape\": \"1x256x200\", \"threads\": \"1\"", "2000", "2050");
        jmh = replaceScore(jmh, "\"blas\": \"java\"", "6000", "3000");
        Files.writeString(b.resolve("jmh.json"), jmh);
        Files.delete(b.resolve("peers.json"));

        List<BenchData> runs = List.of(BenchData.load(a), BenchData.load(b));
        var table = CompareWriter.table(runs, 0);
        assertEquals(30.0, table.get("GRU 1x256x200 t1")[1].us(), 1e-9);
        assertEquals(20.0, table.get("GRU 1x256x200 t1")[0].us(), 1e-9);
        assertEquals(null, table.get("pytorch GRU 1x256x200 t1")[1], "missing in run b");

        Path out = tmp.resolve("cmp/compare.html");
        CompareWriter.Result r = CompareWriter.write(runs, 0, out);
        assertEquals(1, r.regressions());
        String html = Files.readString(out);
        assertFalse(html.contains("http://") || html.contains("https://"));
        String gruRow = row(html, "GRU 1x256x200 t1");
        assertTrue(gruRow.contains("class=\"n bad\"") && gruRow.contains("1.50 worse"), gruRow);
        String ragRow = row(html, "RAG_GRU 1x256x200 t1");
        assertFalse(ragRow.contains("bad"), ragRow);
        assertTrue(row(html, "sgemm 512^3 java").contains("0.50 better"));
        assertTrue(html.contains("host-a-20261126-100000 (baseline)"));
        String md = Files.readString(tmp.resolve("cmp/compare.md"));
        assertTrue(md.contains("| GRU 1x256x200 t1 | 20.00 | 1.00 | 30.00 | 1.00 | **1.50 WORSE** |"), md);

        // b as the baseline: the GRU is now an improvement, and the java sgemm (6000 against 3000 us) the regression
        CompareWriter.Result reverse = CompareWriter.write(runs, 1, tmp.resolve("cmp/reverse.html"));
        assertEquals(1, reverse.regressions());
        String reverseHtml = Files.readString(reverse.html());
        assertTrue(row(reverseHtml, "GRU 1x256x200 t1").contains("0.67 better"));
        assertTrue(row(reverseHtml, "sgemm 512^3 java").contains("2.00 worse"));
    }

    static String replaceScore(String json, String params, String from, String to) {
        int p = json.indexOf(params);
        assertTrue(p >= 0, params);
        int s = json.indexOf("\"score\": " + from, p);
        return json.substring(0, s) + "\"score\": " + to + json.substring(s + ("\"score\": " + from).length());
    }

    static String row(String html, String key) {
        int i = html.indexOf("<tr><td>" + key + "</td>");
        assertTrue(i >= 0, key);
        return html.substring(i, html.indexOf("</tr>", i));
    }
}
