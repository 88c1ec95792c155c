package org.rnnkernels.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.bench.data.Europarl;
import org.rnnkernels.bench.report.Machine;
import org.rnnkernels.lightrnn.LightRnnTrainer;
import org.rnnkernels.lightrnn.Reallocation;
import org.rnnkernels.lightrnn.ReallocationSums;
import org.rnnkernels.lightrnn.WordTable;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Embedding;
import org.rnnkernels.train.Gradients;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.SoftmaxCrossEntropy;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A word-level language model on Europarl ({@link Europarl}): LightRNN (Li et al. 2016: a word is a cell of an
 * {@code R x C} table, {@code R = C = ceil(sqrt(V))}, predicted as its row then its column) with its bootstrap
 * loop (train an epoch, reallocate the words by minimum-cost assignment, train on: {@link Reallocation#exact} up to
 * {@link Reallocation#MAX_EXACT_CELLS} cells, {@link Reallocation#largestStakeFirst} above, the old table kept when
 * the new one would not cost less; the costs as {@link ReallocationSums}, memory linear in {@code V})
 * against a full-softmax LSTM language model of the same hidden size ({@link Embedding}, LSTM, a linear head
 * over the {@code V} words).
 *
 * <p>Text: whole documents ({@link Europarl#split}), lower-cased, split at whitespace, an {@code <eos>} token after
 * each document. Vocabulary: the tokens seen at least {@code --min-count} times in the training part, most frequent
 * first (ties in string order), plus {@code <unk>} (id 0) for every other token. Both models train by truncated
 * backpropagation through time on {@code B} contiguous streams of the training tokens (the text cut into
 * {@code B} equal parts), {@code T} tokens a call, state carried from call to call; the test tokens are cut the
 * same way and scored from a zero state. Perplexity is {@code exp} of the mean cross-entropy over every
 * predicted test token. Writes {@code results/wordlm-<host>-<date>/} as {@link TaskReport} does; the
 * {@code parameters} column there counts the embeddings and the output layer (the part LightRNN shrinks).
 */
@Command(name = "wordlm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Word-level language model on Europarl (fetched with Maven): LightRNN with its reallocation loop "
                + "against a full-softmax LSTM of the same H, test perplexity, embedding + output parameters, seconds per "
                + "epoch, output-layer time per word; PyTorch's full-softmax LSTM beside them when python3 imports torch; "
                + "writes results/wordlm-<host>-<date>/.")
public final class WordLmCommand implements Callable<Integer> {
    static final String LIGHT_RNN = "LightRNN LSTM";
    static final String FULL_SOFTMAX = "full-softmax LSTM";
    private static final TaskReport REPORT = new TaskReport("Word-level LM on Europarl", "test perplexity", 1, false);

    @Option(names = "--train-tokens", description = "training tokens, whole documents (default: ${DEFAULT-VALUE})")
    long trainTokens = 100_000;

    @Option(names = "--test-tokens", description = "validation and test tokens each, whole documents (default: ${DEFAULT-VALUE})")
    long testTokens = 10_000;

    @Option(names = "--min-count", description = "a word is in the vocabulary when seen at least this often in the training "
            + "part (default: ${DEFAULT-VALUE})")
    int minCount = 2;

    @Option(names = "--hidden", description = "hidden size H of both models (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--embedding", description = "embedding size E of both models (default: ${DEFAULT-VALUE})")
    int embedding = 128;

    @Option(names = "--steps", description = "tokens per stream and call T (default: ${DEFAULT-VALUE})")
    int steps = 35;

    @Option(names = "--batch", description = "streams B (default: ${DEFAULT-VALUE})")
    int batch = 32;

    @Option(names = "--epochs", description = "epochs; LightRNN reallocates after each but the last (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--seeds", split = ",", paramLabel = "SEED", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds = List.of(1L);

    @Option(names = "--models", split = ",", paramLabel = "MODEL", description = "lightrnn, full (default: ${DEFAULT-VALUE})")
    List<String> models = List.of("lightrnn", "full");

    @Option(names = "--no-reallocation", description = "LightRNN keeps its first (frequency-ordered) table: the bootstrap "
            + "loop's control")
    boolean noReallocation;

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 2e-3;

    @Option(names = "--clip", description = "gradient-norm clip (default: ${DEFAULT-VALUE})")
    double clip = 1;

    @Option(names = "--threads", description = "OpenBLAS threads (default: ${DEFAULT-VALUE})")
    int threads = 1;

    @Option(names = "--out", paramLabel = "DIR", description = "where the results folder goes (default: results/)")
    Path out;

    @Option(names = "--python", paramLabel = "EXE", description = "the Python that trains PyTorch's full-softmax LSTM on the "
            + "same tokens and streams in the same run (default: python3 on PATH, else /usr/bin/python3, whichever imports torch)")
    String python;

    @Option(names = "--no-peers", description = "do not train PyTorch's model")
    boolean noPeers;

    private int[] train;
    private int[] test;
    private int vocabulary;
    private final List<String> extras = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        for (String model : models) {
            if (!List.of("lightrnn", "full").contains(model)) {
                throw new IllegalArgumentException("--models: unknown model " + model + ", expected some of lightrnn, full");
            }
        }
        if (minCount < 1 || epochs < 1 || steps < 1 || batch < 1 || hidden < 1 || embedding < 1) {
            throw new IllegalArgumentException("--min-count, --epochs, --steps, --batch, --hidden and --embedding must be >= 1");
        }
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(threads);
        }
        List<String> documents = Europarl.documents();
        double charsPerToken = charsPerToken(documents);
        Europarl.Text text = Europarl.split(documents, Math.round(trainTokens * charsPerToken),
                Math.round(testTokens * charsPerToken));
        List<String> trainWords = tokens(text.train());
        Map<String, Integer> index = vocabulary(trainWords, minCount);
        vocabulary = index.size() + 1;
        train = encode(trainWords, index);
        test = encode(tokens(text.test()), index);
        if (train.length / batch < steps + 1 || test.length / batch < steps + 1) {
            throw new IllegalArgumentException("--train-tokens " + trainTokens + " and --test-tokens " + testTokens + " gave "
                    + train.length + " and " + test.length + " tokens: expected at least B (T + 1) = " + batch * (steps + 1));
        }
        String machine = TaskReport.machine();
        System.out.printf(Locale.ROOT, "wordlm: %d documents, %d training tokens (%.1f%% <unk>), %d test tokens (%.1f%% <unk>),"
                        + " V = %d%n", text.documents(), train.length, 100.0 * unknowns(train) / train.length, test.length,
                100.0 * unknowns(test) / test.length, vocabulary);
        String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path root = out != null ? out : Path.of(System.getProperty("rnk.resultsDir", "results"));
        Path folder = root.resolve("wordlm-" + Machine.hostname() + "-" + date);
        Files.createDirectories(folder);
        List<TaskReport.Row> rows = new ArrayList<>();
        for (long seed : seeds) {
            if (models.contains("lightrnn")) {
                rows.addAll(lightRnn(seed));
                write(folder, rows, date, machine);
            }
            if (models.contains("full")) {
                rows.addAll(fullSoftmax(seed));
                write(folder, rows, date, machine);
            }
        }
        if (!noPeers && models.contains("full")) {
            rows.addAll(torch(folder));
            write(folder, rows, date, machine);
        }
        System.out.println("wordlm: " + folder.resolve("summary.md"));
        System.out.print(Files.readString(folder.resolve("summary.md")));
        return 0;
    }

    private void write(Path folder, List<TaskReport.Row> rows, String date, String machine) throws IOException {
        REPORT.write(folder, rows, date, machine, settings());
        if (!extras.isEmpty()) {
            Files.writeString(folder.resolve("summary.md"), "\n| model | seed | all parameters | embedding + output parameters "
                    + "| output layer, us / word | reallocation (s per epoch) |\n|---|---:|---:|---:|---:|---|\n"
                    + String.join("", extras), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private String settings() {
        int side = ceilSqrt(vocabulary);
        return String.format(Locale.ROOT, "%d training / %d test tokens of whole Europarl documents (lower-cased, whitespace "
                        + "tokens, <eos> after each document), V = %d (seen at least %d times in training, + <unk>), LightRNN "
                        + "table %d x %d; E = %d, H = %d, one LSTM layer, T = %d, %d streams, Adam %.0e, clip %.1f, %d epochs, "
                        + "seeds %s, %d thread(s); parameters = embeddings + output layer%s", train.length, test.length,
                vocabulary, minCount, side, side, embedding, hidden, steps, batch, learningRate, clip, epochs, seeds, threads,
                noReallocation ? "; LightRNN without reallocation" : "");
    }

    // ---- data

    // The documents' characters per whitespace token (with the separator), to turn token counts into the split's sizes.
    private static double charsPerToken(List<String> documents) {
        long chars = 0;
        long tokens = 0;
        for (String d : documents) {
            chars += d.length() + 1;
            tokens += d.split("\\s+").length + 1;
        }
        return (double) chars / tokens;
    }

    /** Lower-cased whitespace tokens, {@code <eos>} at each document's end (each line of the split's text). */
    static List<String> tokens(String text) {
        List<String> words = new ArrayList<>();
        for (String line : text.split("\n")) {
            for (String w : line.toLowerCase(Locale.ROOT).split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
            words.add("<eos>");
        }
        return words;
    }

    /** The words seen at least {@code minCount} times, most frequent first (ties in string order), numbered from 1 (0: {@code <unk>}). */
    static Map<String, Integer> vocabulary(List<String> words, int minCount) {
        Map<String, Integer> counts = new HashMap<>();
        for (String w : words) {
            counts.merge(w, 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> kept = counts.entrySet().stream().filter(e -> e.getValue() >= minCount)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .toList();
        Map<String, Integer> index = new HashMap<>();
        for (Map.Entry<String, Integer> e : kept) {
            index.put(e.getKey(), index.size() + 1);
        }
        return index;
    }

    static int[] encode(List<String> words, Map<String, Integer> index) {
        return words.stream().mapToInt(w -> index.getOrDefault(w, 0)).toArray();
    }

    private static long unknowns(int[] ids) {
        return java.util.Arrays.stream(ids).filter(id -> id == 0).count();
    }

    // Tokens t .. t+T-1 of each of the B streams (stream b: tokens [b*L, (b+1)*L) of `text`, L = n / B), [T][B].
    private void window(int[] text, int call, int shift, int[] ids) {
        int length = text.length / batch;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                ids[t * batch + b] = text[b * length + call * steps + t + shift];
            }
        }
    }

    // Calls per pass over `text`: the full-softmax model needs the next token too, so both use (L - 1) / T.
    private int calls(int[] text) {
        return (text.length / batch - 1) / steps;
    }

    private static int ceilSqrt(int v) {
        int side = (int) Math.ceil(Math.sqrt(v));
        while ((long) (side - 1) * (side - 1) >= v) {
            side--;
        }
        return side;
    }

    // ---- LightRNN with its bootstrap loop

    private List<TaskReport.Row> lightRnn(long seed) {
        RunDraws draws = RunDraws.of(seed);
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.LSTM, WordTable.sequential(vocabulary), embedding, hidden,
                batch, draws.weights().nextLong());
        Adam adam = new Adam(trainer.parameters(), learningRate);
        int side = trainer.wordTable().rows();
        long tableParameters = (long) 2 * side * (embedding + hidden);
        long all = trainer.parameters().stream().mapToLong(p -> p.value().length).sum();
        int[] words = new int[steps * batch];
        int calls = calls(train);
        List<TaskReport.Row> rows = new ArrayList<>();
        List<String> reallocations = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            startStreams(trainer, train);
            long start = System.nanoTime();
            double lossSum = 0;
            for (int k = 0; k < calls; k++) {
                window(train, k, 1, words);
                Gradients.zero(trainer.parameters());
                lossSum += trainer.forwardBackward(words, steps);
                Gradients.clipGradNorm(trainer.parameters(), clip);
                adam.step();
                progress(LIGHT_RNN, seed, epoch, k, calls, lossSum, start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double perplexity = Math.exp(lightRnnLoss(trainer, test));
            System.out.printf(Locale.ROOT, "%n%s seed %d epoch %d: train perplexity %.1f, test perplexity %.1f, %.1f s%n",
                    LIGHT_RNN, seed, epoch, Math.exp(lossSum / calls), perplexity, seconds);
            rows.add(new TaskReport.Row(LIGHT_RNN, seed, epoch, lossSum / calls, perplexity, seconds, tableParameters, Double.NaN));
            if (epoch < epochs && !noReallocation) {
                reallocations.add(reallocate(trainer, words));
            }
        }
        extras.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %s |%n", LIGHT_RNN, seed, all, tableParameters,
                outputMicrosPerWord(List.of(side, side)), String.join("; ", reallocations)));
        return rows;
    }

    // The bootstrap's step: the costs of every word in every cell over the training text, a new table of least total cost.
    private String reallocate(LightRnnTrainer trainer, int[] words) {
        long start = System.nanoTime();
        ReallocationSums costs = trainer.newCosts();
        startStreams(trainer, train);
        int calls = calls(train);
        for (int k = 0; k < calls; k++) {
            window(train, k, 1, words);
            trainer.evaluate(words, steps, costs);
        }
        double before = costs.total(trainer.wordTable());
        long solve = System.nanoTime();
        WordTable table = (long) costs.rows() * costs.columns() <= Reallocation.MAX_EXACT_CELLS ? Reallocation.exact(costs)
                : Reallocation.largestStakeFirst(costs);
        double after = costs.total(table);
        if (after >= before) {
            table = trainer.wordTable();   // no better allocation found: keep the one the tables were trained on
            after = before;
        }
        int moved = 0;
        for (int w = 0; w < vocabulary; w++) {
            moved += table.row(w) != trainer.wordTable().row(w) || table.col(w) != trainer.wordTable().col(w) ? 1 : 0;
        }
        trainer.setWordTable(table);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s reallocation: cost per word %.3f -> %.3f nats, %d of %d words moved, %.1f s "
                        + "(assignment %.2f s)%n", LIGHT_RNN, before / costs.occurrences(), after / costs.occurrences(), moved,
                vocabulary, seconds, (System.nanoTime() - solve) / 1e9);
        return String.format(Locale.ROOT, "%.1f s, %.2f -> %.2f nats/word, %d moved", seconds, before / costs.occurrences(),
                after / costs.occurrences(), moved);
    }

    /**
     * LightRNN's streams from the zero state with token 0 of each read (scored, not counted): its first scored
     * word, token 1, then has token 0 before it as the full model's first prediction does (that model reads
     * tokens 0 .. T-1 and predicts 1 .. T). Without it, token 1's row came from the zero state alone, the first of
     * each stream's scored words (1 in 280 at the defaults) without its predecessor: test perplexity 1.0-1.2% higher.
     */
    private void startStreams(LightRnnTrainer trainer, int[] text) {
        trainer.resetState();
        int length = text.length / batch;
        int[] first = new int[batch];
        for (int b = 0; b < batch; b++) {
            first[b] = text[b * length];
        }
        trainer.evaluate(first, 1, null);
    }

    // LightRNN's mean -log P over the words the windows of `text` score (tokens 1 .. calls*T of each stream).
    double lightRnnLoss(LightRnnTrainer trainer, int[] text) {
        int[] words = new int[steps * batch];
        startStreams(trainer, text);
        int calls = calls(text);
        double sum = 0;
        for (int k = 0; k < calls; k++) {
            window(text, k, 1, words);
            sum += trainer.evaluate(words, steps, null);
        }
        return sum / calls;
    }

    // ---- the full-softmax LSTM language model

    private List<TaskReport.Row> fullSoftmax(long seed) {
        RunDraws draws = RunDraws.of(seed);
        SplittableRandom weights = draws.weights();
        Embedding table = Embedding.create(vocabulary, embedding, weights);
        LinearHead head = LinearHead.create(hidden, vocabulary, draws.headSeed());
        TrainingModel model;
        try (RecurrentModel stack = RecurrentModel.of(false, List.of(TorchInit.layer(CellType.LSTM, embedding, hidden, weights,
                Blases.get())))) {
            model = TrainingModel.of(table, stack, head, TrainingModel.HeadOn.EVERY_STEP);
        }
        long tableParameters = (long) vocabulary * embedding + (long) vocabulary * (hidden + 1);
        long all = model.parameters().stream().mapToLong(p -> p.value().length).sum();
        Adam adam = new Adam(model.parameters(), learningRate);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(vocabulary, Loss.Over.EVERY_STEP);
        TrainingModel.State state = model.newState(batch);
        int[] ids = new int[steps * batch];
        int[] targets = new int[steps * batch];
        float[] logits = new float[steps * batch * vocabulary];
        float[] gradient = new float[logits.length];
        int calls = calls(train);
        List<TaskReport.Row> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            state.reset();
            long start = System.nanoTime();
            double lossSum = 0;
            for (int k = 0; k < calls; k++) {
                window(train, k, 0, ids);
                window(train, k, 1, targets);
                model.forward(ids, steps, state, logits);
                lossSum += loss.compute(logits, steps, batch, targets, null, gradient);
                model.backward(state, gradient);
                model.update(adam, clip);
                progress(FULL_SOFTMAX, seed, epoch, k, calls, lossSum, start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double perplexity = Math.exp(fullSoftmaxTestLoss(model, loss, ids, targets, logits, gradient));
            System.out.printf(Locale.ROOT, "%n%s seed %d epoch %d: train perplexity %.1f, test perplexity %.1f, %.1f s%n",
                    FULL_SOFTMAX, seed, epoch, Math.exp(lossSum / calls), perplexity, seconds);
            rows.add(new TaskReport.Row(FULL_SOFTMAX, seed, epoch, lossSum / calls, perplexity, seconds, tableParameters,
                    Double.NaN));
        }
        state.close();
        extras.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | |%n", FULL_SOFTMAX, seed, all, tableParameters,
                outputMicrosPerWord(List.of(vocabulary))));
        return rows;
    }

    private double fullSoftmaxTestLoss(TrainingModel model, SoftmaxCrossEntropy loss, int[] ids, int[] targets, float[] logits,
                                       float[] gradient) {
        double sum = 0;
        int calls = calls(test);
        try (TrainingModel.State state = model.newState(batch)) {
            for (int k = 0; k < calls; k++) {
                window(test, k, 0, ids);
                window(test, k, 1, targets);
                model.forward(ids, steps, state, logits);
                sum += loss.compute(logits, steps, batch, targets, null, gradient);
            }
        }
        return sum / calls;
    }

    /**
     * The output layer's training cost per word, measured alike for both models on one call's {@code T*B} rows of
     * {@code H}: for each softmax (the full model's one over V; LightRNN's two, over the R rows and over the C
     * columns) the linear map's forward, the softmax cross-entropy with its gradient, and the map's backward.
     * Median of several timed repetitions after a warm-up.
     */
    private double outputMicrosPerWord(List<Integer> softmaxSizes) {
        int n = steps * batch;
        SplittableRandom random = new SplittableRandom(1);
        float[] h = TorchInit.uniform(random, n * hidden, 1);
        float[] dh = new float[h.length];
        int[] targets = new int[n];
        List<LinearHead> heads = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        List<float[]> gradients = new ArrayList<>();
        for (int size : softmaxSizes) {
            heads.add(LinearHead.create(hidden, size, 7));
            logits.add(new float[n * size]);
            gradients.add(new float[n * size]);
        }
        double[] times = new double[7];
        for (int repeat = -2; repeat < times.length; repeat++) {
            long start = System.nanoTime();
            for (int i = 0; i < heads.size(); i++) {
                LinearHead head = heads.get(i);
                int size = softmaxSizes.get(i);
                for (int r = 0; r < n; r++) {
                    targets[r] = r % size;
                }
                head.forward(h, n, logits.get(i));
                new SoftmaxCrossEntropy(size, Loss.Over.EVERY_STEP).compute(logits.get(i), steps, batch, targets, null,
                        gradients.get(i));
                head.backward(gradients.get(i), n, dh);
            }
            if (repeat >= 0) {
                times[repeat] = (System.nanoTime() - start) / 1e3 / n;
            }
        }
        java.util.Arrays.sort(times);
        return times[times.length / 2];
    }

    private static void progress(String model, long seed, int epoch, int k, int calls, double lossSum, long start) {
        if ((k + 1) % 10 == 0 || k + 1 == calls) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            int width = 30;
            int done = (int) ((long) width * (k + 1) / calls);
            System.out.printf(Locale.ROOT, "\r%-18s seed %d epoch %d [%s%s] %d/%d  perplexity %.1f  %5.1f s, ~%.0f s left   ",
                    model, seed, epoch, "#".repeat(done), ".".repeat(width - done), k + 1, calls,
                    Math.exp(lossSum / (k + 1)), elapsed, elapsed / (k + 1) * (calls - k - 1));
            System.out.flush();
        }
    }

    // ---- PyTorch on the same tokens and streams

    /** PyTorch's full-softmax LSTM LM: same tokens, streams, sizes, optimiser, epochs and threads ({@code torch_wordlm.py}). */
    private List<TaskReport.Row> torch(Path folder) throws IOException, InterruptedException {
        String exe = TorchTask.python(python);
        if (exe == null) {
            System.out.println("wordlm: no PyTorch peer (no Python that imports torch)");
            return List.of();
        }
        Path file = folder.resolve("torch-wordlm.bin");
        ByteBuffer buffer = ByteBuffer.allocate(4 * (9 + train.length + test.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {train.length, test.length, vocabulary, steps, batch, epochs, seeds.size(), hidden, embedding}) {
            buffer.putInt(v);
        }
        for (int id : train) {
            buffer.putInt(id);
        }
        for (int id : test) {
            buffer.putInt(id);
        }
        Files.write(file, buffer.array());
        System.out.println("wordlm: PyTorch's full-softmax LSTM with " + exe);
        List<TaskReport.Row> rows = TorchTask.run(exe, "torch_wordlm.py", folder, List.of(file.toString(), "--seeds",
                TorchTask.seeds(seeds), "--lr", Double.toString(learningRate), "--clip", Double.toString(clip), "--threads",
                Integer.toString(threads)), threads, "test_perplexity");
        Files.deleteIfExists(file);
        return rows;
    }

}
