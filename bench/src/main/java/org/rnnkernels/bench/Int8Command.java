package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.rnnkernels.bench.report.BenchData;
import org.rnnkernels.bench.report.Int8Report;
import org.rnnkernels.bench.report.TorchPeers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench int8}: the int8-weight GRU and LSTM ({@link Int8Benchmark}) beside the float layers of the same
 * cells and PyTorch's dynamic int8 modules (QNNPACK, {@code torch_int8.py}) on the same shapes, one thread, in
 * microseconds per time step of a {@value Int8Benchmark#STEPS}-step sequence forward; with the weight-bytes
 * floor of a step (the time to read its int8 weights) and the load average before and after; oneDNN's int8 RNN
 * is in the main job's report ({@link Int8Report}), where the oneDNN harness runs.
 */
@Command(name = "int8", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times the int8-weight GRU and LSTM against the float layers and PyTorch's dynamic int8 GRU/LSTM"
                + " (QNNPACK), one thread, and prints the comparison (about 4 minutes).")
final class Int8Command implements Callable<Integer> {
    @Option(names = "--shapes", split = ",", description = "BxH shapes, I = H (default: 1x256,1x512,16x256)")
    List<String> shapes = List.of("1x256", "1x512", "16x256");

    @Option(names = "--cells", split = ",", description = "GRU and/or LSTM (default: GRU,LSTM)")
    List<String> cells = List.of("GRU", "LSTM");

    @Option(names = "--iterations", description = "JMH measurement iterations of 1 s, after 3 warm-up ones (default: ${DEFAULT-VALUE})")
    int iterations = 5;

    @Option(names = "--no-peers", description = "skip PyTorch")
    boolean noPeers;

    @Option(names = "--out", paramLabel = "DIR", description = "a results folder to add jmh-int8.json and int8-peers.json "
            + "to (then bin/bench report DIR shows them beside that run's oneDNN int8 rows); default: a new temporary folder")
    Path out;

    @Override
    public Integer call() throws Exception {
        String before = loadAverage();
        Path dir = out != null ? out : Files.createTempDirectory("rnk-int8");
        Files.createDirectories(dir);
        if (!Files.exists(dir.resolve(BenchData.JMH_FILE))) {
            Files.writeString(dir.resolve(BenchData.JMH_FILE), "[]");
        }
        run(dir, cells, shapes, iterations, noPeers ? null : TorchPeers.findPython(List.of("python3", "/usr/bin/python3")));
        System.out.println();
        System.out.print(Int8Report.markdown(BenchData.load(dir)));
        System.out.println(String.format(Locale.ROOT, "load average before: %s, after: %s (results in %s)", before,
                loadAverage(), dir));
        return 0;
    }

    /**
     * Runs {@link Int8Benchmark} (forward and the weight-bytes floor) for {@code cells} on {@code shapes} into
     * {@code dir/jmh-int8.json} and, unless {@code python} is null, PyTorch's dynamic int8 modules into
     * {@code dir/int8-peers.json}: the files {@link Int8Report} reads, for this command and the main job.
     */
    static void run(Path dir, List<String> cells, List<String> shapes, int iterations, String python)
            throws RunnerException, IOException {
        List<String> variants = new ArrayList<>();
        for (String cell : cells) {
            variants.add(cell + "/float32");
            variants.add(cell + "/int8");
        }
        new Runner(new OptionsBuilder()
                .include(Int8Benchmark.class.getName() + ".(forward|weightBytes)")
                .param("variant", variants.toArray(String[]::new))
                .param("shape", shapes.toArray(String[]::new))
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .forks(1).shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON).result(dir.resolve(BenchData.JMH_INT8_FILE).toString()).build()).run();
        if (python != null) {
            List<String> torchShapes = shapes.stream().map(s -> s + "x" + Int8Benchmark.STEPS).toList();
            ObjectNode peers = TorchPeers.runInt8(python, cells, torchShapes, dir);
            if (!peers.path("available").asBoolean()) {
                System.out.println("pytorch int8: not timed: " + peers.path("reason").asText());
            }
            BenchData.write(dir.resolve(BenchData.INT8_PEERS_FILE), peers);
        }
    }

    /** The 1, 5 and 15 minute load averages ({@code /proc/loadavg}), or "?". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
