package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The research targets from a JMH file written here: pairing by the other parameters, ratios, verdicts. */
class TargetsTest {

    private static String row(String benchmark, String params, double score, double error) {
        return "{\"benchmark\":\"org.rnnkernels.bench." + benchmark + "\",\"params\":{" + params + "},"
                + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":" + error + ",\"scoreUnit\":\"us/op\"}}";
    }

    // A first pass of EGRU's and the restricted cells' benchmarks (GRU's rows, then LSTM's), in a new folder.
    private static Path firstPass() throws IOException {
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
        return dir;
    }

    @Test
    void pairsRowsThatAgreeOnTheOtherParameters() throws IOException {
        Path dir = firstPass();
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
        assertEquals(new BenchData.Run("org.rnnkernels.bench.RestrictedBenchmark.forward", Map.of("cell", "GRU", "rate", "0.5")),
                gru.numerator(), "what the main job forks again: the whole benchmark name and every parameter");
        assertEquals(new BenchData.Run("org.rnnkernels.bench.RestrictedBenchmark.forward", Map.of("cell", "GRU", "rate", "0")),
                gru.denominator());
    }

    /**
     * A target timed again in back-to-back rounds ({@code paired.json}'s {@code targets}) is read from its rounds
     * alone: every round within the limit met, every one above it not met, else within the rounds' range; one
     * without rounds (the restricted LSTM here) keeps the first pass's verdict.
     */
    @Test
    void pairedRoundsDecideTheVerdict() throws IOException {
        Path dir = firstPass();
        ObjectNode targets = BenchData.object().put("method", "test");
        ArrayNode results = targets.putArray("results");
        String sparse = "EGRU at 90% sparsity (activity 0.10) / dense GRU, B=1 H=1024";
        String dense = "EGRU at 0% sparsity (activity 1.00) / dense GRU, B=1 H=1024";
        String restricted = "restricted GRU, sharing rate 0.5 / rate 0, B=1 H=512";
        rounds(results, sparse, "hidden=1024", 320, 1000, 290, 1000, 280, 1000);   // first pass met (0.25)
        rounds(results, dense, "hidden=1024", 1150, 1000, 1180, 1000, 1190, 1000);  // first pass not met (1.30)
        rounds(results, restricted, "", 81, 100, 79, 100, 78, 100);                  // first pass met (0.70)
        BenchData.write(dir.resolve(BenchData.PAIRED_FILE), BenchData.object().set("targets", targets));
        List<Targets.Result> evaluated = Targets.evaluate(BenchData.load(dir));
        assertEquals(List.of("within the rounds' range of the limit (paired: 0.29, 0.28-0.32 over 3 rounds)",
                        "met (paired: 1.18, 1.15-1.19 over 3 rounds)", "not met (paired: 0.79, 0.78-0.81 over 3 rounds)",
                        "within error of the limit"),
                evaluated.stream().map(Targets.Result::verdict).toList());
        assertEquals(0.25, evaluated.get(0).ratio(), 1e-12, "the first pass's ratio is kept beside the rounds");
        assertTrue(Targets.markdown(BenchData.load(dir)).contains(
                "| 0.25 | 0.01 | 0.29 (0.28-0.32) | <= 0.30 | within the rounds' range"), Targets.markdown(BenchData.load(dir)));
    }

    private static void rounds(ArrayNode results, String what, String setting, double... numeratorThenDenominator) {
        ArrayNode pairs = results.addObject().put("what", what).put("setting", setting).putArray("pairs");
        for (int i = 0; i < numeratorThenDenominator.length; i += 2) {
            pairs.addObject().put("numeratorUs", numeratorThenDenominator[i])
                    .put("denominatorUs", numeratorThenDenominator[i + 1]);
        }
    }
}
