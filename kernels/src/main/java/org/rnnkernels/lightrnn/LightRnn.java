package org.rnnkernels.lightrnn;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.internal.Checks;

/**
 * A LightRNN language model (CELLS.md, "LightRNN"; Li, Qin, Yang, Liu, NeurIPS 2016): {@code V}
 * words in an {@code R x C} {@link WordTable}, input tables {@code Xr [R, E]}, {@code Xc [C, E]},
 * output tables {@code Yr [R, H]}, {@code Yc [C, H]}, and ONE recurrent layer (any
 * {@link CellType}, input size {@code E}) that runs both half-steps of every word:
 * <pre>
 * h^r_t = cell(Xr[row(w_t)], h^c_{t-1})      h^c_t = cell(Xc[col(w_t)], h^r_t)
 * P(w_t) = softmax(Yr h^c_{t-1})[row(w_t)] * softmax(Yc h^r_t)[col(w_t)]
 * </pre>
 * The output cost of a word is {@code (R + C) * H} multiply-adds where a full softmax layer
 * costs {@code V * H}.
 *
 * <p>Empty cells ({@code R*C > V}): the row softmax runs over the rows that hold a word and the
 * column softmax of row {@code r} over the cells of {@code r} that hold one, so that
 * {@code P} sums to 1 over the {@code V} words. For a full table this is CELLS.md's formula
 * exactly; otherwise it is the choice made here (an empty cell takes no probability).
 *
 * <p>Arithmetic: {@code Xr} and {@code Xc} are projected through the layer's {@code W_ih} once,
 * at creation, so a half-step costs only the recurrent product and the gate pass
 * ({@link RecurrentLayer#forwardProjected}); the logits are BLAS sgemv products ({@link Blases#get()}
 * unless one is given); the softmax normaliser is a max-subtracted log-sum-exp in float with the vectorized exp
 * ({@link LogSoftmax}); {@code log P(w) = (z_r[row] - lse(z_r)) + (z_c[col] - lse(z_c))}.
 *
 * <p>Threading: immutable after construction; share it between threads, each with its own
 * {@link LightRnnState}. The model owns its layer: {@link #close()} frees the layer's weights.
 */
public final class LightRnn implements AutoCloseable {
    /**
     * Most words per layer call in {@link #logProbabilities}: a call of {@code T} words runs in
     * chunks of powers of two up to this, each one layer call of {@code 2T} steps (the layer wants
     * arrays of the exact size, kept in the state per chunk size). Bounds the workspace.
     */
    static final int CHUNK_WORDS = 64;
    /** Most candidate rows {@link #topK} runs through the cell in one batch. */
    static final int MAX_CANDIDATE_BATCH = 32;

    private final WordTable table;
    private final int rows;
    private final int columns;
    private final int embedding;
    private final int hidden;
    private final int width;            // G*H, a row of the input projection
    // The input tables projected once through the layer's W_ih: pr = Xr W_ih^T [R][G*H],
    // pc = Xc W_ih^T [C][G*H] (no bias). A half-step's input projection is then a row copy.
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
    private final RecurrentLayer layer;
    private final Blas blas;
    private final LogSumExp lse;

    private LightRnn(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, RecurrentLayer layer, Blas blas) {
        this.table = table;
        this.rows = table.rows();
        this.columns = table.columns();
        this.embedding = layer.inputSize();
        this.hidden = layer.hiddenSize();
        this.width = layer.cellType().gates() * hidden;
        float[] wIh = layer.weightIh();
        this.pr = project(blas, xr, rows, wIh, width, embedding);
        this.pc = project(blas, xc, columns, wIh, width, embedding);
        this.yr = MemorySegment.ofArray(yr.clone());     // [R][H], on the heap: OpenBLAS is linked critical
        this.yc = MemorySegment.ofArray(yc.clone());
        this.layer = layer;
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

    /** As {@link #create(WordTable, float[], float[], float[], float[], RecurrentLayer, Blas)} with {@link Blases#get()}. */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, RecurrentLayer layer) {
        return create(table, xr, xc, yr, yc, layer, Blases.get());
    }

    /**
     * A model; the tables are read (the input tables projected through {@code W_ih}) and not kept,
     * the layer is owned by the model from here on.
     *
     * @param xr    {@code [R][E]} row-major, {@code E = layer.inputSize()}
     * @param xc    {@code [C][E]}
     * @param yr    {@code [R][H]}, {@code H = layer.hiddenSize()}
     * @param yc    {@code [C][H]}
     * @param layer the cell for both half-steps; its input size is the embedding size {@code E}
     * @param blas  computes the output logits
     * @throws IllegalArgumentException for a null argument or a table of the wrong shape (naming the
     *                                  table and the expected {@code [R, E]} etc.)
     */
    public static LightRnn create(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                  RecurrentLayer layer, Blas blas) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        int e = layer.inputSize();
        int h = layer.hiddenSize();
        int r = table.rows();
        int c = table.columns();
        Checks.floats("xr", xr, "[R=%d][E=%d]", r, e);
        Checks.floats("xc", xc, "[C=%d][E=%d]", c, e);
        Checks.floats("yr", yr, "[R=%d][H=%d]", r, h);
        Checks.floats("yc", yc, "[C=%d][H=%d]", c, h);
        return new LightRnn(table, xr, xc, yr, yc, layer, blas);
    }

    /** A zero state for one stream, with every workspace its calls need. */
    public LightRnnState newState() {
        int sizes = Integer.numberOfTrailingZeros(MAX_CANDIDATE_BATCH) + 1;
        LayerState[] candidates = new LayerState[sizes];
        for (int i = 0; i < sizes; i++) {
            candidates[i] = layer.newState(1 << i);
        }
        return new LightRnnState(this, layer.newState(1), candidates);
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
        float[] output = state.chunkOutput[size];
        MemorySegment outputSegment = state.chunkOutputSegment[size];
        // Step 2t reads Xr[row(w_t)] and gives h^r_t; step 2t+1 reads Xc[col(w_t)] and gives h^c_t
        // (their projections W_ih x, made once).
        for (int t = 0; t < count; t++) {
            int w = words[start + t];
            System.arraycopy(pr, table.rowUnchecked(w) * width, input, 2 * t * width, width);
            System.arraycopy(pc, table.colUnchecked(w) * width, input, (2 * t + 1) * width, width);
        }
        layer.forwardProjected(input, 2 * count, state.stream, output);

        // z_r[t] = Yr h^c_{t-1}: h^c_{-1} is lastH, h^c_{t-1} for t >= 1 is output row 2t-1 (stride 2H).
        // z_c[t] = Yc h^r_t: output row 2t.
        logits(yr, rows, state.lastHSegment, 0, 0, 1, state.rowLogitsSegment, 0);
        logits(yr, rows, outputSegment, hidden, 2 * hidden, count - 1, state.rowLogitsSegment, rows);
        logits(yc, columns, outputSegment, 0, 2 * hidden, count, state.columnLogitsSegment, 0);

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
     * {@code z[zOffset + i*n ...] = Y h_i} for {@code i < count}, {@code Y} one of the {@code [n][H]}
     * output tables, {@code h_i} at {@code hOffset + i*hStride}: one sgemv per row. Not one sgemm:
     * OpenBLAS's sgemm packs {@code Y} on every call, measured here (n = 100, H = 256) 19 us for one
     * row against 2 us for sgemv; a loop of sgemv stays ahead up to about 16 rows and at 64 costs
     * 1.6 us a row against 0.9, small next to a word's two cell steps. And a row computed alone is
     * computed the same way wherever it falls, so chunked streaming repeats a whole call bit for bit
     * with the Java BLAS.
     */
    private void logits(MemorySegment table, int n, MemorySegment h, long hOffset, int hStride, int count,
                        MemorySegment z, long zOffset) {
        for (int i = 0; i < count; i++) {
            blas.sgemv(Transpose.NO, n, hidden, 1f, table, 0, hidden, h, hOffset + (long) i * hStride,
                    0f, z, zOffset + (long) i * n);
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
        logits(yr, rows, state.lastHSegment, 0, 0, 1, state.rowLogitsSegment, 0);
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

    // Runs the cell for rows batchRows[from .. from+count-1] (count a power of two) from h^c_{t-1},
    // and offers every word of them to the k-best heap; returns the heap's new size.
    private int scoreRows(LightRnnState state, int from, int count, int k, int found) {
        int size = Integer.numberOfTrailingZeros(count);
        float[] input = state.candidateInput[size];
        float[] start = state.candidateHidden[size];
        float[] startCell = state.candidateCell[size];
        for (int i = 0; i < count; i++) {
            int r = state.batchRows[from + i];
            System.arraycopy(pr, r * width, input, i * width, width);
            System.arraycopy(state.lastH, 0, start, i * hidden, hidden);
            if (startCell != null) {
                System.arraycopy(state.lastC, 0, startCell, i * hidden, hidden);
            }
        }
        LayerState candidates = state.candidates[size];
        candidates.setHidden(start);
        if (startCell != null) {
            candidates.setCell(startCell);
        }
        // h^r for every row at once (B = count), then z_c = Yc h^r for each.
        layer.forwardProjected(input, 1, candidates, state.candidateOutput[size]);
        logits(yc, columns, state.candidateOutputSegment[size], 0, hidden, count, state.columnLogitsSegment, 0);
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

    /** {@code E}, the size of an input table row and the layer's input size. */
    public int embeddingSize() {
        return embedding;
    }

    /** {@code H}. */
    public int hiddenSize() {
        return hidden;
    }

    public CellType cellType() {
        return layer.cellType();
    }

    /** Frees the layer's weights; the model must not be used afterwards. */
    @Override
    public void close() {
        layer.close();
    }
}
