package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Runs a peer's timing program (PyTorch's script, oneDNN's harness) as a subprocess and collects the
 * JSON objects it prints, one per line, into {@code out.results}. The peers' result files share this
 * shape: {@code available} true with {@code results}, or false with the {@code reason}.
 */
final class PeerProcess {
    private PeerProcess() {
    }

    /** Writes class-path resource {@code /org/rnnkernels/bench/<name>} to {@code file}. */
    static void copyResource(String name, Path file) throws IOException {
        try (InputStream in = PeerProcess.class.getResourceAsStream("/org/rnnkernels/bench/" + name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the benchmark jar");
            }
            Files.write(file, in.readAllBytes());
        }
    }

    /**
     * Runs {@code command} with {@code env} added to its environment, its standard error going to
     * {@code stderrFile}; appends each line of its output that starts with <code>{</code>, parsed, to
     * {@code out.results} (created when absent) and passes each parsed object to {@code eachResult}.
     * On exit 0 sets {@code available=true}, deletes {@code stderrFile} and returns true; otherwise sets
     * {@code available=false} with {@code failure} applied to the last line of standard error, removes
     * {@code results} and returns false.
     */
    static boolean run(List<String> command, Map<String, String> env, Path stderrFile, ObjectNode out,
                       UnaryOperator<String> failure, Consumer<JsonNode> eachResult) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()));
            Process p = pb.start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroy();
                String msg = Files.exists(stderrFile) ? Files.readString(stderrFile).strip() : "";
                String lastLine = msg.isEmpty() ? "exit " + p.exitValue() : msg.substring(msg.lastIndexOf('\n') + 1);
                return fail(out, failure.apply(lastLine));
            }
            ArrayNode results = out.has("results") ? (ArrayNode) out.get("results") : out.putArray("results");
            for (String line : stdout.split("\n")) {
                if (line.startsWith("{")) {
                    JsonNode r = BenchData.JSON.readTree(line);
                    results.add(r);
                    eachResult.accept(r);
                }
            }
            Files.deleteIfExists(stderrFile);
            out.put("available", true);
            return true;
        } catch (IOException e) {
            return fail(out, "could not run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(out, "interrupted");
        }
    }

    static boolean fail(ObjectNode out, String reason) {
        out.put("available", false);
        out.put("reason", reason);
        out.remove("results");
        return false;
    }
}
