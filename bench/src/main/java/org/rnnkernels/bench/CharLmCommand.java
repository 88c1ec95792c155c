package org.rnnkernels.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.bench.data.Europarl;
import org.rnnkernels.bench.report.Machine;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.SoftmaxCrossEntropy;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A character-level language model on Europarl ({@link Europarl}): one recurrent layer over one-hot
 * characters ({@code I = V}, which makes {@code W_ih} the embedding: a one-hot row selects its column), a
 * linear head with softmax cross-entropy on every step, next-character prediction. Training: windows of
 * {@code T + 1} characters at positions drawn from the run's seed, from a zero state. Held-out: the test
 * documents cut into consecutive windows of {@code T}, each from a zero state; bits per character are the
 * mean cross-entropy over every predicted character divided by {@code ln 2}.
 *
 * <p>The vocabulary: the characters seen at least twice in the training text, plus one unknown-character
 * symbol (index 0) for the rest. Writes {@code results/charlm-<host>-<date>/} as {@link TaskReport} does.
 */
@Command(name = "charlm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Character-level language model on Europarl (fetched with Maven): bits per character on held-out "
                + "documents for each cell, PyTorch's LSTM and GRU beside them; writes results/charlm-<host>-<date>/.")
public final class CharLmCommand implements Callable<Integer> {
    static final List<String> ALL = List.of("LSTM", "MI_LSTM", "GRU", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM", "RESTRICTED_LSTM");
    private static final TaskReport REPORT = new TaskReport("Character-level LM on Europarl", "test bits per character", 1,
            false);

    @Option(names = "--cells", split = ",", paramLabel = "CELL", description = "cells (default: ${DEFAULT-VALUE})")
    List<String> cells = ALL;

    @Option(names = "--train-chars", description = "training text, whole documents (default: ${DEFAULT-VALUE})")
    long trainChars = 1_000_000;

    @Option(names = "--test-chars", description = "validation and test text each (default: ${DEFAULT-VALUE})")
    long testChars = 100_000;

    @Option(names = "--hidden", description = "hidden size H (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--steps", description = "characters per training window T (default: ${DEFAULT-VALUE})")
    int steps = 100;

    @Option(names = "--batch", description = "windows per batch (default: ${DEFAULT-VALUE})")
    int batch = 32;

    @Option(names = "--epochs", description = "epochs, each as many windows as the training text has characters / T "
            + "(default: ${DEFAULT-VALUE})")
    int epochs = 2;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds = List.of(1L, 2L, 3L);

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 2e-3;

    @Option(names = "--clip", description = "gradient-norm clip (default: ${DEFAULT-VALUE})")
    double clip = 1;

    @Option(names = "--rate", description = "the restricted cells' sharing rate (default: ${DEFAULT-VALUE})")
    double rate = 0.5;

    @Option(names = "--threads", description = "OpenBLAS threads (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results folder goes (default: results/)")
    Path out;

    @Option(names = "--python", paramLabel = "EXE", description = "the Python that trains PyTorch's LSTM and GRU on the same "
            + "text and windows in the same run (default: python3 on PATH, else /usr/bin/python3, whichever imports torch)")
    String python;

    @Option(names = "--no-peers", description = "do not train PyTorch's cells")
    boolean noPeers;

    private int[] train;
    private int[] test;
    private int vocabulary;
    private String machine;

    @Override
    public Integer call() throws Exception {
        for (String cell : cells) {
            if (!ALL.contains(cell)) {
                throw new IllegalArgumentException("--cells: unknown cell " + cell + ", expected some of " + ALL);
            }
        }
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(threads);
        }
        Europarl.Text text = Europarl.split(Europarl.documents(), trainChars, testChars);
        Map<Integer, Integer> index = vocabulary(text.train());
        vocabulary = index.size() + 1;
        train = encode(text.train(), index);
        test = encode(text.test(), index);
        if (train.length < 2L * (steps + 1) || test.length < steps + 1) {
            throw new IllegalArgumentException("--train-chars " + trainChars + " and --test-chars " + testChars + " gave "
                    + train.length + " and " + test.length + " characters: expected at least 2 (T + 1) = " + 2 * (steps + 1)
                    + " and T + 1 = " + (steps + 1));
        }
        machine = TaskReport.machine();
        System.out.printf(Locale.ROOT, "charlm: %d documents, %d training characters, %d test characters, V = %d%n",
                text.documents(), train.length, test.length, vocabulary);
        String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path root = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"));
        Path folder = root.resolve("charlm-" + Machine.hostname() + "-" + date);
        Files.createDirectories(folder);
        List<TaskReport.Row> rows = new ArrayList<>();
        for (String cell : cells) {
            for (long seed : seeds) {
                rows.addAll(run(cell, seed));
                REPORT.write(folder, rows, date, machine, settings());
            }
        }
        if (!noPeers) {
            rows.addAll(torch(folder));
            REPORT.write(folder, rows, date, machine, settings());
        }
        System.out.println("charlm: " + folder.resolve("summary.md"));
        System.out.print(Files.readString(folder.resolve("summary.md")));
        return 0;
    }

    private String settings() {
        return String.format(Locale.ROOT, "%d training / %d test characters of whole Europarl documents, V = %d (seen twice, "
                        + "+ unknown), one-hot input, H = %d, T = %d, batch %d, Adam %.0e, clip %.1f, %d epochs, seeds %s, "
                        + "restricted r = %.2f, %d thread(s)",
                train.length, test.length, vocabulary, hidden, steps, batch, learningRate, clip, epochs, seeds, rate, threads);
    }

    // The characters (code points) seen at least twice, in code point order, numbered from 1 (0: unknown).
    private static Map<Integer, Integer> vocabulary(String text) {
        Map<Integer, Integer> counts = new TreeMap<>();
        text.codePoints().forEach(c -> counts.merge(c, 1, Integer::sum));
        Map<Integer, Integer> index = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getValue() >= 2) {
                index.put(e.getKey(), index.size() + 1);
            }
        }
        return index;
    }

    private static int[] encode(String text, Map<Integer, Integer> index) {
        return text.codePoints().map(c -> index.getOrDefault(c, 0)).toArray();
    }

    private List<TaskReport.Row> run(String cell, long seed) {
        RunDraws draws = RunDraws.of(seed);
        int[][] windows = windowStarts(draws.order());
        TrainingModel model = model(cell, draws.weights(), draws.headSeed());
        long parameters = model.parameters().stream().mapToLong(p -> p.value().length).sum();
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), learningRate), clip, batch, steps);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(vocabulary, Loss.Over.EVERY_STEP);
        float[] x = new float[steps * batch * vocabulary];
        int[] targets = new int[steps * batch];
        int[] starts = new int[batch];
        int batches = batches();
        List<TaskReport.Row> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            double lossSum = 0;
            for (int k = 0; k < batches; k++) {
                System.arraycopy(windows[epoch - 1], k * batch, starts, 0, batch);
                oneHot(train, starts, x, targets);
                lossSum += trainer.step(x, (y, t, b, dy) -> loss.compute(y, t, b, targets, null, dy));
                if ((k + 1) % 10 == 0 || k + 1 == batches) {
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    System.out.printf(Locale.ROOT, "\r%-16s seed %d epoch %d %4d/%d  loss %.4f (%.3f bits/char)  %5.1f s, ~%.0f s left   ",
                            cell, seed, epoch, k + 1, batches, lossSum / (k + 1), lossSum / (k + 1) / Math.log(2), elapsed,
                            elapsed / (k + 1) * (batches - k - 1));
                    System.out.flush();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double bits = testBits(model);
            System.out.printf(Locale.ROOT, "%n%s seed %d epoch %d: train %.4f bits/char, test %.4f bits/char, %.1f s%n",
                    cell, seed, epoch, lossSum / batches / Math.log(2), bits, seconds);
            rows.add(new TaskReport.Row(cell, seed, epoch, lossSum / batches, bits, seconds, parameters, Double.NaN));
        }
        return rows;
    }

    private int batches() {
        return Math.max(1, train.length / (steps * batch));
    }

    /** Every epoch's window starts, {@code [epochs][batches * B]}, uniform over the training text, drawn from {@code positions}. */
    private int[][] windowStarts(SplittableRandom positions) {
        int[][] starts = new int[epochs][batches() * batch];
        for (int[] epoch : starts) {
            for (int i = 0; i < epoch.length; i++) {
                epoch[i] = positions.nextInt(train.length - steps - 1);
            }
        }
        return starts;
    }

    // ---- PyTorch on the same text and windows

    /** PyTorch's LSTM and GRU (those of {@link #cells}), same text, windows, sizes, optimiser and threads ({@code torch_charlm.py}). */
    private List<TaskReport.Row> torch(Path folder) throws java.io.IOException, InterruptedException {
        List<String> torchCells = cells.stream().filter(c -> c.equals("LSTM") || c.equals("GRU")).toList();
        String exe = torchCells.isEmpty() ? null : TorchTask.python(python);
        if (exe == null) {
            System.out.println("charlm: no PyTorch peer (no LSTM or GRU asked for, or no Python that imports torch)");
            return List.of();
        }
        Path file = folder.resolve("torch-charlm.bin");
        int batches = batches();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(4 * (9 + train.length + test.length
                + seeds.size() * epochs * batches * batch)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {train.length, test.length, vocabulary, steps, batch, epochs, seeds.size(), batches, hidden}) {
            buffer.putInt(v);
        }
        for (int c : train) {
            buffer.putInt(c);
        }
        for (int c : test) {
            buffer.putInt(c);
        }
        for (long seed : seeds) {
            for (int[] epoch : windowStarts(RunDraws.of(seed).order())) {
                for (int start : epoch) {
                    buffer.putInt(start);
                }
            }
        }
        Files.write(file, buffer.array());
        System.out.println("charlm: PyTorch " + torchCells + " with " + exe);
        List<TaskReport.Row> rows = TorchTask.run(exe, "torch_charlm.py", folder, List.of(file.toString(), "--cells",
                String.join(",", torchCells), "--seeds", TorchTask.seeds(seeds), "--lr", Double.toString(learningRate), "--clip",
                Double.toString(clip), "--threads", Integer.toString(threads)), threads, "test_bits");
        Files.deleteIfExists(file);
        return rows;
    }

    private TrainingModel model(String cell, SplittableRandom random, long headSeed) {
        LinearHead head = LinearHead.create(hidden, vocabulary, headSeed);
        RecurrentLayer layer = cell.startsWith("RESTRICTED_")
                ? RecurrentLayer.createRestricted(TorchInit.restricted(CellType.valueOf(cell.substring("RESTRICTED_".length())),
                        vocabulary, hidden, rate, random), Blases.get())
                : TorchInit.layer(CellType.valueOf(cell), vocabulary, hidden, random, Blases.get());
        try (RecurrentModel initial = RecurrentModel.of(false, List.of(layer))) {
            return TrainingModel.of(initial, head, TrainingModel.HeadOn.EVERY_STEP);
        }
    }

    // Windows text[start_b .. start_b + T] as one-hot x [T][B][V] (time-major) and next characters [T][B].
    private void oneHot(int[] text, int[] starts, float[] x, int[] targets) {
        java.util.Arrays.fill(x, 0f);
        int count = starts.length;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < count; b++) {
                x[(t * count + b) * vocabulary + text[starts[b] + t]] = 1f;
                targets[t * count + b] = text[starts[b] + t + 1];
            }
        }
    }

    /** Bits per character over the test text: consecutive windows of T, each from a zero state, by the inference model. */
    private double testBits(TrainingModel model) {
        int windows = (test.length - 1) / steps;
        int evalBatch = Math.min(batch, windows);
        int[] starts = new int[evalBatch];
        float[] x = new float[steps * evalBatch * vocabulary];
        int[] targets = new int[steps * evalBatch];
        float[] hs = new float[steps * evalBatch * hidden];
        float[] logits = new float[steps * evalBatch * vocabulary];
        float[] grad = new float[logits.length];
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(vocabulary, Loss.Over.EVERY_STEP);
        double sum = 0;
        int counted = 0;
        try (RecurrentModel inference = model.toModel(); ModelState state = inference.newState(evalBatch)) {
            for (int w = 0; w + evalBatch <= windows; w += evalBatch) {
                for (int b = 0; b < evalBatch; b++) {
                    starts[b] = (w + b) * steps;
                }
                oneHot(test, starts, x, targets);
                state.reset();
                inference.forward(x, steps, null, state, hs);
                model.head().forward(hs, steps * evalBatch, logits);
                sum += loss.compute(logits, steps, evalBatch, targets, null, grad) * steps * evalBatch;
                counted += steps * evalBatch;
            }
        }
        return sum / counted / Math.log(2);
    }
}
