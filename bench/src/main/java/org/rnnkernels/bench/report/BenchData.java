package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One results folder read back: the cell and sgemm rows from {@code jmh.json}, the PyTorch rows from
 * {@code peers.json} and the oneDNN rows from {@code onednn.json} (when present) and the machine description
 * from {@code machine.json}; the research
 * and training-step benchmarks ({@code jmh-research.json}, {@code jmh-training.json}) as {@code others},
 * and PyTorch's training step from {@code training.json} ({@code training}, an empty object when absent).
 */
public record BenchData(Path dir, JsonNode machine, List<CellRow> cells, List<GemmRow> gemms, List<OtherRow> others,
                        JsonNode peers, JsonNode onednn, JsonNode int8Peers, JsonNode training, JsonNode paired) {
    static final ObjectMapper JSON = new ObjectMapper();

    public static final String JMH_FILE = "jmh.json";
    /** The research cells' benchmarks, a run of their own (optional). */
    public static final String JMH_RESEARCH_FILE = "jmh-research.json";
    public static final String MACHINE_FILE = "machine.json";
    /** GRU's and LSTM's matrix products timed alone ({@code StepPartsBenchmark}), a run of its own (optional). */
    public static final String JMH_PARTS_FILE = "jmh-parts.json";
    /** The int8-weight GRU and LSTM beside the float ones ({@code Int8Benchmark}), a run of its own (optional). */
    public static final String JMH_INT8_FILE = "jmh-int8.json";
    /** PyTorch's dynamic int8 GRU and LSTM on the int8 benchmark's shapes (optional). */
    public static final String INT8_PEERS_FILE = "int8-peers.json";
    public static final String PEERS_FILE = "peers.json";
    /** oneDNN's RNN primitive on the same shapes ({@link OneDnnPeers}). */
    public static final String ONEDNN_FILE = "onednn.json";
    /** A result whose error bar is above this fraction of its mean is not a result: the main job measures it again. */
    public static final double UNSTEADY = 0.2;
    /** The training-step benchmark, a run of its own (optional). */
    public static final String JMH_TRAINING_FILE = "jmh-training.json";
    /** PyTorch's training step on the same shapes, and the comparison the report draws from it. */
    public static final String TRAINING_FILE = "training.json";
    /**
     * Back-to-back timings (optional): ours and oneDNN's for the comparisons the first pass left contested
     * ({@code results}), and in rotating rounds the RAG cells and the GRU for the paper's claim ({@code claims}) and
     * the two sides of each research target ({@code targets}).
     */
    public static final String PAIRED_FILE = "paired.json";

    /**
     * One cell measurement, per step. {@code source} is {@code "rnnkernels"}, {@code "onednn"} or
     * {@code "pytorch"}; {@code errorPerStepUs} is JMH's 99.9% half-interval (for the peers: half the
     * interquartile range); {@code bytesPerStep} JMH's {@code gc.alloc.rate.norm} per step (NaN when not
     * profiled, and for the peers); {@code iterationCv} the coefficient of variation (sd / mean) of JMH's
     * measured iterations (NaN for the peers).
     */
    public record CellRow(String source, String cell, int batch, int hidden, int steps, int threads,
                          double usPerStep, double errorPerStepUs, double bytesPerStep, double iterationCv) {
        public String shape() {
            return batch + "x" + hidden + "x" + steps;
        }

        /** What the tables show: {@code GRU} or {@code pytorch GRU}. */
        public String label() {
            return source.equals("rnnkernels") ? cell : source + " " + cell;
        }

        /** Gate count of the cell's matrix products (GRU 3, LSTM 4, plain RNN 1; RAG-minimal 2). */
        public int gates() {
            return BenchData.gates(cell);
        }

        /** FLOPs of one step's matrix products: 2 * B * G * H * (I + H), I = H. */
        public double flopsPerStep() {
            return 2.0 * batch * gates() * hidden * (2.0 * hidden);
        }

        public double gflops() {
            return flopsPerStep() / (usPerStep * 1e3);
        }

        /** A key naming the benchmark across runs: {@code GRU 1x256x200 t1}. */
        public String key() {
            return label() + " " + shape() + " t" + threads;
        }

        /** The error bar is above {@link #UNSTEADY} of the mean: a number that does not settle the question. */
        public boolean unsteady() {
            return errorPerStepUs > UNSTEADY * usPerStep;
        }
    }

    /** One sgemm measurement: n x n x n, microseconds per call, on {@code threads} threads (columns split). */
    public record GemmRow(String blas, int n, int threads, double us, double errorUs) {
        public double gflops() {
            return 2.0 * n * n * n / (us * 1e3);
        }

        public String key() {
            return "sgemm " + n + "^3 " + blas + (threads == 1 ? "" : " t" + threads);
        }
    }

    /** Gates per cell type, by name (so reading a results folder does not depend on the kernels' enum). */
    static int gates(String cell) {
        String c = cell.toUpperCase(Locale.ROOT);
        try {
            return org.rnnkernels.CellType.valueOf(c).gates();
        } catch (IllegalArgumentException | LinkageError e) {
            if (c.contains("LSTM")) {
                return 4;
            }
            if (c.contains("GRU")) {
                return 3;
            }
            return c.contains("MINIMAL") ? 2 : 1;
        }
    }

    /**
     * A measurement of any other benchmark (the research cells'): {@code benchmark} is
     * {@code Class.method} ({@code EgruBenchmark.forward}), {@code params} its JMH parameters, the score
     * and JMH's error in microseconds per operation; {@code run} the same benchmark by its full name with the same
     * parameters (what the main job forks again to time a research target in rounds).
     */
    public record OtherRow(String benchmark, Map<String, String> params, double us, double errorUs, Run run) {
    }

    /**
     * One JMH benchmark (its full name) at one setting of all its parameters, as a row of a results file names it:
     * what one more fork would time again.
     */
    public record Run(String benchmark, Map<String, String> params) {
    }

    public static BenchData load(Path dir) throws IOException {
        JsonNode machine = Files.exists(dir.resolve(MACHINE_FILE))
                ? JSON.readTree(dir.resolve(MACHINE_FILE).toFile()) : JsonNodeFactory.instance.objectNode();
        List<JsonNode> jmh = new ArrayList<>();
        JSON.readTree(dir.resolve(JMH_FILE).toFile()).forEach(jmh::add);
        for (String optional : List.of(JMH_RESEARCH_FILE, JMH_TRAINING_FILE, JMH_PARTS_FILE, JMH_INT8_FILE)) {
            if (Files.exists(dir.resolve(optional))) {
                JSON.readTree(dir.resolve(optional).toFile()).forEach(jmh::add);
            }
        }
        List<CellRow> cells = new ArrayList<>();
        List<GemmRow> gemms = new ArrayList<>();
        List<OtherRow> others = new ArrayList<>();
        for (JsonNode r : jmh) {
            String bench = r.path("benchmark").asText();
            JsonNode params = r.path("params");
            JsonNode pm = r.path("primaryMetric");
            double scale = toMicros(pm.path("scoreUnit").asText("us/op"));
            double score = pm.path("score").asDouble() * scale;
            double err = pm.path("scoreError").asDouble(0);
            err = Double.isFinite(err) ? err * scale : 0;
            if (bench.endsWith("GemmBenchmark.sgemm")) {
                gemms.add(new GemmRow(params.path("blas").asText(), params.path("n").asInt(),
                        params.path("threads").asInt(1), score, err));
            } else if (bench.endsWith("CellBenchmark.forward")) {
                int[] s = parseShape(params.path("shape").asText());
                JsonNode alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
                double bytes = alloc.isMissingNode() ? Double.NaN : alloc.path("score").asDouble() / s[2];
                cells.add(new CellRow("rnnkernels", params.path("cell").asText(), s[0], s[1], s[2],
                        params.path("threads").asInt(1), score / s[2], err / s[2], bytes, cv(pm.path("rawData"))));
            } else {
                Map<String, String> p = new LinkedHashMap<>();
                params.fields().forEachRemaining(e -> p.put(e.getKey(), e.getValue().asText()));
                String[] parts = bench.split("\\.");
                String name = parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : bench;
                others.add(new OtherRow(name, p, score, err, new Run(bench, Map.copyOf(p))));
            }
        }
        JsonNode peers = readOptional(dir.resolve(PEERS_FILE));
        JsonNode onednn = readOptional(dir.resolve(ONEDNN_FILE));
        addPeerRows("pytorch", peers, cells);
        addPeerRows("onednn", onednn, cells);
        JsonNode training = readOptional(dir.resolve(TRAINING_FILE));
        return new BenchData(dir, machine, cells, gemms, others, peers, onednn, readOptional(dir.resolve(INT8_PEERS_FILE)),
                training, readOptional(dir.resolve(PAIRED_FILE)));
    }

    private static JsonNode readOptional(Path file) throws IOException {
        return Files.exists(file) ? JSON.readTree(file.toFile()) : JsonNodeFactory.instance.objectNode();
    }

    // A peer's results (per full-sequence call: mean, median, quartiles) as per-step rows, error half the interquartile
    // range; cases it could not run (an "error" instead of a time) are left out.
    private static void addPeerRows(String source, JsonNode peer, List<CellRow> cells) {
        for (JsonNode p : peer.path("results")) {
            double us = peerTime(p, "Us");
            if (Double.isNaN(us)) {
                continue;
            }
            int[] s = parseShape(p.path("shape").asText());
            double iqr = p.path("p75Us").asDouble() - p.path("p25Us").asDouble();
            cells.add(new CellRow(source, p.path("cell").asText(), s[0], s[1], s[2], p.path("threads").asInt(),
                    us / s[2], iqr / 2 / s[2], Double.NaN, Double.NaN));
        }
    }

    /**
     * A peer harness's time for one call (a full-sequence forward, a training step) in its {@code unit} ("Us" or
     * "Ms", as its fields are named): the mean of its calls ({@code meanUs}), the statistic JMH's average time gives
     * for ours; in results kept from before the harnesses gave a mean, their median; NaN with neither (a case the
     * peer could not run). Mean against mean because the two differ by the tail: on this project's 2-core virtual
     * machines a call with both cores busy now and then waits ~100 ms for one (a plain two-thread spin loop too: 3 or
     * 4 such waits in each of three runs of 15-20 s, none in a fourth of 22 s; none with one thread), and 2026-12-07's
     * LSTM 64x512x50 on two threads read, over eight back-to-back 5 s rounds, oneDNN's mean 1.01-1.07x its median and
     * ours 1.01-1.16x: our mean over its median read 0.97-1.25, mean over mean 0.97-1.18.
     */
    public static double peerTime(JsonNode result, String unit) {
        if (result.has("mean" + unit)) {
            return result.path("mean" + unit).asDouble();
        }
        return result.has("median" + unit) ? result.path("median" + unit).asDouble() : Double.NaN;
    }

    /** sd / mean over every measured iteration in JMH's {@code rawData} (forks x iterations); NaN with fewer than 2. */
    static double cv(JsonNode rawData) {
        List<Double> v = new ArrayList<>();
        rawData.forEach(fork -> fork.forEach(x -> v.add(x.asDouble())));
        if (v.size() < 2) {
            return Double.NaN;
        }
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
        return Math.sqrt(ss / (v.size() - 1)) / mean;
    }

    static double toMicros(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-3;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> 1;
        };
    }

    static int[] parseShape(String text) {
        String[] p = text.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    /** Shapes in order of batch, then hidden, then steps. */
    public List<String> shapes() {
        TreeSet<int[]> set = new TreeSet<>(Comparator.<int[]>comparingInt(a -> a[0])
                .thenComparingInt(a -> a[1]).thenComparingInt(a -> a[2]));
        cells.forEach(c -> set.add(new int[] {c.batch(), c.hidden(), c.steps()}));
        return set.stream().map(a -> a[0] + "x" + a[1] + "x" + a[2]).toList();
    }

    /** Thread counts measured, ascending. */
    public List<Integer> threads() {
        return cells.stream().map(CellRow::threads).distinct().sorted().toList();
    }

    /** The rnnkernels GRU row of the same shape and threads, if measured. */
    public Optional<CellRow> gru(CellRow row) {
        return cells.stream().filter(c -> c.source().equals("rnnkernels") && c.cell().equals("GRU")
                && c.shape().equals(row.shape()) && c.threads() == row.threads()).findFirst();
    }

    /** {@code row}'s time per step over the rnnkernels GRU's of the same shape and threads; NaN without one. */
    public double ratioToGru(CellRow row) {
        return gru(row).map(g -> row.usPerStep() / g.usPerStep()).orElse(Double.NaN);
    }

    /** The measured single-thread sgemm peak, GFLOP/s (the best BLAS); NaN when sgemm was not run. */
    public double sgemmPeak() {
        return sgemmPeak(1);
    }

    /** The measured sgemm peak on {@code threads} threads, GFLOP/s (the best BLAS); NaN when not measured. */
    public double sgemmPeak(int threads) {
        return gemms.stream().filter(g -> g.threads() == threads).mapToDouble(GemmRow::gflops).max().orElse(Double.NaN);
    }

    /**
     * The ratios ours / oneDNN's of {@code row}'s back-to-back timings ({@code paired.json}), sorted; empty when it
     * was not paired.
     */
    public double[] pairedRatios(CellRow row) {
        return pairRatios(paired, r -> r.path("cell").asText().equals(row.cell())
                && r.path("shape").asText().equals(row.shape()) && r.path("threads").asInt() == row.threads(),
                "oursUs", "onednnUs");
    }

    /**
     * The ratios {@code cell} / GRU of the rounds that timed them back to back at {@code shape} and {@code threads}
     * ({@code paired.json}'s {@code claims}), sorted; empty when they were not paired.
     */
    public double[] pairedClaimRatios(String cell, String shape, int threads) {
        return pairRatios(paired.path("claims"), r -> r.path("cell").asText().equals(cell)
                && r.path("shape").asText().equals(shape) && r.path("threads").asInt() == threads,
                "numeratorUs", "denominatorUs");
    }

    /**
     * The ratios of the research target {@code what} at {@code setting} in the rounds that timed its two benchmarks
     * back to back ({@code paired.json}'s {@code targets}), sorted; empty when they were not paired.
     */
    public double[] pairedTargetRatios(String what, String setting) {
        return pairRatios(paired.path("targets"), r -> r.path("what").asText().equals(what)
                && r.path("setting").asText().equals(setting), "numeratorUs", "denominatorUs");
    }

    /**
     * {@code over / under} of each pair of the first of {@code file}'s {@code results} that {@code which} accepts
     * (its {@code pairs}), sorted, pairs with a missing or failed timing left out; empty when none is accepted.
     */
    static double[] pairRatios(JsonNode file, java.util.function.Predicate<JsonNode> which, String over, String under) {
        for (JsonNode r : file.path("results")) {
            if (which.test(r)) {
                List<Double> ratios = new ArrayList<>();
                for (JsonNode pair : r.path("pairs")) {
                    double ratio = pair.path(over).asDouble(Double.NaN) / pair.path(under).asDouble(Double.NaN);
                    if (Double.isFinite(ratio)) {
                        ratios.add(ratio);
                    }
                }
                return ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            }
        }
        return new double[0];
    }

    /** The peer's ({@code "onednn"}, {@code "pytorch"}) row of the same cell, shape and threads as {@code row}. */
    public Optional<CellRow> peer(String source, CellRow row) {
        return cells.stream().filter(c -> c.source().equals(source) && c.cell().equals(row.cell())
                && c.shape().equals(row.shape()) && c.threads() == row.threads()).findFirst();
    }

    /** Rows for one shape: rnnkernels first (in measured order), then PyTorch; by threads within. */
    public List<CellRow> rows(String shape) {
        List<String> order = cells.stream().map(CellRow::label).distinct().toList();
        return cells.stream().filter(c -> c.shape().equals(shape))
                .sorted(Comparator.comparing((CellRow c) -> c.source().equals("rnnkernels") ? 0 : 1)
                        .thenComparingInt(c -> order.indexOf(c.label())).thenComparingInt(CellRow::threads))
                .toList();
    }

    /** "host-yyyyMMdd-HHmmss" or the folder name. */
    public String name() {
        return dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    }

    /** A few machine fields, flattened for headers. */
    public Map<String, String> summary() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", machine.path("hostname").asText("?"));
        m.put("date", machine.path("date").asText("?"));
        m.put("CPU", machine.path("cpu").path("model").asText("?") + ", " + machine.path("cpu").path("logicalCpus").asText("?")
                + " CPUs");
        m.put("JDK", machine.path("jdk").path("version").asText("?"));
        m.put("vector", machine.path("vector").asText("?"));
        m.put("BLAS", machine.path("blas").path("implementation").asText("?") + " "
                + machine.path("blas").path("coreName").asText(""));
        return m;
    }

    /** Writes {@code node} as indented JSON. */
    public static void write(Path file, JsonNode node) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** A JSON file (e.g. one JMH run's results). */
    public static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }
}
