package org.rnnkernels.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.rnnkernels.CellType;
import org.rnnkernels.bench.report.BenchData;
import org.rnnkernels.bench.report.CompareWriter;
import org.rnnkernels.bench.report.CrossMachine;
import org.rnnkernels.bench.report.Machine;
import org.rnnkernels.bench.report.OneDnnPeers;
import org.rnnkernels.bench.report.ReportWriter;
import org.rnnkernels.bench.report.TorchPeers;
import org.rnnkernels.bench.report.TrainingReport;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.simd.Simd;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The main job: runs the cell benchmark and the sgemm benchmark under JMH, times PyTorch's cells on the
 * same shapes when it is installed, and writes {@code results/<host>-<yyyyMMdd-HHmmss>/} with
 * {@code jmh.json}, {@code machine.json}, {@code peers.json}, {@code report.html} and {@code report.md};
 * the research benchmarks add {@code jmh-research.json}, the training step against PyTorch's
 * {@code jmh-training.json} and {@code training.json}.
 * {@code compare} puts several such folders side by side; {@code report} redraws one folder's report.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {MainJob.Compare.class, MainJob.Report.class, MainJob.Keep.class, TrainCommand.class, MnistCommand.class, CharLmCommand.class, WordLmCommand.class,
                QuantizeCommand.class, FheCommand.class, Int8Command.class},
        description = {"Runs the rnnkernels benchmark suite (JMH) and writes a results folder with an HTML and "
                + "Markdown report.", "Default: every cell, shapes 1x256x200, 16x256x100 and 64x512x50 (BxHxT, I = H), "
                + "threads 1 and all cores, "
                + "3 warm-up x 0.7 s, 5 x 0.5 s (about 10 minutes on 2 cores); then the research cells' targets "
                + "and the training step (about 5 + 2.5 minutes, see --research, --training)."})
public final class MainJob implements Callable<Integer> {
    // 1x512x100 beside 1x256x200 gives the H-scaling chart two points at B = 1.
    static final List<String> DEFAULT_SHAPES = List.of("1x256x200", "1x512x100", "16x256x100", "64x512x50");
    static final List<String> QUICK_SHAPES = List.of("1x256x200", "16x256x100");
    /** The int8 comparison's shapes, BxH (issue 13's target is at 1x512). */
    static final List<String> INT8_SHAPES = List.of("1x256", "1x512", "16x256");
    static final List<String> QUICK_CELLS = List.of("GRU", "LSTM", "RAG_GRU", "RAG_MINIMAL", "RNN_TANH");

    @CommandLine.ArgGroup(exclusive = true)
    Length length = new Length();

    static final class Length {
        @Option(names = "--quick", description = "fewer cells and shapes, 2 warm-up x 0.5 s, 3 x 0.5 s (about 2 minutes)")
        boolean quick;
        @Option(names = "--full", description = "JMH settings of the benchmark annotations (3 x 1 s warm-up, 5 x 1 s)")
        boolean full;
    }

    @Option(names = "--threads", split = ",", splitSynopsisLabel = ",", paramLabel = "N",
            description = "threads sharing each call (default: 1 and all cores)")
    List<Integer> threads;

    @Option(names = "--blas", paramLabel = "openblas|java",
            description = "the BLAS the cells use (default: OpenBLAS when it loads, else Java)")
    String blas;

    @Option(names = "--cells", split = ",", splitSynopsisLabel = ",", paramLabel = "CELL", description = "cell types (default: all)")
    List<String> cells;

    @Option(names = "--shapes", split = ",", splitSynopsisLabel = ",", paramLabel = "BxHxT", description = "shapes, I = H")
    List<String> shapes;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results folder goes (default: results/)")
    Path out;

    @Option(names = "--python", paramLabel = "EXE",
            description = "the Python that times PyTorch (default: python3 on PATH, else /usr/bin/python3, "
                    + "whichever imports torch)")
    String python;

    @Option(names = "--no-peers", description = "do not time PyTorch and oneDNN")
    boolean noPeers;

    @Option(names = "--research", negatable = true, description = "also run the research cells' target benchmarks "
            + "(EGRU, restricted, ternary, LightRNN; about 5 minutes) and the int8 comparison (about 3 minutes); default: "
            + "yes unless --cells or --shapes is given")
    Boolean research;

    @Option(names = "--training", negatable = true, description = "also time one training step (forward + backward + "
            + "clip + Adam) against PyTorch's, 1 thread: GRU, LSTM, RAG_GRU, RAG_MINIMAL, RAG_LSTM at 64x64x100 and GRU, "
            + "RAG_GRU at 16x256x100 (BxHxT, I = 2; about 2.5 minutes); default: yes unless --cells or --shapes is given")
    Boolean training;

    @Option(names = "--training-only", description = "only the training-step comparison (no cell-benchmark, PyTorch "
            + "inference or research run; sgemm still runs, for the floor); --cells picks its cells")
    boolean trainingOnly;

    /** The training-step comparison's cases, {@code CELL:BxHxT}: issue 6's anchors (GRU, LSTM) and the RAG cells. */
    static final List<String> TRAINING_CASES = List.of("GRU:64x64x100", "LSTM:64x64x100", "RAG_GRU:64x64x100",
            "RAG_MINIMAL:64x64x100", "RAG_LSTM:64x64x100", "GRU:16x256x100", "RAG_GRU:16x256x100");

    /** The research cells' benchmarks, with their annotations' parameters (the report's target table reads them). */
    static final List<Class<?>> RESEARCH = List.of(EgruBenchmark.class, RestrictedBenchmark.class, TernaryBenchmark.class,
            LightRnnBenchmark.class);

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new MainJob()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws RunnerException, IOException, NoSuchFieldException {
        String mode = length.quick ? "quick" : length.full ? "full" : "default";
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> threadList = threads != null ? threads : List.copyOf(new LinkedHashSet<>(List.of(1, cores)));
        List<String> cellList = cells != null ? upper(cells) : length.quick ? QUICK_CELLS
                : java.util.Arrays.stream(CellBenchmark.class.getField("cell").getAnnotation(
                        org.openjdk.jmh.annotations.Param.class).value()).toList();
        List<String> shapeList = shapes != null ? shapes : length.quick ? QUICK_SHAPES : DEFAULT_SHAPES;
        for (String c : cellList) {
            CellType.valueOf(c);
        }
        if (blas != null) {
            blas = blas.toLowerCase(Locale.ROOT);
            if (!blas.equals("openblas") && !blas.equals("java")) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--blas: expected openblas or java");
            }
            System.setProperty(Blases.PROPERTY, blas);
        }
        List<String> gemmBlases = OpenBlas.load().isPresent() ? List.of("openblas", "java") : List.of("java");

        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path base = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"));
        Path dir = base.resolve(Machine.hostname() + "-" + stamp).toAbsolutePath();
        Files.createDirectories(dir);

        System.out.println("rnnkernels main job (" + mode + ")");
        System.out.println("  JVM:     " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", " + cores + " CPUs");
        System.out.println("  BLAS:    " + Blases.get().info());
        System.out.println("  kernels: " + Simd.describe());
        System.out.println("  cells " + cellList + ", shapes " + shapeList + ", threads " + threadList);
        System.out.println("  results: " + dir);
        System.out.println();

        // --training-only keeps sgemm: its peak is the training table's floor.
        ChainedOptionsBuilder options = new OptionsBuilder().include(GemmBenchmark.class.getName() + ".sgemm")
                .addProfiler(GCProfiler.class);
        if (!trainingOnly) {
            options.include(CellBenchmark.class.getName() + ".forward");
        }
        options.param("cell", cellList.toArray(String[]::new))
                .param("shape", shapeList.toArray(String[]::new))
                .param("threads", threadList.stream().map(String::valueOf).toArray(String[]::new))
                .param("blas", gemmBlases.toArray(String[]::new))
                .forks(1)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(dir.resolve(BenchData.JMH_FILE).toString());
        if (blas != null) {
            options.jvmArgsAppend("-D" + Blases.PROPERTY + "=" + blas);
        }
        String settings = settingsOf(options);
        int total = (trainingOnly ? 0 : cellList.size() * shapeList.size() * threadList.size()) + gemmBlases.size();

        ObjectNode run = runSettings(trainingOnly ? mode + ", training step only" : mode, settings, threadList,
                cellList, shapeList, gemmBlases);
        ObjectNode machine = Machine.describe(LocalDateTime.now().toString(), run);
        BenchData.write(dir.resolve(BenchData.MACHINE_FILE), machine);
        List<String> trainingCases = TRAINING_CASES.stream()
                .filter(c -> cells == null || cellList.contains(c.split(":")[0])).toList();
        boolean runTraining = trainingOnly || (training != null ? training : cells == null && shapes == null);
        if (runTraining && trainingCases.isEmpty()) {
            System.out.println("training step: not run, none of its cells " + TRAINING_CASES + " is among --cells");
            runTraining = false;
        }
        ProgressFormat progress = new ProgressFormat(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.NORMAL), total);
        Collection<RunResult> results = new Runner(options.build(), progress).run();
        System.out.println();
        System.out.print(table(results));
        if (!trainingOnly) {
            Steadiness.remeasure(dir, length.quick, blas, System.out::println);
            AllocationCheck.run(dir, System.out::println);
        }

        ObjectNode peers;
        ObjectNode onednn;
        if (noPeers || trainingOnly) {
            String why = noPeers ? "skipped (--no-peers)" : "skipped (--training-only)";
            peers = BenchData.object().put("available", false).put("reason", why);
            onednn = BenchData.object().put("available", false).put("reason", why);
        } else {
            peers = TorchPeers.run(python(), cellList, shapeList, threadList, dir, System.out::println);
            if (!peers.path("available").asBoolean()) {
                System.out.println("pytorch: not timed: " + peers.path("reason").asText());
            }
            onednn = OneDnnPeers.run(cellList, shapeList, threadList, dir, System.out::println);
            if (!onednn.path("available").asBoolean()) {
                System.out.println("onednn: not timed: " + onednn.path("reason").asText());
            }
        }
        BenchData.write(dir.resolve(BenchData.PEERS_FILE), peers);
        BenchData.write(dir.resolve(BenchData.ONEDNN_FILE), onednn);
        if (!trainingOnly && !length.quick) {
            PairedPeers.run(dir, blas, System.out::println);
            PairedPeers.claims(dir, blas, System.out::println);
        }

        if (!trainingOnly && !length.quick) {
            runParts(dir, cellList, shapeList);
            // int8 has shapes of its own (BxH), so like the research targets it runs unless --cells or --shapes
            // narrows the run (or --research asks for it).
            List<String> int8Cells = cellList.stream().filter(c -> c.equals("GRU") || c.equals("LSTM")).toList();
            boolean runInt8 = research != null ? research : cells == null && shapes == null;
            if (runInt8 && !int8Cells.isEmpty()) {
                System.out.println();
                System.out.println("int8 weights: " + int8Cells + " float32 and int8 on " + INT8_SHAPES + ", 1 thread");
                Int8Command.run(dir, int8Cells, INT8_SHAPES, 5, noPeers ? null : python());
            }
        }
        boolean runResearch = !trainingOnly && (research != null ? research : cells == null && shapes == null);
        if (runResearch) {
            runResearch(dir, settingsOf(new OptionsBuilder()));
        }
        if (!trainingOnly && !length.quick) {
            PairedPeers.targets(dir, blas, System.out::println);
        }
        if (runTraining) {
            runTraining(dir, trainingCases);
        }
        return writeReport(dir, runTraining);
    }

    private String python() {
        if (python == null) {
            python = TorchPeers.findPython(List.of("python3", "/usr/bin/python3"));
        }
        return python;
    }

    // Writes the report; after a training run also the comparison into training.json and on the console.
    private static int writeReport(Path dir, boolean training) throws IOException {
        BenchData data = BenchData.load(dir);
        if (training) {
            ObjectNode t = (ObjectNode) data.training();
            t.set("comparison", TrainingReport.json(data));
            BenchData.write(dir.resolve(BenchData.TRAINING_FILE), t);
            System.out.print(TrainingReport.markdown(data));
        }
        ReportWriter.write(data, dir);
        System.out.println();
        System.out.println("report: " + dir.resolve("report.html"));
        System.out.println("        " + dir.resolve("report.md"));
        return 0;
    }

    // The step parts' iterations: the chosen mode's with five 1 s warm-ups (but in --quick). A fork that times a gate
    // pass alone reaches C2's code for GRU's and LSTM's unit-by-unit loops 2-5 s in; with 3 x 0.7 s some forks
    // measured C1's code, 15-20 ms a step, and the parts table read nonsense (StepPartsBenchmark).
    private String partsSettingsOf(ChainedOptionsBuilder options) {
        if (length.quick) {
            return settingsOf(options);
        }
        if (length.full) {
            return "1 fork, annotation defaults: 5 warm-up x 1 s, 5 measured x 1 s";
        }
        options.warmupIterations(5).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.milliseconds(500));
        return "1 fork, 5 warm-up x 1 s, 5 measured x 0.5 s";
    }

    // JMH's iterations for the training step (tens of milliseconds per operation, so 1 s iterations).
    // Many short measured iterations rather than a few long ones: JMH's 99.9% interval is Student's t
    // times sd / sqrt(n), 6.5 sd at n = 4 but 1.9 sd at n = 8, for the same measuring time.
    private String trainingSettingsOf(ChainedOptionsBuilder options) {
        if (length.quick) {
            options.warmupIterations(2).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(4).measurementTime(TimeValue.seconds(1));
            return "1 fork, 2 warm-up x 1 s, 4 measured x 1 s";
        }
        if (length.full) {
            return "1 fork, annotation defaults: 3 warm-up x 2 s, 5 measured x 2 s";
        }
        options.warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(8).measurementTime(TimeValue.seconds(1));
        return "1 fork, 3 warm-up x 1 s, 8 measured x 1 s";
    }

    // The training step under JMH, one run per shape (JMH's parameters form a product, the cases do not),
    // merged into jmh-training.json; then PyTorch's step on the same cases into training.json.
    private void runTraining(Path dir, List<String> cases) throws RunnerException, IOException {
        java.util.Map<String, List<String>> cellsByShape = new java.util.LinkedHashMap<>();
        for (String c : cases) {
            cellsByShape.computeIfAbsent(c.split(":")[1], k -> new ArrayList<>()).add(c.split(":")[0]);
        }
        ArrayNode merged = BenchData.array();
        String settings = trainingSettingsOf(new OptionsBuilder());
        System.out.println();
        System.out.println("training step: " + cases + " (" + settings + ")");
        int part = 0;
        for (var e : cellsByShape.entrySet()) {
            Path file = Files.createTempFile("jmh-training-" + part++ + "-", ".json");
            ChainedOptionsBuilder options = new OptionsBuilder()
                    .include(TrainingStepBenchmark.class.getName() + ".trainingStep")
                    .param("cell", e.getValue().toArray(String[]::new))
                    .param("shape", e.getKey())
                    .forks(1).shouldFailOnError(true)
                    .resultFormat(ResultFormatType.JSON).result(file.toString());
            trainingSettingsOf(options);
            if (blas != null) {
                options.jvmArgsAppend("-D" + Blases.PROPERTY + "=" + blas);
            }
            ProgressFormat progress = new ProgressFormat(
                    OutputFormatFactory.createFormatInstance(System.out, VerboseMode.NORMAL), e.getValue().size());
            new Runner(options.build(), progress).run();
            BenchData.read(file).forEach(merged::add);
            Files.delete(file);
        }
        BenchData.write(dir.resolve(BenchData.JMH_TRAINING_FILE), merged);

        ObjectNode torch = noPeers ? BenchData.object().put("available", false).put("reason", "skipped (--no-peers)")
                : TorchPeers.runTraining(python(), cases, dir, System.out::println);
        if (!torch.path("available").asBoolean()) {
            System.out.println("pytorch training step: not timed: " + torch.path("reason").asText());
        }
        ObjectNode t = BenchData.object();
        t.put("jmh", settings);
        ArrayNode c = t.putArray("cases");
        cases.forEach(c::add);
        t.set("pytorch", torch);
        if (torch.path("available").asBoolean() && !length.quick) {
            t.set("paired", PairedPeers.training(python(), torch, dir, blas, System.out::println));
        }
        BenchData.write(dir.resolve(BenchData.TRAINING_FILE), t);
    }

    // The iteration lengths of the chosen mode, applied to options; returns their description.
    private String settingsOf(ChainedOptionsBuilder options) {
        if (length.quick) {
            options.warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(500));
            return "1 fork, 2 warm-up x 0.5 s, 3 measured x 0.5 s";
        }
        if (length.full) {
            return "1 fork, annotation defaults: 3 warm-up x 1 s, 5 measured x 1 s";
        }
        options.warmupIterations(3).warmupTime(TimeValue.milliseconds(700))
                .measurementIterations(5).measurementTime(TimeValue.milliseconds(500));
        return "1 fork, 3 warm-up x 0.7 s, 5 measured x 0.5 s";
    }

    // GRU's and LSTM's two matrix products timed alone on the run's shapes, one thread, so that the report can
    // say where a step's time goes (products against gate passes) and how far each product is from the peak.
    private void runParts(Path dir, List<String> cellList, List<String> shapeList) throws RunnerException {
        List<String> partCells = cellList.stream().filter(c -> c.equals("GRU") || c.equals("LSTM")).toList();
        org.rnnkernels.product.PanelProduct panels = org.rnnkernels.product.PanelProduct.get();
        if (panels == null) {
            return;
        }
        List<String> partShapes = shapeList.stream()
                .filter(s -> CellBenchmark.Shape.parse(s).batch() <= panels.maxBatch()).toList();
        if (partCells.isEmpty() || partShapes.isEmpty()) {
            return;
        }
        ChainedOptionsBuilder options = new OptionsBuilder().include(StepPartsBenchmark.class.getName() + "\\.")
                .param("cell", partCells.toArray(String[]::new)).param("shape", partShapes.toArray(String[]::new))
                .forks(1).shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON).result(dir.resolve(BenchData.JMH_PARTS_FILE).toString());
        String settings = partsSettingsOf(options);
        if (blas != null) {
            options.jvmArgsAppend("-D" + Blases.PROPERTY + "=" + blas);
        }
        int total = 2 * partCells.size() * partShapes.size();
        System.out.println();
        System.out.println("where the time goes: " + partCells + " products alone on " + partShapes + ", 1 thread ("
                + settings + ")");
        new Runner(options.build(), new ProgressFormat(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.NORMAL), total)).run();
    }

    // The research benchmarks in a run of their own: their parameters (cell, variant) mean other
    // things than the cell benchmark's, so the main run's overrides must not reach them.
    private void runResearch(Path dir, String settings) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder().forks(1).shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON).result(dir.resolve(BenchData.JMH_RESEARCH_FILE).toString());
        settingsOf(options);
        int total = 0;
        for (Class<?> c : RESEARCH) {
            options.include(c.getName() + "\\.");
            total += benchmarkCount(c);
        }
        if (blas != null) {
            options.jvmArgsAppend("-D" + Blases.PROPERTY + "=" + blas);
        }
        System.out.println();
        System.out.println("research cells' targets: " + total + " benchmarks (" + settings + ")");
        ProgressFormat progress = new ProgressFormat(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.NORMAL), total);
        new Runner(options.build(), progress).run();
    }

    /** How many runs JMH makes of a benchmark class: per method, the product of its states' parameter counts. */
    static int benchmarkCount(Class<?> benchmark) {
        int total = 0;
        for (java.lang.reflect.Method m : benchmark.getMethods()) {
            if (!m.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class)) {
                continue;
            }
            int runs = parameterCombinations(benchmark);
            for (Class<?> state : m.getParameterTypes()) {
                if (state.isAnnotationPresent(org.openjdk.jmh.annotations.State.class)) {
                    runs *= parameterCombinations(state);
                }
            }
            total += runs;
        }
        return total;
    }

    private static int parameterCombinations(Class<?> state) {
        int n = 1;
        for (java.lang.reflect.Field f : state.getFields()) {
            org.openjdk.jmh.annotations.Param p = f.getAnnotation(org.openjdk.jmh.annotations.Param.class);
            if (p != null) {
                n *= p.value().length;
            }
        }
        return n;
    }

    private ObjectNode runSettings(String mode, String settings, List<Integer> threadList, List<String> cellList,
                                   List<String> shapeList, List<String> gemmBlases) {
        ObjectNode run = BenchData.object();
        run.put("mode", mode);
        run.put("jmh", settings);
        run.put("blasRequested", blas == null ? "default (OpenBLAS when it loads, else Java)" : blas);
        ArrayNode t = run.putArray("threads");
        threadList.forEach(t::add);
        run.put("threadsMeaning", "threads sharing each call (newState(batch, threads)); "
                + "OpenBLAS runs single-threaded under them; sgemm on t threads splits the columns into t "
                + "single-threaded sgemm calls, as the layers do");
        ArrayNode c = run.putArray("cells");
        cellList.forEach(c::add);
        ArrayNode s = run.putArray("shapes");
        shapeList.forEach(s::add);
        ArrayNode g = run.putArray("sgemm");
        gemmBlases.forEach(g::add);
        run.put("jvmArgs", "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
                + (blas == null ? "" : " -D" + Blases.PROPERTY + "=" + blas));
        return run;
    }

    private static List<String> upper(List<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(n -> out.add(n.toUpperCase(Locale.ROOT)));
        return out;
    }

    /** {@code bench compare DIR DIR... [--baseline DIR] [--out FILE]}. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Puts several results folders side by side (one HTML page and a Markdown summary), "
                    + "with ratios to a baseline and a mark where a result got worse by more than the error bars.")
    static final class Compare implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "DIR", description = "results folders (one is enough for the "
                + "across-machines table of kept runs: bin/bench compare docs/machines/*)")
        List<Path> dirs;

        @Option(names = "--baseline", paramLabel = "DIR", description = "the folder to compare with (default: the first)")
        Path baseline;

        @Option(names = "--out", paramLabel = "FILE", description = "the HTML file (default: results/compare-<date>.html); "
                + "the Markdown goes beside it")
        Path out;

        @Override
        public Integer call() throws IOException {
            System.setProperty("java.awt.headless", "true");
            List<BenchData> data = new ArrayList<>();
            for (Path d : dirs) {
                data.add(BenchData.load(d));
            }
            int base = 0;
            if (baseline != null) {
                base = -1;
                for (int i = 0; i < dirs.size(); i++) {
                    if (Files.isSameFile(dirs.get(i), baseline)) {
                        base = i;
                    }
                }
                if (base < 0) {
                    data.add(0, BenchData.load(baseline));
                    base = 0;
                }
            }
            Path file = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"),
                    "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".html");
            CompareWriter.Result r = CompareWriter.write(data, base, file);
            System.out.println("compare: " + r.html() + " (" + r.regressions() + " regression(s) beyond the error bars)");
            System.out.println("         " + r.markdown());
            return 0;
        }
    }

    /** {@code bench keep DIR}: files a run's JSON under the tracked machines folder. */
    @Command(name = "keep", mixinStandardHelpOptions = true,
            description = "Copies a results folder's JSON files (JMH results, machine, peers; no charts) into the "
                    + "repository's docs/machines/<cpu>-f<family>m<model>-<bits>bit-<date>/, the cross-machine record "
                    + "that bin/bench compare docs/machines/* renders.")
    static final class Keep implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "a results folder")
        Path dir;

        @Option(names = "--to", paramLabel = "DIR", description = "the machines folder (default: docs/machines in the repository)")
        Path to;

        @Override
        public Integer call() throws IOException {
            Path machines = to != null ? to : Path.of(System.getProperty("rnk.machinesDir", "docs/machines"));
            Path kept = CrossMachine.keep(dir, machines);
            System.out.println("kept: " + kept + " (commit it to keep this machine's results)");
            return 0;
        }
    }

    /** {@code bench report DIR}: writes the report of an existing results folder again. */
    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Writes report.html and report.md of a results folder again (from its JSON files).")
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "a results folder")
        Path dir;

        @Override
        public Integer call() throws IOException {
            System.setProperty("java.awt.headless", "true");
            ReportWriter.write(BenchData.load(dir), dir);
            System.out.println("report: " + dir.resolve("report.html"));
            return 0;
        }
    }

    /** The plain-text table printed at the end of a run (package-private for tests). */
    static String table(Collection<RunResult> results) {
        record Row(String cell, String shape, int threads, double usPerStep, double errorPerStep, double gflops) {
        }
        List<Row> rows = new ArrayList<>();
        java.util.Map<String, Double> gru = new java.util.HashMap<>();
        StringBuilder out = new StringBuilder();
        for (RunResult r : results) {
            var params = r.getParams();
            var primary = r.getPrimaryResult();
            if (params.getBenchmark().endsWith("GemmBenchmark.sgemm")) {
                int n = Integer.parseInt(params.getParam("n"));
                double gflops = 2.0 * n * n * n / (primary.getScore() * 1e3);
                out.append(String.format(Locale.ROOT, "sgemm %dx%dx%d, %s thread(s), %-8s: %8.1f us  %6.1f GFLOP/s%n",
                        n, n, n, params.getParam("threads"), params.getParam("blas"), primary.getScore(), gflops));
                continue;
            }
            String cell = params.getParam("cell");
            String shape = params.getParam("shape");
            int threads = Integer.parseInt(params.getParam("threads"));
            CellBenchmark.Shape s = CellBenchmark.Shape.parse(shape);
            double perStep = primary.getScore() / s.steps();
            double error = primary.getScoreError() / s.steps();
            double gflops = s.flopsPerStep(CellType.valueOf(cell)) / (perStep * 1e3);
            rows.add(new Row(cell, shape, threads, perStep, error, gflops));
            if (cell.equals("GRU")) {
                gru.put(shape + "/" + threads, perStep);
            }
        }
        if (!rows.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n%-12s %-11s %7s %12s %10s %9s %8s%n",
                    "cell", "BxHxT", "threads", "us/step", "+-", "GFLOP/s", "x GRU"));
            for (Row row : rows) {
                Double g = gru.get(row.shape() + "/" + row.threads());
                out.append(String.format(Locale.ROOT, "%-12s %-11s %7d %12.2f %10.2f %9.1f %8s%n",
                        row.cell(), row.shape(), row.threads(), row.usPerStep(), row.errorPerStep(), row.gflops(),
                        g == null ? "-" : String.format(Locale.ROOT, "%.2f", row.usPerStep() / g)));
            }
        }
        return out.toString();
    }
}
