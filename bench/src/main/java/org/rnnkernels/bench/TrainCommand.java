package org.rnnkernels.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Gradients;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.MeanSquaredError;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.ParameterGradients;
import org.rnnkernels.train.SoftmaxCrossEntropy;
import org.rnnkernels.train.Tasks;
import org.rnnkernels.train.TernaryTrainingLayer;
import org.rnnkernels.train.TernaryTrainingState;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench train}: the adding problem (CELLS.md's set-up: one recurrent layer and a linear head
 * on the last step, mean squared error, Adam, gradient-norm clipping, PyTorch's default uniform
 * initialisation), for any of the trainable cells, sequence lengths and hidden size. Prints the
 * test MSE as it goes and writes {@code results/train-<date>/results.md} and {@code .csv}: the MSE
 * at the end, the first evaluation below 0.01 (the task counts as solved there; predicting the mean
 * scores about 0.167), and the time per training step.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains cells on the adding problem or the copy-memory task and writes a results table.")
final class TrainCommand implements Callable<Integer> {
    static final double SOLVED = 0.01;

    enum Task { ADDING, COPY }

    @Option(names = "--task", description = "adding (default) or copy (copy-memory: K = 10 symbols of an alphabet of 8,"
            + " recalled after a delay of T steps; loss over every step)")
    Task task = Task.ADDING;

    @Option(names = "--cells", split = ",", paramLabel = "CELL",
            description = "cells (default: GRU, LSTM, RAG_GRU, RAG_MINIMAL, RAG_LSTM)")
    List<String> cells = List.of("GRU", "LSTM", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM");

    @Option(names = "--lengths", split = ",", paramLabel = "T",
            description = "sequence lengths; for copy, the delay between the symbols and their recall (default: 100)")
    List<Integer> lengths = List.of(100);

    @Option(names = "--hidden", description = "hidden size (default: ${DEFAULT-VALUE})")
    int hidden = 64;

    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--iterations", description = "training steps (default: ${DEFAULT-VALUE})")
    int iterations = 3000;

    @Option(names = "--seed", description = "seed of the initialisation and the data (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 1e-3;

    @Option(names = "--clip", description = "gradient-norm clip (default: ${DEFAULT-VALUE})")
    double clip = 1;

    @Option(names = "--eval-every", description = "steps between test evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery = 250;

    @Option(names = "--test-size", description = "test sequences (default: ${DEFAULT-VALUE})")
    int testSize = 1000;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results folder goes (default: results/)")
    Path out;

    @Option(names = "--save-models", description = "also save every trained model (layer and head) in the results folder,"
            + " as <CELL>-T<T>.safetensors (TrainingModel.load reads it; ModelFiles.load reads the layer)")
    boolean saveModels;

    @Option(names = "--sharing-rate", paramLabel = "R",
            description = "train restricted (weight-shared) layers with sharing rate R in [0, 1] (RNN_TANH, GRU, LSTM)")
    Double sharingRate;

    @Option(names = "--ternary", paramLabel = "ACTIVATIONS",
            description = "train HitNet ternary layers (GRU, LSTM; adding problem): TERNARY (ternary weights and activations)"
                    + " or FLOAT (ternary weights only)")
    TernaryLayer.Activations ternary;

    @Option(names = "--quantizer", paramLabel = "RULE",
            description = "with --ternary TERNARY, how activations are ternarised in training: THRESHOLD (sign(v) [|v| > 0.5],"
                    + " as deployed; default) or STOCHASTIC (sign(v) [u < |v|], deployed at the threshold 0.5)")
    ActivationQuantizer quantizer = ActivationQuantizer.THRESHOLD;

    @Option(names = "--slope", paramLabel = "LAMBDA",
            description = "with --ternary, HitNet's sloping factor lambda of the gates, sigm(lambda a) and tanh(lambda a)"
                    + " (default: ${DEFAULT-VALUE})")
    float slope = TernaryLayer.DEFAULT_LAMBDA;

    private Path dir;

    /** {@code metric}: the test MSE (adding) or the test cross-entropy over every step (copy). */
    record Result(String cell, int steps, double metric, int solvedAt, double msPerStep) {
    }

    static final int COPY_SYMBOLS = 10;
    static final int COPY_ALPHABET = 8;

    @Override
    public Integer call() throws IOException {
        // Every option checked before anything runs or is written.
        List<CellType> types = new ArrayList<>();
        for (String name : cells) {
            try {
                types.add(CellType.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw badOption("--cells: no cell " + name + "; expected one of " + java.util.Arrays.toString(CellType.values()));
            }
        }
        if (ternary != null) {
            if (task == Task.COPY || sharingRate != null || saveModels) {
                throw badOption("--ternary trains the adding problem only, without --sharing-rate or --save-models"
                        + " (ternary layers have no model file)");
            }
            if (types.stream().anyMatch(t -> t != CellType.GRU && t != CellType.LSTM)) {
                throw badOption("--ternary trains GRU and LSTM only: --cells " + cells);
            }
            if (quantizer == ActivationQuantizer.STOCHASTIC && ternary != TernaryLayer.Activations.TERNARY) {
                throw badOption("--quantizer STOCHASTIC needs --ternary TERNARY (FLOAT activations are not quantised)");
            }
        } else if (quantizer != ActivationQuantizer.THRESHOLD || slope != TernaryLayer.DEFAULT_LAMBDA) {
            throw badOption("--quantizer and --slope set HitNet layers: give --ternary TERNARY or FLOAT");
        }
        if (!(slope > 0) || Float.isInfinite(slope)) {
            throw badOption("--slope = " + slope + ", expected finite and > 0 (the sloping factor lambda)");
        }
        OpenBlas.load().ifPresent(b -> OpenBlas.setThreads(1));
        Path base = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"));
        dir = base.resolve("train-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        List<Result> results = new ArrayList<>();
        for (int steps : lengths) {
            for (CellType type : types) {
                results.add(ternary != null ? trainTernary(type, steps)
                        : task == Task.ADDING ? train(type, steps) : trainCopy(type, steps));
            }
        }
        StringBuilder md = new StringBuilder();
        if (task == Task.ADDING) {
            md.append(String.format(Locale.ROOT,
                    "Adding problem, H=%d, batch %d, %d steps, Adam lr %s, clip %s, seed %d, test set %d sequences"
                            + " (predicting the mean: MSE ~0.167; solved: below %s)%n%n",
                    hidden, batch, iterations, learningRate, clip, seed, testSize, SOLVED));
            md.append("| cell | T | test MSE at the end | solved from step | ms per step |\n|---|---:|---:|---:|---:|\n");
        } else {
            md.append(String.format(Locale.ROOT,
                    "Copy memory, K=%d symbols of %d, H=%d, batch %d, %d steps, Adam lr %s, clip %s, seed %d, test set %d"
                            + " sequences (memoryless baseline: K ln A / (T + 2K) per step; solved: every recalled symbol"
                            + " right in at least 99%% of the test set)%n%n",
                    COPY_SYMBOLS, COPY_ALPHABET, hidden, batch, iterations, learningRate, clip, seed, testSize));
            md.append("| cell | delay T | test cross-entropy at the end (baseline) | solved from step | ms per step |\n"
                    + "|---|---:|---:|---:|---:|\n");
        }
        StringBuilder csv = new StringBuilder("task,cell,T,hidden,batch,iterations,seed,final_metric,solved_at,ms_per_step\n");
        for (Result r : results) {
            String metric = String.format(Locale.ROOT, "%.4f", r.metric());
            if (task == Task.COPY) {
                metric += String.format(Locale.ROOT, " (%.4f)", COPY_SYMBOLS * Math.log(COPY_ALPHABET) / (r.steps() + 2 * COPY_SYMBOLS));
            }
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.1f |%n", r.cell(), r.steps(), metric,
                    r.solvedAt() < 0 ? "not solved" : Integer.toString(r.solvedAt()), r.msPerStep()));
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%.6f,%d,%.3f%n", task.name().toLowerCase(Locale.ROOT),
                    r.cell(), r.steps(), hidden, batch, iterations, seed, r.metric(), r.solvedAt(), r.msPerStep()));
        }
        Files.writeString(dir.resolve("results.md"), md);
        Files.writeString(dir.resolve("results.csv"), csv);
        System.out.println();
        System.out.print(md);
        System.out.println();
        System.out.println("results: " + dir.resolve("results.md"));
        return 0;
    }

    private Result train(CellType type, int steps) throws IOException {
        // Three independent streams from the seed: the layer's weights, the head's, the data. (One seed
        // for all would give the head exactly the first H values of W_ih.)
        SplittableRandom random = new SplittableRandom(seed);
        long headSeed = random.split().nextLong();
        long dataSeed = random.split().nextLong();
        TrainingModel model = model(type, Tasks.Adding.INPUT_SIZE, random, LinearHead.create(hidden, 1, headSeed),
                TrainingModel.HeadOn.LAST_STEP);
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), learningRate), clip, batch, steps);
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);   // one output per sequence: one "step"

        Tasks.Adding data = Tasks.adding(steps, dataSeed);
        Tasks.Adding testData = Tasks.adding(steps, dataSeed + 7919);
        float[] x = new float[steps * batch * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[batch];
        float[] testX = new float[steps * testSize * Tasks.Adding.INPUT_SIZE];
        float[] testY = new float[testSize];
        testData.next(testSize, testX, testY);

        Outcome outcome = new Outcome();
        Trainer.Progress last = trainer.train(iterations, () -> {
            data.next(batch, x, y);
            return x;
        }, (prediction, t, b, dPrediction) -> mse.compute(prediction, t, b, y, null, dPrediction), p -> {
            if (p.every(evalEvery)) {
                double testMse = test(model, steps, testX, testY);
                outcome.evaluated(p.step(), testMse, testMse < SOLVED);
                System.out.printf(Locale.ROOT, "%-11s T=%-4d step %5d  test MSE %.4f  (%.1f ms per step)%n",
                        cellName(type), steps, p.step(), testMse, p.millisPerStep());
            }
        });
        save(model, type, steps);
        return new Result(cellName(type), steps, outcome.metric, outcome.solvedAt, last.millisPerStep());
    }

    /** The last evaluation's metric, and the first evaluated step at which the task counted as solved. */
    static final class Outcome {
        double metric = Double.NaN;
        int solvedAt = -1;

        void evaluated(int step, double metric, boolean solved) {
            this.metric = metric;
            if (solvedAt < 0 && solved) {
                solvedAt = step;
            }
        }
    }

    /**
     * The adding problem with a HitNet ternary layer ({@link TernaryTrainingLayer}: float master weights,
     * straight-through estimators, activations ternarised by {@code --quantizer} while training, sloping factor
     * {@code --slope}), initialised and seeded as {@link #train}; the test MSE is that of the exported inference
     * {@link TernaryLayer} (deterministic activations: the trained threshold, or 0.5 after stochastic training).
     */
    private Result trainTernary(CellType type, int steps) {
        SplittableRandom random = new SplittableRandom(seed);
        long headSeed = random.split().nextLong();
        long dataSeed = random.split().nextLong();
        int in = Tasks.Adding.INPUT_SIZE;
        TernaryTrainingLayer layer = TernaryTrainingLayer.create(TorchInit.weights(type, in, hidden, random), ternary,
                quantizer, Ternarizer.standard(), TernaryLayer.DEFAULT_DELTA, slope, Blases.get());
        SplittableRandom draws = random.split();
        LinearHead head = LinearHead.create(hidden, 1, headSeed);
        ParameterGradients gradients = layer.newGradients();
        List<Parameter> parameters = new ArrayList<>(layer.parameters(gradients));
        parameters.addAll(head.parameters());
        Adam adam = new Adam(parameters, learningRate);
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);

        Tasks.Adding data = Tasks.adding(steps, dataSeed);
        Tasks.Adding testData = Tasks.adding(steps, dataSeed + 7919);
        float[] x = new float[steps * batch * in];
        float[] y = new float[batch];
        float[] testX = new float[steps * testSize * in];
        float[] testY = new float[testSize];
        testData.next(testSize, testX, testY);
        float[] outputs = new float[steps * batch * hidden];
        float[] prediction = new float[batch];
        float[] dPrediction = new float[batch];
        float[] dLast = new float[batch * hidden];
        TernaryTrainingState state = layer.newState(batch);
        String name = type.name() + " HitNet " + ternary.name()
                + (ternary == TernaryLayer.Activations.TERNARY ? " " + quantizer.name() : "")
                + (slope != TernaryLayer.DEFAULT_LAMBDA ? " lambda " + slope : "");

        int solvedAt = -1;
        double testMse = Double.NaN;
        long trainingNanos = 0;
        for (int it = 1; it <= iterations; it++) {
            long t0 = System.nanoTime();
            data.next(batch, x, y);
            state.reset();
            layer.forward(x, steps, state, outputs, draws);
            head.forward(outputs, (steps - 1) * batch * hidden, batch, prediction, 0);
            mse.compute(prediction, 1, batch, y, null, dPrediction);
            head.backward(dPrediction, 0, batch, dLast, 0);
            layer.backward(state, null, dLast, null, null, null, null, gradients);
            Gradients.clipGradNorm(parameters, clip);
            adam.step();
            Gradients.zero(parameters);
            trainingNanos += System.nanoTime() - t0;
            if (it % evalEvery == 0 || it == iterations) {
                float[] out = new float[steps * testSize * hidden];
                try (RecurrentLayer inference = layer.toInference()) {
                    inference.forward(testX, steps, inference.newState(testSize), out);
                }
                testMse = testMse(head, out, steps, testY);
                if (solvedAt < 0 && testMse < SOLVED) {
                    solvedAt = it;
                }
                System.out.printf(Locale.ROOT, "%-22s T=%-4d step %5d  test MSE %.4f  (%.1f ms per step)%n",
                        name, steps, it, testMse, trainingNanos / 1e6 / it);
            }
        }
        return new Result(name, steps, testMse, solvedAt, trainingNanos / 1e6 / iterations);
    }

    /**
     * Copy memory: the layer reads the one-hot sequence, the head maps every step's {@code h} to
     * {@code A + 1} classes, and the loss is the cross-entropy over every step (Arjovsky et al.'s set-up).
     */
    private Result trainCopy(CellType type, int delay) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        long headSeed = random.split().nextLong();
        long dataSeed = random.split().nextLong();
        Tasks.CopyMemory data = Tasks.copyMemory(COPY_SYMBOLS, COPY_ALPHABET, delay, dataSeed);
        Tasks.CopyMemory testData = Tasks.copyMemory(COPY_SYMBOLS, COPY_ALPHABET, delay, dataSeed + 7919);
        int steps = data.steps();
        int in = data.inputSize();
        int classes = data.classes();
        TrainingModel model = model(type, in, random, LinearHead.create(hidden, classes, headSeed),
                TrainingModel.HeadOn.EVERY_STEP);
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), learningRate), clip, batch, steps);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(classes, Loss.Over.EVERY_STEP);

        float[] x = new float[steps * batch * in];
        int[] y = new int[steps * batch];
        float[] testX = new float[steps * testSize * in];
        int[] testY = new int[steps * testSize];
        testData.next(testSize, testX, testY);

        Outcome outcome = new Outcome();
        Trainer.Progress last = trainer.train(iterations, () -> {
            data.next(batch, x, y);
            return x;
        }, (logits, t, b, dLogits) -> loss.compute(logits, t, b, y, null, dLogits), p -> {
            if (p.every(evalEvery)) {
                float[] testOut = new float[steps * testSize * hidden];
                float[] testLogits = new float[steps * testSize * classes];
                try (RecurrentModel inference = model.toModel(); ModelState s = inference.newState(testSize)) {
                    inference.forward(testX, steps, null, s, testOut);
                }
                model.head().forward(testOut, steps * testSize, testLogits);
                double testLoss = loss.compute(testLogits, steps, testSize, testY, null, new float[testLogits.length]);
                double recalled = recalled(testLogits, testY, steps, classes, data.symbols());
                outcome.evaluated(p.step(), testLoss, recalled >= 0.99);
                System.out.printf(Locale.ROOT, "%-11s delay=%-4d step %5d  test cross-entropy %.4f (baseline %.4f), "
                        + "sequences recalled %.3f  (%.1f ms per step)%n", cellName(type), delay, p.step(), testLoss,
                        data.baselineLoss(), recalled, p.millisPerStep());
            }
        });
        save(model, type, delay);
        return new Result(cellName(type), delay, outcome.metric, outcome.solvedAt, last.millisPerStep());
    }

    // The fraction of test sequences whose K recalled symbols (the last K steps) are all argmax-right.
    private double recalled(float[] logits, int[] targets, int steps, int classes, int symbols) {
        int right = 0;
        for (int b = 0; b < testSize; b++) {
            boolean all = true;
            for (int t = steps - symbols; t < steps && all; t++) {
                int row = (t * testSize + b) * classes;
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (logits[row + c] > logits[row + best]) {
                        best = c;
                    }
                }
                all = best == targets[t * testSize + b];
            }
            right += all ? 1 : 0;
        }
        return (double) right / testSize;
    }

    /**
     * One layer with PyTorch's default initialisation drawn from {@code random} ({@link TorchInit#layer}: MI's
     * vectors at their initial values, EGRU's thresholds EvNN's "random-vector") under {@code head}. With
     * {@code --sharing-rate r} the layer is restricted: its pool and bias pool drawn likewise
     * ({@link TorchInit#restricted}).
     */
    private TrainingModel model(CellType type, int inputSize, SplittableRandom random, LinearHead head,
                                TrainingModel.HeadOn on) {
        RecurrentLayer layer = sharingRate != null
                ? RecurrentLayer.createRestricted(TorchInit.restricted(type, inputSize, hidden, sharingRate, random), Blases.get())
                : TorchInit.layer(type, inputSize, hidden, random, Blases.get());
        try (RecurrentModel model = RecurrentModel.of(false, List.of(layer))) {
            return TrainingModel.of(model, head, on);
        }
    }

    private picocli.CommandLine.ParameterException badOption(String message) {
        return new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), message);
    }

    // The cell as the results name it: restricted layers with their sharing rate.
    private String cellName(CellType type) {
        return sharingRate == null ? type.name() : type.name() + " r=" + sharingRate;
    }

    private void save(TrainingModel model, CellType type, int steps) throws IOException {
        if (saveModels) {
            Path file = dir.resolve(cellName(type).replace(" r=", "-r") + "-T" + steps + ".safetensors");
            model.save(file);
            System.out.println("saved " + file);
        }
    }

    // Test MSE of the current weights with the inference kernels (the same cell the library ships).
    private double test(TrainingModel model, int steps, float[] testX, float[] testY) {
        float[] out = new float[steps * testSize * hidden];
        try (RecurrentModel inference = model.toModel(); ModelState state = inference.newState(testSize)) {
            inference.forward(testX, steps, null, state, out);
        }
        return testMse(model.head(), out, steps, testY);
    }

    // The head on the last step of the test set's outputs [T][testSize][H], against the targets.
    private double testMse(LinearHead head, float[] out, int steps, float[] testY) {
        float[] prediction = new float[testSize];
        head.forward(out, (steps - 1) * testSize * hidden, testSize, prediction, 0);
        double sum = 0;
        for (int b = 0; b < testSize; b++) {
            double e = prediction[b] - testY[b];
            sum += e * e;
        }
        return sum / testSize;
    }
}
