package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The research targets from a JMH file written here: pairing by the other parameters, ratios, verdicts. */
class TargetsTest {

    private static String row(String benchmark, String params, double score, double error) {
        return "{\"benchmark\":\"org.rnnkernels.bench." + benchmark + "\",\"params\":{" + params + "},"
                + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":" + error + ",\"scoreUnit\":\"us/op\"}}";
    }

    @Test
    void pairsRowsThatAgreeOnTheOtherParameters() throws IOException {
        Path dir = Files.createTempDirectory("rnk-targets");
        String jmh = "[" + String.join(",",
                row("EgruBenchmark.forward", "\"variant\":\"GRU\",\"hidden\":\"1024\"", 1000, 10),
                row("EgruBenchmark.forward", "\"variant\":\"EGRU@0.10\",\"hidden\":\"1024\"", 250, 5),
                row("EgruBenchmark.forward", "\"variant\":\"EGRU@1.00\",\"hidden\":\"1024\"", 1300, 10),
                row("RestrictedBenchmark.forward", "\"cell\":\"GRU\",\"rate\":\"0\"", 100, 1),
                row("RestrictedBenchmark.forward", "\"cell\":\"GRU\",\"rate\":\"0.5\"", 70, 1),
                row("RestrictedBenchmark.forward", "\"cell\":\"LSTM\",\"rate\":\"0\"", 200, 2),
                row("RestrictedBenchmark.forward", "\"cell\":\"LSTM\",\"rate\":\"0.5\"", 150, 40)) + "]";
        Files.writeString(dir.resolve(BenchData.JMH_FILE), jmh);
        List<Targets.Result> results = Targets.evaluate(BenchData.load(dir));
        assertEquals(4, results.size(), results.toString());

        Targets.Result sparse = results.get(0);
        assertEquals(0.25, sparse.ratio(), 1e-12);
        assertEquals("hidden=1024", sparse.setting());
        assertEquals("met", sparse.verdict());
        assertEquals("not met", results.get(1).verdict(), "1.3 > 1.2 beyond the error");

        Targets.Result gru = results.stream().filter(r -> r.what().startsWith("restricted GRU")).findFirst().orElseThrow();
        assertEquals(0.70, gru.ratio(), 1e-12, "rate 0.5 paired with rate 0 of the same cell only");
        Targets.Result lstm = results.stream().filter(r -> r.what().startsWith("restricted LSTM")).findFirst().orElseThrow();
        assertEquals(0.75, lstm.ratio(), 1e-12);
        assertEquals("within error of the limit", lstm.verdict());
        assertTrue(Targets.markdown(BenchData.load(dir)).contains("| <= 0.30 | met |"));
    }
}
