package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Times oneDNN's RNN primitive on the run's shapes: builds {@code onednn_peers.cpp} (a resource of this
 * jar) with {@code g++ -O2 -fopenmp ... -ldnnl} against Debian's {@code libdnnl-dev}, once per source
 * version, into {@code ~/.cache/rnnkernels/onednn/}, and runs it once per thread count with
 * {@code OMP_NUM_THREADS=n}. The result ({@code onednn.json}) always exists: {@code available=false}
 * with the reason when g++ or the oneDNN headers are missing.
 */
public final class OneDnnPeers {
    /** rnnkernels cells with a oneDNN primitive of the same math (GRU: oneDNN's linear-before-reset GRU). */
    public static final List<String> ONEDNN_CELLS = List.of("GRU", "LSTM", "RNN_TANH", "RNN_RELU");
    /** The int8 variants timed beside the float GRU and LSTM (u8 activations, s8 weights). */
    static final Map<String, String> INT8 = Map.of("GRU", "GRU_INT8", "LSTM", "LSTM_INT8");
    static final String SOURCE = "onednn_peers.cpp";

    private OneDnnPeers() {
    }

    public static ObjectNode run(List<String> cells, List<String> shapes, List<Integer> threads, Path workDir,
                                 Consumer<String> log) {
        ObjectNode out = BenchData.object();
        List<String> timed = new ArrayList<>();
        cells.stream().filter(ONEDNN_CELLS::contains).forEach(timed::add);
        cells.stream().filter(INT8::containsKey).map(INT8::get).forEach(timed::add);
        if (timed.isEmpty()) {
            PeerProcess.fail(out, "no cell of this run has a oneDNN counterpart");
            return out;
        }
        Path exe;
        try {
            exe = build(workDir, log);
        } catch (BuildFailure e) {
            PeerProcess.fail(out, e.getMessage());
            return out;
        }
        out.put("harness", exe.toString());
        for (int n : threads) {
            log.accept("onednn: timing " + timed + " on " + shapes + " with " + n + " thread(s)");
            List<String> cmd = List.of(exe.toString(), "--threads", String.valueOf(n), "--shapes", String.join(",", shapes),
                    "--cells", String.join(",", timed));
            if (!PeerProcess.run(cmd, Map.of("OMP_NUM_THREADS", String.valueOf(n)), workDir.resolve("onednn-stderr.txt"),
                    out, lastLine -> "oneDNN timing failed: " + lastLine, r -> {
                        out.put("version", r.path("onednn").asText(out.path("version").asText("?")));
                        out.put("isa", r.path("isa").asText(out.path("isa").asText("?")));
                    })) {
                return out;
            }
        }
        out.put("method", "mean of >= 10 full-sequence forwards (>= 1 s) after 5 warm-up calls, forward_inference, "
                + "one layer left to right, zero initial state, input [T, B, I], I = H, every tensor in oneDNN's chosen "
                + "layout (format_tag::any; weights reordered once, before timing); OMP_NUM_THREADS = threads; "
                + "GRU = lbr_gru (linear before reset, as PyTorch's and rnnkernels'); GRU_INT8 = oneDNN's int8 GRU "
                + "(gru_forward: oneDNN 2.6 has no int8 lbr_gru), u8 activations and s8 weights with per-column scales; "
                + "error = half the interquartile range");
        return out;
    }

    /**
     * One timing of one cell, shape and thread count by the harness a {@link #run} built ({@code onednn.json}'s
     * {@code harness}): oneDNN's microseconds per full-sequence call ({@link BenchData#peerTime}: the mean), or
     * NaN when the harness failed (the reason goes to {@code log}).
     */
    public static double timeOne(Path harness, String cell, String shape, int threads, Path workDir,
                                 Consumer<String> log) {
        ObjectNode out = BenchData.object();
        List<String> cmd = List.of(harness.toString(), "--threads", String.valueOf(threads), "--shapes", shape,
                "--cells", cell);
        if (!PeerProcess.run(cmd, Map.of("OMP_NUM_THREADS", String.valueOf(threads)),
                workDir.resolve("onednn-stderr.txt"), out, lastLine -> "oneDNN timing failed: " + lastLine, r -> { })
                || Double.isNaN(BenchData.peerTime(out.path("results").path(0), "Us"))) {
            log.accept("onednn: " + cell + " " + shape + " t" + threads + " not timed: "
                    + out.path("reason").asText(out.path("results").path(0).path("error").asText("no result")));
            return Double.NaN;
        }
        return BenchData.peerTime(out.path("results").path(0), "Us");
    }

    private static final class BuildFailure extends Exception {
        BuildFailure(String message) {
            super(message);
        }
    }

    /**
     * The harness binary for this jar's source, compiled when the cache lacks it. The compiler writes to a
     * temporary name that is moved into place whole, so an interrupted build leaves nothing half-written.
     */
    static Path build(Path workDir, Consumer<String> log) throws BuildFailure {
        try {
            Path src = workDir.resolve(SOURCE);
            PeerProcess.copyResource(SOURCE, src);
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(src)))
                    .substring(0, 16);
            Path cache = Path.of(System.getProperty("user.home"), ".cache", "rnnkernels", "onednn");
            Path exe = cache.resolve("onednn_peers-" + hash);
            if (Files.isExecutable(exe)) {
                Files.delete(src);
                return exe;
            }
            Files.createDirectories(cache);
            Path tmp = Files.createTempFile(cache, "onednn_peers-", ".partial");
            Path err = workDir.resolve("onednn-build.txt");
            log.accept("onednn: building the timing harness with g++ against libdnnl (once per version)");
            Process p;
            try {
                p = new ProcessBuilder("g++", "-O2", "-std=c++17", "-fopenmp", src.toString(), "-ldnnl", "-o",
                        tmp.toString()).redirectErrorStream(true).redirectOutput(err.toFile()).start();
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw new BuildFailure("g++ not found (install it: apt install g++), so oneDNN was not timed");
            }
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroy();
                Files.deleteIfExists(tmp);
                String msg = Files.readString(err);
                throw new BuildFailure(msg.contains("dnnl.hpp") || msg.contains("-ldnnl")
                        ? "oneDNN is not installed (apt install libdnnl-dev), so there is no oneDNN column"
                        : "the oneDNN harness did not compile (see " + err + ")");
            }
            try {
                Files.move(tmp, exe, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, exe, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(err);
            Files.delete(src);
            return exe;
        } catch (IOException e) {
            throw new BuildFailure("could not build the oneDNN harness: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailure("interrupted while building the oneDNN harness");
        }
    }
}
