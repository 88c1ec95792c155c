package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.rnnkernels.bench.report.BenchData;
import org.rnnkernels.bench.report.Targets;
import org.rnnkernels.blas.Blases;

/**
 * The main job's rule for numbers that do not settle: a cell result whose error bar (JMH's 99.9%
 * half-interval) is above {@link BenchData#UNSTEADY} of its mean is measured again, in a fork of its own with a
 * longer warm-up and more iterations, and the new measurement replaces the first in {@code jmh.json}. Two
 * rounds at most; a result still unsteady after them stays, and the report flags it instead of quoting it as
 * a number. What was measured again, before and after, goes into {@code machine.json} ({@code run.remeasured}).
 */
final class Steadiness {
    /** Per round: warm-up iterations and measured iterations, 1 s each. */
    static final int[][] ROUNDS = {{5, 10}, {8, 20}};

    private Steadiness() {
    }

    static boolean unsteady(JsonNode result) {
        JsonNode pm = result.path("primaryMetric");
        double err = pm.path("scoreError").asDouble(0);
        return !Double.isFinite(err) || err > BenchData.UNSTEADY * pm.path("score").asDouble();
    }

    static String key(JsonNode result) {
        JsonNode p = result.path("params");
        return p.path("cell").asText() + " " + p.path("shape").asText() + " t" + p.path("threads").asText();
    }

    static String relativeError(JsonNode result) {
        JsonNode pm = result.path("primaryMetric");
        return String.format(Locale.ROOT, "%.0f%%", 100 * pm.path("scoreError").asDouble() / pm.path("score").asDouble());
    }

    static void remeasure(Path dir, boolean quick, String blas, Consumer<String> log) throws IOException, RunnerException {
        Path file = dir.resolve(BenchData.JMH_FILE);
        ArrayNode results = (ArrayNode) BenchData.read(file);
        ArrayNode remeasured = BenchData.array();
        for (int round = 0; round < ROUNDS.length; round++) {
            List<Integer> todo = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).path("benchmark").asText().equals(Targets.CELL_BENCHMARK) && unsteady(results.get(i))) {
                    todo.add(i);
                }
            }
            if (todo.isEmpty()) {
                break;
            }
            if (quick) {
                log.accept("steadiness: " + todo.size() + " result(s) with an error above 20% of the mean; a --quick run "
                        + "does not measure them again (the report flags them)");
                return;
            }
            int warmups = ROUNDS[round][0];
            int measured = ROUNDS[round][1];
            log.accept("");
            log.accept("steadiness, round " + (round + 1) + ": " + todo.size() + " result(s) with an error above 20% of "
                    + "the mean, measured again (" + warmups + " warm-up x 1 s, " + measured + " x 1 s)");
            for (int i : todo) {
                JsonNode before = results.get(i);
                JsonNode params = before.path("params");
                Path part = Files.createTempFile("jmh-steady-", ".json");
                ChainedOptionsBuilder options = new OptionsBuilder().include(Targets.CELL_BENCHMARK)
                        .param("cell", params.path("cell").asText())
                        .param("shape", params.path("shape").asText())
                        .param("threads", params.path("threads").asText())
                        .addProfiler(GCProfiler.class)
                        .forks(1).shouldFailOnError(true)
                        .warmupIterations(warmups).warmupTime(TimeValue.seconds(1))
                        .measurementIterations(measured).measurementTime(TimeValue.seconds(1))
                        .verbosity(VerboseMode.SILENT)
                        .resultFormat(ResultFormatType.JSON).result(part.toString());
                if (blas != null) {
                    options.jvmArgsAppend("-D" + Blases.PROPERTY + "=" + blas);
                }
                new Runner(options.build()).run();
                JsonNode after = BenchData.read(part).get(0);
                Files.delete(part);
                results.set(i, after);
                ObjectNode note = remeasured.addObject();
                note.put("benchmark", key(before));
                note.put("round", round + 1);
                note.put("settings", warmups + " warm-up x 1 s, " + measured + " measured x 1 s");
                note.put("errorBefore", relativeError(before));
                note.put("errorAfter", relativeError(after));
                note.put("steadyAfter", !unsteady(after));
                log.accept(String.format(Locale.ROOT, "  %-28s error %s of the mean -> %s%s", key(before),
                        relativeError(before), relativeError(after), unsteady(after) ? " (still unsteady)" : ""));
            }
        }
        BenchData.write(file, results);
        Path machineFile = dir.resolve(BenchData.MACHINE_FILE);
        ObjectNode machine = (ObjectNode) BenchData.read(machineFile);
        ((ObjectNode) machine.path("run")).set("remeasured", remeasured);
        BenchData.write(machineFile, machine);
    }
}
