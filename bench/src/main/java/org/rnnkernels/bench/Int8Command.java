package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.rnnkernels.bench.report.TorchPeers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench int8}: the int8-weight GRU and LSTM ({@link Int8Benchmark}) beside the float layers of the same
 * cells and PyTorch's dynamic int8 modules (QNNPACK, {@code torch_int8.py}) on the same shapes, one thread, in
 * microseconds per time step of a {@value Int8Benchmark#STEPS}-step sequence forward; with the weight-bytes
 * floor of a step (the time to read its int8 weights) and the load average before and after.
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

    @Override
    public Integer call() throws Exception {
        String before = Int8Table.loadAverage();
        List<String> variants = new ArrayList<>();
        for (String cell : cells) {
            variants.add(cell + "/float32");
            variants.add(cell + "/int8");
        }
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(Int8Benchmark.class.getName() + ".(forward|weightBytes)")
                .param("variant", variants.toArray(String[]::new))
                .param("shape", shapes.toArray(String[]::new))
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .forks(1).shouldFailOnError(true).build()).run();
        Map<String, double[]> java = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            java.put(method + " " + r.getParams().getParam("variant") + " " + r.getParams().getParam("shape"),
                    new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        Map<String, Double> torch = new HashMap<>();
        String torchNote = "skipped (--no-peers)";
        if (!noPeers) {
            Path dir = Files.createTempDirectory("rnk-int8");
            List<String> torchShapes = shapes.stream().map(s -> s + "x" + Int8Benchmark.STEPS).toList();
            ObjectNode peers = TorchPeers.runInt8(TorchPeers.findPython(List.of("python3", "/usr/bin/python3")), cells,
                    torchShapes, dir);
            if (peers.path("available").asBoolean()) {
                torchNote = "PyTorch " + peers.path("torchVersion").asText() + ", engine qnnpack (no FBGEMM in Debian's build:"
                        + " a weak peer)";
                for (JsonNode r : peers.path("results")) {
                    String shape = r.path("shape").asText();
                    torch.put(r.path("variant").asText() + " " + r.path("cell").asText() + " " + shape.substring(0, shape.lastIndexOf('x')),
                            r.path("medianUs").asDouble() / Int8Benchmark.STEPS);
                }
                Files.deleteIfExists(dir);
            } else {
                torchNote = "not timed: " + peers.path("reason").asText() + " (its stderr: " + dir.resolve("torch-stderr.txt") + ")";
            }
        }
        System.out.println();
        System.out.print(Int8Table.render(cells, shapes, java, torch));
        System.out.println("PyTorch: " + torchNote);
        System.out.println(String.format(Locale.ROOT, "load average before: %s, after: %s", before, Int8Table.loadAverage()));
        return 0;
    }
}
