package org.rnnkernels.lightrnn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.internal.Checks;

/**
 * A LightRNN language model (CELLS.md, "LightRNN"; Li, Qin, Yang, Liu, NeurIPS 2016): {@code V}
 * words in an {@code R x C} {@link WordTable}, input tables {@code Xr [R, E]}, {@code Xc [C, E]},
 * output tables {@code Yr [R, H]}, {@code Yc [C, H]}, and ONE shared recurrent part that runs both
 * half-steps of every word: a one-direction {@link RecurrentModel} stack of any layers the library
 * runs (one layer, as in the paper, or several; any cell, restricted and EGRU layers included; the
 * first layer's input size is {@code E}, {@code H} is the last layer's hidden size):
 * <pre>
 * h^r_t = stack(Xr[row(w_t)], h^c_{t-1})      h^c_t = stack(Xc[col(w_t)], h^r_t)
 * P(w_t) = softmax(Yr h^c_{t-1})[row(w_t)] * softmax(Yc h^r_t)[col(w_t)]
 * </pre>
 * A half-step runs every layer once (layer {@code k} reads layer {@code k-1}'s new {@code h});
 * {@code h^r}, {@code h^c} in the softmaxes are the last layer's. The output cost of a word is
 * {@code (R + C) * H} multiply-adds where a full softmax layer costs {@code V * H}.
 * A bidirectional stack is refused: a language model predicts the next word from the words
 * before it, and a reverse direction would read the words after it.
 *
 * <p>Empty cells ({@code R*C > V}): the row softmax runs over the rows that hold a word and the
 * column softmax of row {@code r} over the cells of {@code r} that hold one, so that
 * {@code P} sums to 1 over the {@code V} words. For a full table this is CELLS.md's formula
 * exactly; otherwise it is the choice made here (an empty cell takes no probability).
 *
 * <p>Arithmetic: {@code Xr} and {@code Xc} are projected through the first layer's {@code W_ih}
 * once, at creation, so that layer's half-step costs only the recurrent product and the gate pass
 * ({@link RecurrentLayer#forwardProjected}); the layers above run their usual forward (their inputs
 * are hidden states, not table rows); the logits are BLAS sgemv products ({@link Blases#get()}
 * unless one is given); the softmax normaliser is a max-subtracted log-sum-exp in float with the vectorized exp
 * ({@link LogSoftmax}); {@code log P(w) = (z_r[row] - lse(z_r)) + (z_c[col] - lse(z_c))}.
 *
 * <p>Threading: immutable after construction; share it between threads, each with its own
 * {@link LightRnnState}. The model owns its stack: {@link #close()} frees the layers' weights.
 */
public final class LightRnn implements AutoCloseable {
    /**
     * Most words per layer call in {@link #logProbabilities}: a call of {@code T} words runs in
     * chunks of powers of two up to this, each one call of {@code 2T} steps per layer (a layer wants
     * arrays of the exact size, kept in the state per chunk size). Bounds the workspace.
     */
    static final int CHUNK_WORDS = 64;
    /** Most candidate rows {@link #topK} runs through the cell in one batch. */
    static final int MAX_CANDIDATE_BATCH = 32;

    private final WordTable table;
    private final int rows;
    private final int columns;
    private final int embedding;
    private final int hidden;           // H of the last layer: the output tables' width
    private final int width;            // G*H of the first layer, a row of its input projection
    // The input tables as given (for LightRnnFiles and LightRnnTrainer.of), and projected once through
    // the first layer's W_ih: pr = Xr W_ih^T [R][G*H], pc = Xc W_ih^T [C][G*H] (no bias). A half-step's
    // input projection is then a row copy.
    private final float[] xr;
    private final float[] xc;
    private final float[] pr;
    private final float[] pc;
    private final MemorySegment yr;
    private final MemorySegment yc;
    // Softmax masks, 0 or -infinity: rowMask [R] marks empty rows (null when none is empty);
    // cellMask [R*C] marks empty cells, read only for rows that are not full.
    private final float[] rowMask;
    private final float[] cellMask;
    private final boolean[] rowFull;
    private final boolean[] rowOccupied;
    private final RecurrentModel stack;
    private final RecurrentLayer[] layers;     // the stack's, bottom first
    private final Blas blas;
    private final LogSumExp lse;

    private LightRnn(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, RecurrentModel stack, Blas blas) {
        this.table = table;
        this.rows = table.rows();
        this.columns = table.columns();
        this.stack = stack;
        this.layers = new RecurrentLayer[stack.numLayers()];
        for (int k = 0; k < layers.length; k++) {
            layers[k] = stack.layer(k, 0);
        }
        RecurrentLayer first = layers[0];
        this.embedding = first.inputSize();
        this.hidden = stack.outputSize();
        this.width = first.cellType().gates() * first.hiddenSize();
        this.xr = xr.clone();
        this.xc = xc.clone();
        float[] wIh = first.weightIh();
        this.pr = project(blas, xr, rows, wIh, width, embedding);
        this.pc = project(blas, xc, columns, wIh, width, embedding);
        this.yr = MemorySegment.ofArray(yr.clone());     // [R][H], on the heap: OpenBLAS is linked critical
        this.yc = MemorySegment.ofArray(yc.clone());
        this.blas = blas;
        this.lse = LogSumExp.get();
        WordTable.Masks masks = table.masks();
        this.rowMask = masks.rowMask();
        this.cellMask = masks.cellMask();
        this.rowFull = masks.rowFull();
        this.rowOccupied = masks.rowOccupied();
    }

    // x W_ih^T for every row of an input table: [n][E] x [E][G*H]
    private static float[] project(Blas blas, float[] x, int n, float[] wIh, int width, int embedding) {
        float[] projected = new float[n * width];
        blas.sgemm(Transpose.NO, Transpose.YES, n, width, embedding, 1f, x, 0, embedding, wIh, 0, embedding,
                0f, projected, 0, width);
        return projected;
    }

    /** As {@link #create(WordTable, float[], float[], float[], float[], RecurrentModel, Blas)} with {@link Blases#get()}. */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, RecurrentModel stack) {
        return create(table, xr, xc, yr, yc, stack, Blases.get());
    }

    /**
     * A model; the tables are copied (the input tables also projected through the first layer's
     * {@code W_ih}), the stack is owned by the model from here on.
     *
     * @param xr    {@code [R][E]} row-major, {@code E = stack.inputSize()}
     * @param xc    {@code [C][E]}
     * @param yr    {@code [R][H]}, {@code H = stack.outputSize()}, the last layer's hidden size
     * @param yc    {@code [C][H]}
     * @param stack the recurrent part for both half-steps, one direction; its input size is the embedding size {@code E}
     * @param blas  computes the output logits
     * @throws IllegalArgumentException for a null argument, a bidirectional stack, or a table of the wrong
     *                                  shape (naming the table and the expected {@code [R, E]} etc.)
     */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                  RecurrentModel stack, Blas blas) {
        if (stack == null) {
            throw new IllegalArgumentException("stack is null");
        }
        checkOneDirection(stack);
        checkArguments(table, xr, xc, yr, yc, stack.inputSize(), stack.outputSize(), blas);
        return new LightRnn(table, xr, xc, yr, yc, stack, blas);
    }

    /** The paper's model, one shared layer: {@link #create(WordTable, float[], float[], float[], float[], RecurrentLayer, Blas)} with {@link Blases#get()}. */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, RecurrentLayer layer) {
        return create(table, xr, xc, yr, yc, layer, Blases.get());
    }

    /**
     * The paper's model: a stack of the one {@code layer} (owned by the model from here on), as
     * {@link #create(WordTable, float[], float[], float[], float[], RecurrentModel, Blas)}.
     *
     * @throws IllegalArgumentException for a null argument or a table of the wrong shape
     */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                  RecurrentLayer layer, Blas blas) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        // checked before the stack is made, so that a refused call leaves the layer the caller's
        checkArguments(table, xr, xc, yr, yc, layer.inputSize(), layer.hiddenSize(), blas);
        return new LightRnn(table, xr, xc, yr, yc, RecurrentModel.of(false, List.of(layer)), blas);
    }

    /** A bidirectional stack cannot be a language model's: its reverse direction would read the words to come. */
    static void checkOneDirection(RecurrentModel stack) {
        if (stack.bidirectional()) {
            throw new IllegalArgumentException("stack is bidirectional: LightRNN predicts each word from the words before it,"
                    + " and a reverse direction would read the words after it; give a one-direction RecurrentModel");
        }
    }

    // The tables against the table's R x C, the embedding size E and the hidden size H; the table and BLAS not null.
    private static void checkArguments(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, int e, int h,
                                       Blas blas) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        int r = table.rows();
        int c = table.columns();
        Checks.floats("xr", xr, "[R=%d][E=%d]", r, e);
        Checks.floats("xc", xc, "[C=%d][E=%d]", c, e);
        Checks.floats("yr", yr, "[R=%d][H=%d]", r, h);
        Checks.floats("yc", yc, "[C=%d][H=%d]", c, h);
    }

    /** A zero state for one stream, with every workspace its calls need. */
    public LightRnnState newState() {
        int sizes = Integer.numberOfTrailingZeros(MAX_CANDIDATE_BATCH) + 1;
        LayerState[] stream = new LayerState[layers.length];
        LayerState[][] candidates = new LayerState[sizes][layers.length];
        for (int k = 0; k < layers.length; k++) {
            stream[k] = layers[k].newState(1);
            for (int i = 0; i < sizes; i++) {
                candidates[i][k] = layers[k].newState(1 << i);
            }
        }
        return new LightRnnState(this, stream, candidates);
    }

    /**
     * Scores a sequence of words and advances the stream past them:
     * {@code out[t] = log P(words[t] | everything before it)}, the words before this call included
     * (the state carries them). Two cell half-steps per word. Calls of any length give the values
     * of one call over the whole stream: bit for bit with the Java BLAS, to float rounding with
     * OpenBLAS (every product is one sgemv of the same shape, wherever a word falls).
     *
     * @param out {@code [T]}, {@code T = words.length}; written
     * @throws IllegalArgumentException for a word id outside {@code [0, V)} (naming its index), a
     *                                  wrong {@code out} length or a state of another model; the state is
     *                                  then unchanged
     */
    public void logProbabilities(int[] words, LightRnnState state, float[] out) {
        checkState(state);
        if (words == null) {
            throw new IllegalArgumentException("words is null");
        }
        if (out == null || out.length != words.length) {
            throw new IllegalArgumentException("out " + (out == null ? "is null" : "has " + out.length + " floats")
                    + ", expected [T=" + words.length + "], one per word");
        }
        checkWords(words);
        if (words.length == 0) {
            return;
        }
        state.syncFromStream();
        for (int start = 0; start < words.length; ) {
            int chunk = Integer.highestOneBit(Math.min(words.length - start, CHUNK_WORDS));
            scoreChunk(words, start, chunk, state, out);
            start += chunk;
        }
    }

    // out[start + t] for the `count` (a power of two) words from `start`; state.lastH holds h^c
    // before the first of them on entry and after the last on return.
    private void scoreChunk(int[] words, int start, int count, LightRnnState state, float[] out) {
        int size = Integer.numberOfTrailingZeros(count);
        float[] input = state.chunkInput[size];
        // Step 2t reads Xr[row(w_t)] and gives h^r_t; step 2t+1 reads Xc[col(w_t)] and gives h^c_t
        // (their projections W_ih x, made once).
        for (int t = 0; t < count; t++) {
            int w = words[start + t];
            System.arraycopy(pr, table.rowUnchecked(w) * width, input, 2 * t * width, width);
            System.arraycopy(pc, table.colUnchecked(w) * width, input, (2 * t + 1) * width, width);
        }
        runStack(input, 2 * count, state.stream, state.chunkOutput, size);
        float[] output = state.chunkOutput[layers.length - 1][size];

        // z_r[t] = Yr h^c_{t-1}: h^c_{-1} is lastH, h^c_{t-1} for t >= 1 is output row 2t-1 (stride 2H).
        // z_c[t] = Yc h^r_t: output row 2t.
        MemorySegment[] outputRows = state.chunkOutputRows[size];
        logits(yr, rows, state.lastHRow, 0, 0, 1, state.rowLogitsRows, 0);
        logits(yr, rows, outputRows, 1, 2, count - 1, state.rowLogitsRows, 1);
        logits(yc, columns, outputRows, 0, 2, count, state.columnLogitsRows, 0);

        float[] zr = state.rowLogits;
        float[] zc = state.columnLogits;
        for (int t = 0; t < count; t++) {
            int w = words[start + t];
            int row = table.rowUnchecked(w);
            int col = table.colUnchecked(w);
            // log P(w) = log softmax(z_r)[row] + log softmax(z_c)[col]
            float rowLogP = zr[t * rows + row] - rowLogSumExp(zr, t * rows);
            float colLogP = zc[t * columns + col] - columnLogSumExp(zc, t * columns, row);
            out[start + t] = rowLogP + colLogP;
        }
        System.arraycopy(output, (2 * count - 1) * hidden, state.lastH, 0, hidden);
    }

    /**
     * The stack over {@code steps} steps of batch {@code states[k]}: the first layer from its input
     * projection {@code projected}, layer {@code k} from the output of layer {@code k-1};
     * {@code outputs[k][size]} receives layer {@code k}'s outputs (arrays of the exact size).
     */
    private void runStack(float[] projected, int steps, LayerState[] states, float[][][] outputs, int size) {
        layers[0].forwardProjected(projected, steps, states[0], outputs[0][size]);
        for (int k = 1; k < layers.length; k++) {
            layers[k].forward(outputs[k - 1][size], steps, states[k], outputs[k][size]);
        }
    }

    /**
     * {@code z_i = Y h_i} for {@code i < count}, {@code Y} one of the {@code [n][H]} output tables,
     * {@code h_i = hRows[hFirst + i*hStep]}, {@code z_i = zRows[zFirst + i]}: one sgemv per row. Not one sgemm:
     * OpenBLAS's sgemm packs {@code Y} on every call, measured here (n = 100, H = 256) 19 us for one
     * row against 2 us for sgemv; a loop of sgemv stays ahead up to about 16 rows and at 64 costs
     * 1.6 us a row against 0.9, small next to a word's two cell steps. And a row computed alone is
     * computed the same way wherever it falls, so chunked streaming repeats a whole call bit for bit
     * with the Java BLAS. The rows are segments sliced once in the state: an operand at an offset
     * would make OpenBLAS's binding slice one per call (measured: 10 KB per call of 64 words).
     */
    private void logits(MemorySegment table, int n, MemorySegment[] hRows, int hFirst, int hStep, int count,
                        MemorySegment[] zRows, int zFirst) {
        for (int i = 0; i < count; i++) {
            blas.sgemv(Transpose.NO, n, hidden, 1f, table, 0, hidden, hRows[hFirst + i * hStep], 0, 0f, zRows[zFirst + i], 0);
        }
    }

    // lse over the rows that hold a word
    private float rowLogSumExp(float[] z, int offset) {
        return rowMask == null ? lse.logSumExp(z, offset, rows) : lse.logSumExp(z, offset, rows, rowMask, 0);
    }

    // lse over the occupied cells of table row `row`
    private float columnLogSumExp(float[] z, int offset, int row) {
        return rowFull[row] ? lse.logSumExp(z, offset, columns) : lse.logSumExp(z, offset, columns, cellMask, row * columns);
    }

    /**
     * The {@code k} most likely next words, exactly, without forming the {@code V}-way softmax and
     * without advancing the stream: {@code words[0..k-1]} by descending probability (ties by word
     * id), {@code logProbs[i] = log P(words[i])}, the values {@link #logProbabilities} gives to
     * float rounding.
     *
     * <p>Branch and bound over rows: {@code P(w) = P_row(row(w)) * P_col(col(w) | row) <= P_row},
     * so rows are visited by descending row probability and the search stops at the first row whose
     * probability is not above the {@code k}-th best word found; no word of it, or of any later row,
     * can enter. (The bound also holds in float: {@code z_c[col] - lse(z_c) <= 0} exactly, since
     * {@code lse >= max z_c}.) Each visited row costs one cell step ({@code h^r} from
     * {@code Xr[row]}), run in batches of rows (up to {@value #MAX_CANDIDATE_BATCH}),
     * and a column softmax, {@code C * H} multiply-adds. How many rows ran:
     * {@link LightRnnState#rowsExaminedByLastTopK()}.
     *
     * @param words    at least {@code k} entries; the first {@code k} written
     * @param logProbs at least {@code k} entries; the first {@code k} written
     * @throws IllegalArgumentException for {@code k} outside {@code [1, V]}, arrays shorter than
     *                                  {@code k}, or a state of another model
     */
    public void topK(LightRnnState state, int k, int[] words, float[] logProbs) {
        checkState(state);
        int vocabulary = table.vocabularySize();
        if (k < 1 || k > vocabulary) {
            throw new IllegalArgumentException("k = " + k + ", expected 1 <= k <= V = " + vocabulary);
        }
        if (words == null || words.length < k) {
            throw new IllegalArgumentException("words " + (words == null ? "is null" : "has " + words.length + " entries")
                    + ", expected at least k = " + k);
        }
        if (logProbs == null || logProbs.length < k) {
            throw new IllegalArgumentException("logProbs " + (logProbs == null ? "is null" : "has " + logProbs.length + " floats")
                    + ", expected at least k = " + k);
        }
        state.syncFromStream();
        state.rowsExamined = 0;

        // log P_row(r) = z_r[r] - lse(z_r), computed as logProbabilities computes a word's first part.
        logits(yr, rows, state.lastHRow, 0, 0, 1, state.rowLogitsRows, 0);
        float rowLse = rowLogSumExp(state.rowLogits, 0);
        float[] rowLogP = state.rowLogProbabilities;
        int[] heap = state.rowHeap;
        int candidates = 0;
        for (int r = 0; r < rows; r++) {
            if (rowOccupied[r]) {
                rowLogP[r] = state.rowLogits[r] - rowLse;
                heap[candidates++] = r;
            }
        }
        RowHeap.build(heap, candidates, rowLogP);

        int found = 0;
        int batch = 1;
        while (candidates > 0) {
            // Take up to `batch` rows that can still hold one of the k best.
            int n = 0;
            while (n < batch && candidates > 0
                    && (found < k || !(rowLogP[heap[0]] <= state.bestLogProbabilities[0]))) {
                state.batchRows[n++] = heap[0];
                candidates = RowHeap.pop(heap, candidates, rowLogP);
            }
            if (n == 0) {
                break;
            }
            for (int done = 0; done < n; ) {
                int size = Integer.highestOneBit(n - done);
                found = scoreRows(state, done, size, k, found);
                done += size;
            }
            // Next batch: twice the last (a batch of b rows costs far less than b one-row cell
            // steps, and doubling wastes at most about as many rows as were needed, since the k-th
            // best, and with it the bound, rises as rows come in), but no more rows than are still
            // above the k-th best.
            batch = 2 * batch;
            if (found == k) {
                batch = Math.min(batch, rowsAbove(heap, candidates, rowLogP, state.bestLogProbabilities[0]));
            }
            batch = Math.max(1, Math.min(batch, MAX_CANDIDATE_BATCH));
        }
        BestWords.sortDescending(state.bestLogProbabilities, state.bestWords, found, words, logProbs);
    }

    private static int rowsAbove(int[] heap, int size, float[] rowLogP, float bound) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += rowLogP[heap[i]] > bound ? 1 : 0;
        }
        return n;
    }

    // Runs the stack for rows batchRows[from .. from+count-1] (count a power of two) from the state before
    // the next word (every layer's h and c), and offers every word of them to the k-best heap; returns the
    // heap's new size.
    private int scoreRows(LightRnnState state, int from, int count, int k, int found) {
        int size = Integer.numberOfTrailingZeros(count);
        float[] input = state.candidateInput[size];
        for (int i = 0; i < count; i++) {
            System.arraycopy(pr, state.batchRows[from + i] * width, input, i * width, width);
        }
        for (int layer = 0; layer < layers.length; layer++) {
            int h = layers[layer].hiddenSize();
            float[] start = state.candidateHidden[layer][size];
            float[] startCell = state.candidateCell[layer][size];
            for (int i = 0; i < count; i++) {
                System.arraycopy(state.startH[layer], 0, start, i * h, h);
                if (startCell != null) {
                    System.arraycopy(state.startC[layer], 0, startCell, i * h, h);
                }
            }
            LayerState candidates = state.candidates[size][layer];
            candidates.setHidden(start);
            if (startCell != null) {
                candidates.setCell(startCell);
            }
        }
        // h^r for every row at once (B = count), then z_c = Yc h^r for each.
        runStack(input, 1, state.candidates[size], state.candidateOutput, size);
        logits(yc, columns, state.candidateOutputRows[size], 0, 1, count, state.columnLogitsRows, 0);
        state.rowsExamined += count;

        float[] zc = state.columnLogits;
        float[] rowLogP = state.rowLogProbabilities;
        for (int i = 0; i < count; i++) {
            int r = state.batchRows[from + i];
            float colLse = columnLogSumExp(zc, i * columns, r);
            for (int c = 0; c < columns; c++) {
                int w = table.cellUnchecked(r * columns + c);
                if (w >= 0) {
                    float logP = rowLogP[r] + (zc[i * columns + c] - colLse);
                    found = BestWords.offer(state.bestLogProbabilities, state.bestWords, found, k, logP, w);
                }
            }
        }
        return found;
    }

    private void checkState(LightRnnState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (state.model != this) {
            throw new IllegalArgumentException("state belongs to another LightRnn model; make one with this model's newState()");
        }
        Checks.open(state);
    }

    private void checkWords(int[] words) {
        int vocabulary = table.vocabularySize();
        for (int t = 0; t < words.length; t++) {
            if (words[t] < 0 || words[t] >= vocabulary) {
                throw new IllegalArgumentException("words[" + t + "] = " + words[t] + ", expected a word id in [0, "
                        + vocabulary + ")");
            }
        }
    }

    public WordTable wordTable() {
        return table;
    }

    public int vocabularySize() {
        return table.vocabularySize();
    }

    /** {@code E}, the size of an input table row and the first layer's input size. */
    public int embeddingSize() {
        return embedding;
    }

    /** {@code H}, the last layer's hidden size and the width of the output tables. */
    public int hiddenSize() {
        return hidden;
    }

    /** The number of layers of the shared stack. */
    public int numLayers() {
        return layers.length;
    }

    /**
     * Layer {@code k} of the shared stack (0 the first, reading the embeddings), to read its cell type,
     * sizes and weights; it belongs to this model, which closes it.
     *
     * @throws IllegalArgumentException for {@code k} outside {@code [0, numLayers())}
     */
    public RecurrentLayer layer(int k) {
        if (k < 0 || k >= layers.length) {
            throw new IllegalArgumentException("layer(" + k + "): the stack has " + layers.length + " layer(s)");
        }
        return layers[k];
    }

    // The parameters as given, for LightRnnFiles and LightRnnTrainer.of: the stack (not to be closed), the
    // input tables (the model's own arrays: not to be changed) and copies of the output tables.
    RecurrentModel stack() {
        return stack;
    }

    float[] xr() {
        return xr;
    }

    float[] xc() {
        return xc;
    }

    float[] yr() {
        return yr.toArray(ValueLayout.JAVA_FLOAT);
    }

    float[] yc() {
        return yc.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Frees the stack's weights; the model must not be used afterwards. */
    @Override
    public void close() {
        stack.close();
    }
}
