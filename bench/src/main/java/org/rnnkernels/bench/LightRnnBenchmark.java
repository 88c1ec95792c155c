package org.rnnkernels.bench;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.lightrnn.LightRnn;
import org.rnnkernels.lightrnn.LightRnnState;
import org.rnnkernels.lightrnn.LogSoftmax;
import org.rnnkernels.lightrnn.WordTable;
import org.rnnkernels.train.TorchInit;

/**
 * LightRNN against a full softmax output layer, GRU, E = H, batch 1, one thread (OpenBLAS
 * single-threaded). Scores are microseconds per word ({@code ...64} methods score 64 words a call
 * and report per word). LightRNN's shared stack has {@link #layers} GRU layers (1, the paper's model,
 * unless {@code -p layers=...} says otherwise); the full-softmax baseline keeps one.
 * <ul>
 *   <li>output layer alone: {@link #outputLightRnn} (row softmax over R from {@code Yr h}, column
 *       softmax over C from {@code Yc h^r}: {@code (R+C)*H} MACs) against {@link #outputFullSoftmax}
 *       (OpenBLAS sgemv {@code [V,H] x h}, log-softmax over V: {@code V*H} MACs);</li>
 *   <li>whole word: {@link #wordLightRnn} ({@link LightRnn#logProbabilities}, two cell half-steps
 *       included) against {@link #wordFullSoftmax} (one GRU step and the full softmax layer);</li>
 *   <li>{@link #topK10}: the 10 most likely next words, exact (branch and bound over rows), and
 *       {@link #allWordsLightRnn}: exact scores of all V words, which needs {@code h^r} of every
 *       row, {@code R} cell steps and {@code R*C*H} output MACs.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LightRnnBenchmark {
    private static final int SEQUENCE = 64;
    private static final int WORDS = 4096;

    @Param({"10000"})
    public int vocabulary;

    /** {@code H = E}. */
    @Param({"256"})
    public int hidden;

    /** Layers of LightRNN's shared GRU stack. */
    @Param({"1"})
    public int layers;

    private Blas blas;
    private int rows;
    private int columns;
    private int[] words;              // a random word stream, cycled through
    private int next;
    // LightRNN
    private LightRnn model;
    private LightRnnState state;
    private float[] yr;
    private float[] yc;
    private MemorySegment yrSegment;
    private MemorySegment ycSegment;
    private float[] rowLogits;
    private float[] columnLogits;
    private MemorySegment rowLogitsSegment;
    private MemorySegment columnLogitsSegment;
    // full softmax baseline: embedding [V][E] projected once through the GRU's W_ih ([V][3H], as
    // LightRNN's tables are), GRU, output [V][H]
    private float[] embedding;
    private RecurrentLayer gru;
    private LayerState gruState;
    private MemorySegment output;
    private float[] logits;           // [SEQUENCE][V]
    private MemorySegment logitsSegment;
    private float[] inputs;           // [SEQUENCE][3H]
    private float[] hiddens;          // [SEQUENCE][H]
    private MemorySegment hiddensSegment;
    private float[] oneInput;
    private float[] oneHidden;
    private MemorySegment oneHiddenSegment;
    // fixed vectors for the output-only comparison
    private float[] h;
    private float[] hr;
    private MemorySegment hSegment;
    private MemorySegment hrSegment;
    private final int[] oneWord = new int[1];
    private final float[] one = new float[1];
    private float[] sequenceOut = new float[SEQUENCE];
    private int[] sequenceWords = new int[SEQUENCE];

    @Setup(Level.Trial)
    public void setUp() {
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        blas = Blases.get();
        SplittableRandom random = new SplittableRandom(42);
        WordTable table = WordTable.sequential(vocabulary);
        rows = table.rows();
        columns = table.columns();
        int gates = 3 * hidden;
        float bound = TorchInit.bound(hidden);

        yr = TorchInit.uniform(random, rows * hidden, bound);
        yc = TorchInit.uniform(random, columns * hidden, bound);
        RecurrentModel stack = gruStack(random, layers, hidden, blas);
        model = LightRnn.create(table, TorchInit.uniform(random, rows * hidden, 1), TorchInit.uniform(random, columns * hidden, 1),
                yr, yc, stack, blas);
        state = model.newState();
        yrSegment = MemorySegment.ofArray(yr);
        ycSegment = MemorySegment.ofArray(yc);
        rowLogits = new float[rows];
        columnLogits = new float[columns];
        rowLogitsSegment = MemorySegment.ofArray(rowLogits);
        columnLogitsSegment = MemorySegment.ofArray(columnLogits);

        LayerWeights gruWeights = TorchInit.weights(CellType.GRU, hidden, hidden, random);
        float[] gruIh = gruWeights.inputWeights();
        gru = RecurrentLayer.create(gruWeights, blas);
        embedding = new float[vocabulary * gates];
        blas.sgemm(Transpose.NO, Transpose.YES, vocabulary, gates, hidden, 1f, TorchInit.uniform(random, vocabulary * hidden, 1), 0, hidden,
                gruIh, 0, hidden, 0f, embedding, 0, gates);
        gruState = gru.newState(1);
        // Off-heap like the layer's own weights: the baseline gets the best case of OpenBLAS.
        output = java.lang.foreign.Arena.ofAuto().allocate((long) vocabulary * hidden * Float.BYTES, 64);
        MemorySegment.copy(TorchInit.uniform(random, vocabulary * hidden, bound), 0, output,
                java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, vocabulary * hidden);
        logits = new float[SEQUENCE * vocabulary];
        logitsSegment = MemorySegment.ofArray(logits);
        inputs = new float[SEQUENCE * gates];
        hiddens = new float[SEQUENCE * hidden];
        hiddensSegment = MemorySegment.ofArray(hiddens);
        oneInput = new float[gates];
        oneHidden = new float[hidden];
        oneHiddenSegment = MemorySegment.ofArray(oneHidden);

        h = TorchInit.uniform(random, hidden, 0.5);
        hr = TorchInit.uniform(random, hidden, 0.5);
        hSegment = MemorySegment.ofArray(h);
        hrSegment = MemorySegment.ofArray(hr);

        words = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            words[i] = random.nextInt(vocabulary);
        }
        // A state some way into a stream (from the zero state every row logit is 0).
        int[] history = new int[16];
        System.arraycopy(words, 0, history, 0, history.length);
        model.logProbabilities(history, state, new float[history.length]);
        System.out.println("\n[LightRnnBenchmark] V=" + vocabulary + " R=" + rows + " C=" + columns + " H=E=" + hidden
                + ", " + layers + " layer(s)"
                + ", BLAS " + blas.info());
    }

    /** {@code count} GRU layers of {@code H = I = hidden}, weights uniform in {@code [-bound, bound]}, each drawn in turn. */
    // `count` GRU layers as PyTorch initialises them (one layer: the draws of TorchInit.layer, as before the stack)
    static RecurrentModel gruStack(SplittableRandom random, int count, int hidden, Blas blas) {
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            layers.add(TorchInit.layer(CellType.GRU, hidden, hidden, random, blas));
        }
        return RecurrentModel.of(false, layers);
    }

    private int nextWord() {
        int w = words[next];
        next = next + 1 == WORDS ? 0 : next + 1;
        return w;
    }

    /** LightRNN's output layer for one word: log P_row(row) + log P_col(col), (R + C) * H MACs. */
    @Benchmark
    public float outputLightRnn() {
        int w = nextWord();
        int row = w / columns;
        int col = w % columns;
        // the model's own calls: one sgemv per table, then the vectorized log-sum-exp
        blas.sgemv(Transpose.NO, rows, hidden, 1f, yrSegment, 0, hidden, hSegment, 0, 0f, rowLogitsSegment, 0);
        float rowLogP = rowLogits[row] - LogSoftmax.logSumExp(rowLogits, 0, rows);
        blas.sgemv(Transpose.NO, columns, hidden, 1f, ycSegment, 0, hidden, hrSegment, 0, 0f, columnLogitsSegment, 0);
        return rowLogP + columnLogits[col] - LogSoftmax.logSumExp(columnLogits, 0, columns);
    }

    /** A full softmax output layer for one word: sgemv [V,H] x h, then log-softmax over V; V * H MACs. */
    @Benchmark
    public float outputFullSoftmax() {
        int w = nextWord();
        blas.sgemv(Transpose.NO, vocabulary, hidden, 1f, output, 0, hidden, hSegment, 0, 0f, logitsSegment, 0);
        return logits[w] - LogSoftmax.logSumExp(logits, 0, vocabulary);
    }

    /** One word through LightRNN, streaming: two GRU half-steps and the two softmaxes. */
    @Benchmark
    public float wordLightRnn() {
        oneWord[0] = nextWord();
        model.logProbabilities(oneWord, state, one);
        return one[0];
    }

    /**
     * One word through a GRU with a full softmax layer: sgemv [V,H] x h, log-softmax, then a GRU step
     * from the word's embedding row projected once (the trick LightRNN's tables get too, so both
     * sides pay only the recurrent product and the gate pass per step).
     */
    @Benchmark
    public float wordFullSoftmax() {
        int w = nextWord();
        // P(w_t) from h_{t-1}, then the step that reads w_t
        blas.sgemv(Transpose.NO, vocabulary, hidden, 1f, output, 0, hidden, oneHiddenSegment, 0, 0f, logitsSegment, 0);
        float logP = logits[w] - LogSoftmax.logSumExp(logits, 0, vocabulary);
        System.arraycopy(embedding, w * oneInput.length, oneInput, 0, oneInput.length);
        gru.forwardProjected(oneInput, 1, gruState, oneHidden);
        return logP;
    }

    /** 64 words a call through LightRNN (one layer call of 128 steps, two products for all logits); per word. */
    @Benchmark
    @OperationsPerInvocation(SEQUENCE)
    public float wordLightRnn64() {
        for (int t = 0; t < SEQUENCE; t++) {
            sequenceWords[t] = nextWord();
        }
        model.logProbabilities(sequenceWords, state, sequenceOut);
        return sequenceOut[SEQUENCE - 1];
    }

    /** 64 words a call through GRU + full softmax (one forward of 64 steps, one sgemm [64,H] x [V,H]^T); per word. */
    @Benchmark
    @OperationsPerInvocation(SEQUENCE)
    public float wordFullSoftmax64() {
        for (int t = 0; t < SEQUENCE; t++) {
            sequenceWords[t] = nextWord();
            System.arraycopy(embedding, sequenceWords[t] * 3 * hidden, inputs, t * 3 * hidden, 3 * hidden);
        }
        // P(w_t) needs the logits of h_{t-1}: the previous call's last h and outputs 0..62; the
        // logits of outputs 0..63 are the same work in one product.
        gru.forwardProjected(inputs, SEQUENCE, gruState, hiddens);
        blas.sgemm(Transpose.NO, Transpose.YES, SEQUENCE, vocabulary, hidden, 1f, hiddensSegment, 0, hidden,
                output, 0, hidden, 0f, logitsSegment, 0, vocabulary);
        float sum = 0;
        for (int t = 0; t < SEQUENCE; t++) {
            sum += logits[t * vocabulary + sequenceWords[t]] - LogSoftmax.logSumExp(logits, t * vocabulary, vocabulary);
        }
        return sum;
    }

    /**
     * A LightRNN for the searches, its output tables drawn {@code outputScale} times wider than
     * PyTorch's initialisation: 1 gives nearly flat softmaxes (the bound prunes little), larger
     * values peaked ones, as a trained model has. The stream stands after 16 words and does not move,
     * so every call is the same search.
     */
    @State(Scope.Thread)
    public static class Search {
        @Param({"1", "32"})
        public float outputScale;

        LightRnn model;
        LightRnnState state;
        int[] words;
        float[] logProbs;

        @Setup(Level.Trial)
        public void setUp(LightRnnBenchmark b) {
            SplittableRandom random = new SplittableRandom(7);
            WordTable table = WordTable.sequential(b.vocabulary);
            int h = b.hidden;
            float bound = TorchInit.bound(h);
            RecurrentModel stack = gruStack(random, b.layers, h, b.blas);
            model = LightRnn.create(table, TorchInit.uniform(random, table.rows() * h, 1), TorchInit.uniform(random, table.columns() * h, 1),
                    TorchInit.uniform(random, table.rows() * h, bound * outputScale),
                    TorchInit.uniform(random, table.columns() * h, bound * outputScale), stack, b.blas);
            state = model.newState();
            model.logProbabilities(java.util.Arrays.copyOf(b.words, 16), state, new float[16]);
            words = new int[b.vocabulary];
            logProbs = new float[b.vocabulary];
            model.topK(state, 10, words, logProbs);
            System.out.println("\n[LightRnnBenchmark] outputScale " + outputScale + ": topK(10) examines "
                    + state.rowsExaminedByLastTopK() + " of " + table.rows() + " rows; P(best) = " + Math.exp(logProbs[0])
                    + ", P(10th) = " + Math.exp(logProbs[9]));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            model.close();
        }
    }

    /** The exact 10 most likely next words. */
    @Benchmark
    public int topK10(Search s) {
        s.model.topK(s.state, 10, s.words, s.logProbs);
        return s.words[0];
    }

    /** Exact log P of all V words as the next word: topK(k = V) visits every row. */
    @Benchmark
    public int allWordsLightRnn(Search s) {
        s.model.topK(s.state, vocabulary, s.words, s.logProbs);
        return s.words[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        gru.close();
    }

}
