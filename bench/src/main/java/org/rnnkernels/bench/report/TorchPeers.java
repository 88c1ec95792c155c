package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Times PyTorch's nn.RNN/GRU/LSTM on the run's shapes, one Python subprocess per thread count with
 * {@code torch.set_num_threads(n)}, {@code OMP_NUM_THREADS=n}, {@code OPENBLAS_NUM_THREADS=n},
 * {@code MKL_NUM_THREADS=n} and {@code OMP_WAIT_POLICY=PASSIVE}. The result ({@code peers.json}) always
 * exists: {@code available=false} with the reason when python3 or torch is missing.
 */
public final class TorchPeers {
    public static final List<String> TORCH_CELLS = List.of("GRU", "LSTM", "RNN_TANH", "RNN_RELU");

    private TorchPeers() {
    }

    /** The first of {@code candidates} that can {@code import torch}, else the first candidate. */
    public static String findPython(List<String> candidates) {
        for (String py : candidates) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return py;
                }
                p.destroy();
            } catch (IOException e) {
                // try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return candidates.get(0);
    }

    public static ObjectNode run(String python, List<String> cells, List<String> shapes, List<Integer> threads,
                                 Path workDir, Consumer<String> log) {
        ObjectNode out = BenchData.object();
        out.put("python", python);
        List<String> torchCells = cells.stream().filter(TORCH_CELLS::contains).toList();
        if (torchCells.isEmpty()) {
            out.put("available", false);
            out.put("reason", "no cell of this run has a PyTorch counterpart");
            return out;
        }
        Path script = workDir.resolve("torch_peers.py");
        try (InputStream in = TorchPeers.class.getResourceAsStream("/org/rnnkernels/bench/torch_peers.py")) {
            Files.write(script, in.readAllBytes());
        } catch (IOException | NullPointerException e) {
            out.put("available", false);
            out.put("reason", "could not write the timing script: " + e);
            return out;
        }
        ArrayNode results = out.putArray("results");
        try {
            for (int n : threads) {
                log.accept("pytorch: timing " + torchCells + " on " + shapes + " with " + n + " thread(s)");
                List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--threads", String.valueOf(n),
                        "--shapes", String.join(",", shapes), "--cells", String.join(",", torchCells)));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> env = pb.environment();
                String t = String.valueOf(n);
                env.put("OMP_NUM_THREADS", t);
                env.put("OPENBLAS_NUM_THREADS", t);
                env.put("MKL_NUM_THREADS", t);
                env.put("OMP_WAIT_POLICY", "PASSIVE");
                Path err = workDir.resolve("torch-stderr.txt");
                pb.redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
                Process p = pb.start();
                String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    String msg = Files.exists(err) ? Files.readString(err).strip() : "";
                    String lastLine = msg.isEmpty() ? "exit " + p.exitValue() : msg.substring(msg.lastIndexOf('\n') + 1);
                    out.put("available", false);
                    out.put("reason", lastLine.contains("No module named 'torch'")
                            ? "torch is not importable by " + python : "PyTorch timing failed: " + lastLine);
                    out.remove("results");
                    return out;
                }
                for (String line : stdout.split("\n")) {
                    if (line.startsWith("{")) {
                        JsonNode r = BenchData.JSON.readTree(line);
                        results.add(r);
                        out.put("torchVersion", r.path("torch").asText());
                        out.put("torchBlas", r.path("torchBlas").asText("?"));
                    }
                }
            }
            Files.deleteIfExists(workDir.resolve("torch-stderr.txt"));
            Files.deleteIfExists(script);
            out.put("available", true);
            out.put("method", "median of >= 7 full-sequence forwards (>= 0.5 s) after 3 warm-up calls, "
                    + "torch.no_grad(), input [T, B, I], I = H; error = half the interquartile range");
        } catch (IOException e) {
            out.put("available", false);
            out.put("reason", "could not run " + python + ": " + e.getMessage());
            out.remove("results");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("available", false);
            out.put("reason", "interrupted");
        }
        return out;
    }
}
