package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
 * {@link #runTraining} times PyTorch's training step the same way ({@code torch_train_step.py}, one thread).
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
        out.putArray("results");
        for (int n : threads) {
            log.accept("pytorch: timing " + torchCells + " on " + shapes + " with " + n + " thread(s)");
            if (!runScript(python, "torch_peers.py", List.of("--threads", String.valueOf(n),
                    "--shapes", String.join(",", shapes), "--cells", String.join(",", torchCells)), n, workDir, out)) {
                return out;
            }
        }
        out.put("method", "mean of >= 7 full-sequence forwards (>= 0.5 s) after 3 warm-up calls, "
                + "torch.no_grad(), input [T, B, I], I = H; error = half the interquartile range");
        return out;
    }

    /**
     * Times PyTorch's training step ({@code torch_train_step.py}: forward + MSE + backward + clip + Adam,
     * a linear head on the last step, 2 inputs) on one thread, for each {@code CELL:BxHxT} of
     * {@code cases} whose cell PyTorch has. Same result shape as {@link #run}: {@code results} holds one
     * object per case with {@code meanMs}, {@code medianMs}, {@code p25Ms}, {@code p75Ms}, {@code minMs}, {@code maxMs}.
     */
    public static ObjectNode runTraining(String python, List<String> cases, Path workDir, Consumer<String> log) {
        ObjectNode out = BenchData.object();
        out.put("python", python);
        List<String> torchCases = cases.stream().filter(c -> TORCH_CELLS.contains(c.split(":")[0])).toList();
        if (torchCases.isEmpty()) {
            out.put("available", false);
            out.put("reason", "no training case of this run has a PyTorch counterpart");
            return out;
        }
        out.putArray("results");
        log.accept("pytorch: timing the training step of " + torchCases + " with 1 thread");
        if (runScript(python, "torch_train_step.py", List.of("--threads", "1", "--cases", String.join(",", torchCases)),
                1, workDir, out)) {
            out.put("method", "mean of >= 30 training steps and >= 3 s after >= 10 warm-up steps and >= 1 s (forward + MSE + backward + "
                    + "clip_grad_norm_(1) + Adam), torch.manual_seed(1), input torch.rand [T, B, 2]; "
                    + "error = half the interquartile range");
        }
        return out;
    }

    /**
     * Times PyTorch's dynamic int8 GRU and LSTM and the float modules they come from ({@code torch_int8.py},
     * QNNPACK) on {@code shapes} ({@code BxHxT}), one thread. Same result shape as {@link #run}.
     */
    public static ObjectNode runInt8(String python, List<String> cells, List<String> shapes, Path workDir) {
        ObjectNode out = BenchData.object();
        out.put("python", python);
        out.putArray("results");
        runScript(python, "torch_int8.py", List.of("--threads", "1", "--shapes", String.join(",", shapes),
                "--cells", String.join(",", cells)), 1, workDir, out);
        return out;
    }

    /**
     * Copies resource {@code script} into {@code workDir} and runs it once with {@code args} and {@code threads}
     * threads in its environment, appending each JSON line it prints to {@code out.results}. On success
     * sets {@code available=true} and returns true; on failure sets {@code available=false} with the
     * reason, removes {@code results} and returns false.
     */
    private static boolean runScript(String python, String script, List<String> args, int threads, Path workDir,
                                     ObjectNode out) {
        Path file = workDir.resolve(script);
        try {
            PeerProcess.copyResource(script, file);
        } catch (IOException e) {
            return PeerProcess.fail(out, "could not write the timing script: " + e.getMessage());
        }
        List<String> cmd = new ArrayList<>(List.of(python, file.toString()));
        cmd.addAll(args);
        String t = String.valueOf(threads);
        Map<String, String> env = Map.of("OMP_NUM_THREADS", t, "OPENBLAS_NUM_THREADS", t, "MKL_NUM_THREADS", t,
                "OMP_WAIT_POLICY", "PASSIVE");
        boolean ok = PeerProcess.run(cmd, env, workDir.resolve("torch-stderr.txt"), out,
                lastLine -> lastLine.contains("No module named 'torch'")
                        ? "torch is not importable by " + python : "PyTorch timing failed: " + lastLine,
                r -> {
                    out.put("torchVersion", r.path("torch").asText());
                    out.put("torchBlas", r.path("torchBlas").asText("?"));
                });
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover copy of the script in the results folder is harmless
        }
        return ok;
    }
}
