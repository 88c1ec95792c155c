package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PyTorch's side of a real-data task: a script of this module's resources, run by a Python that imports torch
 * on a data file the command wrote (the same text or digits, the same orders), one JSON object a line per cell,
 * seed and epoch, turned into {@link TaskReport.Row}s named {@code "PyTorch <cell>"}. The thread count goes to
 * every threading library's variable, as the main job's peers do.
 */
final class TorchTask {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TorchTask() {
    }

    /** {@code python}, or the first of python3 on PATH and /usr/bin/python3 that imports torch, or null. */
    static String python(String given) {
        if (given != null) {
            return given;
        }
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * Runs {@code script} (a resource of this package) with {@code args} in {@code folder}, prints and returns its
     * rows; {@code metric} names the JSON field of the task's metric. A failed run keeps the rows it printed.
     */
    static List<TaskReport.Row> run(String python, String script, Path folder, List<String> args, int threads,
                                    String metric) throws IOException, InterruptedException {
        Path file = folder.resolve(script);
        try (InputStream in = TorchTask.class.getResourceAsStream("/org/rnnkernels/bench/" + script)) {
            Files.write(file, in.readAllBytes());
        }
        List<String> command = new ArrayList<>(List.of(python, file.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        String t = Integer.toString(threads);
        for (String variable : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            builder.environment().put(variable, t);
        }
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process process = builder.start();
        List<TaskReport.Row> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode r = JSON.readTree(line);
                TaskReport.Row row = new TaskReport.Row("PyTorch " + r.path("cell").asText(), r.path("seed").asLong(),
                        r.path("epoch").asInt(), r.path("train_loss").asDouble(), r.path(metric).asDouble(),
                        r.path("seconds").asDouble(), r.path("parameters").asLong(), Double.NaN);
                System.out.printf(Locale.ROOT, "%s seed %d epoch %d: train loss %.4f, %s %.4f, %.1f s (torch %s)%n", row.cell(),
                        row.seed(), row.epoch(), row.trainLoss(), metric, row.metric(), row.seconds(), r.path("torch").asText());
                rows.add(row);
            }
        }
        if (process.waitFor() != 0) {
            System.out.println(script + ": PyTorch's run failed (exit " + process.exitValue() + "); its rows so far are kept");
        }
        Files.deleteIfExists(file);
        return rows;
    }

    /** Seeds as the scripts take them: "1,2,3". */
    static String seeds(List<Long> seeds) {
        return String.join(",", seeds.stream().map(String::valueOf).toList());
    }
}
