package org.rnnkernels.lightrnn;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentState;
import org.rnnkernels.internal.Checks;

/**
 * One stream through a {@link LightRnn}: a {@link LayerState} per layer of the model's stack, which
 * carry {@code h} (and {@code c} for cells with a cell state) from word to word (the last layer's
 * {@code h} is {@code h^c}), and every workspace the model's calls need, made once here so that a
 * steady stream allocates nothing.
 *
 * <p>Belongs to one caller: several states may use one model at once on different threads; one
 * state must not be used by two threads at the same time. Starts at zero.
 *
 * <p>A {@link RecurrentState} of one direction: its layers' {@code h}/{@code c} are those of the stream's
 * layer states; {@link #close()} closes them and the candidate states, after which the state refuses use.
 */
public final class LightRnnState implements RecurrentState {
    final LightRnn model;
    final LayerState[] stream;          // [layer]
    private boolean closed;
    // Every layer's h (and c; null for a layer without one) at the start of a call, copied from the
    // stream states: topK starts every candidate row from them. lastH is the last layer's, h^c_{t-1}:
    // the row logits of a chunk's first word read it, and logProbabilities keeps it current chunk by chunk.
    final float[][] startH;
    final float[][] startC;
    final float[] lastH;
    final MemorySegment[] lastHRow;     // {lastH} as a segment, for LightRnn.logits

    // The products' operands are segments made here, one per row, so that no BLAS call takes an offset
    // (a segment at an offset is a slice object per call).

    // logProbabilities, per chunk of 2^i words: the interleaved projected inputs W_ih Xr[row(w_t)],
    // W_ih Xc[col(w_t)] of the first layer ([2T][G*H]) and every layer's outputs, [layer][i] ([2T][H_k]),
    // the last layer's h^r_t, h^c_t; exact sizes as the layers want them.
    final float[][] chunkInput;
    final float[][][] chunkOutput;
    final MemorySegment[][] chunkOutputRows;    // [i][2T]: the last layer's output rows
    final float[] rowLogits;            // [CHUNK_WORDS][R]
    final MemorySegment[] rowLogitsRows;
    final float[] columnLogits;         // [max(CHUNK_WORDS, MAX_CANDIDATE_BATCH)][C]
    final MemorySegment[] columnLogitsRows;

    // topK, per candidate batch of 2^i rows: a state of that batch per layer [i][layer], the first layer's
    // inputs W_ih Xr[r] [b][G*H], per layer [layer][i] the broadcast h (and c) it starts from [b][H_k] and its
    // outputs [b][H_k] (the last layer's are h^r).
    final LayerState[][] candidates;
    final float[][] candidateInput;
    final float[][][] candidateHidden;
    final float[][][] candidateCell;
    final float[][][] candidateOutput;
    final MemorySegment[][] candidateOutputRows;    // [i][b]: the last layer's output rows
    final float[] rowLogProbabilities;  // [R]
    final int[] rowHeap;                // [R] max-heap of rows by log-probability
    final int[] batchRows;              // [MAX_CANDIDATE_BATCH]
    final float[] bestLogProbabilities; // [V] min-heap of the best k words found
    final int[] bestWords;
    int rowsExamined;

    LightRnnState(LightRnn model, LayerState[] stream, LayerState[][] candidates) {
        this.model = model;
        this.stream = stream;
        this.candidates = candidates;
        int layers = model.numLayers();
        int top = layers - 1;
        RecurrentLayer first = model.layer(0);
        int width = first.cellType().gates() * first.hiddenSize();     // a row of the first layer's input projection
        int rows = model.wordTable().rows();
        int columns = model.wordTable().columns();
        int chunkSizes = Integer.numberOfTrailingZeros(LightRnn.CHUNK_WORDS) + 1;
        int candidateSizes = candidates.length;

        startH = new float[layers][];
        startC = new float[layers][];
        chunkOutput = new float[layers][chunkSizes][];
        candidateHidden = new float[layers][candidateSizes][];
        candidateCell = new float[layers][candidateSizes][];
        candidateOutput = new float[layers][candidateSizes][];
        for (int k = 0; k < layers; k++) {
            int h = model.layer(k).hiddenSize();
            boolean cellState = model.layer(k).cellType().hasCellState();
            startH[k] = new float[h];
            startC[k] = cellState ? new float[h] : null;
            for (int i = 0; i < chunkSizes; i++) {
                chunkOutput[k][i] = new float[2 * (1 << i) * h];
            }
            for (int i = 0; i < candidateSizes; i++) {
                int batch = 1 << i;
                candidateHidden[k][i] = new float[batch * h];
                candidateCell[k][i] = cellState ? new float[batch * h] : null;
                candidateOutput[k][i] = new float[batch * h];
            }
        }
        int hidden = model.hiddenSize();     // the last layer's
        lastH = startH[top];
        lastHRow = rowsOf(lastH, 1, hidden);

        chunkInput = new float[chunkSizes][];
        chunkOutputRows = new MemorySegment[chunkSizes][];
        for (int i = 0; i < chunkSizes; i++) {
            chunkInput[i] = new float[2 * (1 << i) * width];
            chunkOutputRows[i] = rowsOf(chunkOutput[top][i], 2 * (1 << i), hidden);
        }
        rowLogits = new float[LightRnn.CHUNK_WORDS * rows];
        rowLogitsRows = rowsOf(rowLogits, LightRnn.CHUNK_WORDS, rows);
        int columnRows = Math.max(LightRnn.CHUNK_WORDS, LightRnn.MAX_CANDIDATE_BATCH);
        columnLogits = new float[columnRows * columns];
        columnLogitsRows = rowsOf(columnLogits, columnRows, columns);

        candidateInput = new float[candidateSizes][];
        candidateOutputRows = new MemorySegment[candidateSizes][];
        for (int i = 0; i < candidateSizes; i++) {
            candidateInput[i] = new float[(1 << i) * width];
            candidateOutputRows[i] = rowsOf(candidateOutput[top][i], 1 << i, hidden);
        }
        rowLogProbabilities = new float[rows];
        rowHeap = new int[rows];
        batchRows = new int[LightRnn.MAX_CANDIDATE_BATCH];
        bestLogProbabilities = new float[model.vocabularySize()];
        bestWords = new int[model.vocabularySize()];
    }

    // Segments of rows 0 .. count-1 of a [count][width] array.
    private static MemorySegment[] rowsOf(float[] array, int count, int width) {
        MemorySegment whole = MemorySegment.ofArray(array);
        MemorySegment[] rows = new MemorySegment[count];
        for (int r = 0; r < count; r++) {
            rows[r] = whole.asSlice((long) r * width * Float.BYTES, (long) width * Float.BYTES);
        }
        return rows;
    }

    /** Copies every layer's {@code h} (and {@code c}) from the stream states into {@link #startH} ({@link #startC}). */
    void syncFromStream() {
        for (int k = 0; k < stream.length; k++) {
            stream[k].copyHidden(startH[k], 0);
            if (startC[k] != null) {
                stream[k].copyCell(startC[k], 0);
            }
        }
    }

    /** The number of layers of the model's stack, each with its {@link #layerState(int)}. */
    @Override
    public int numLayers() {
        return stream.length;
    }

    /**
     * The state of layer {@code k} (0 the first), batch 1, carried between words; the last layer's
     * {@code h} is {@code h^c}. Read it, or set it (e.g. {@link LayerState#setHidden}) to start the
     * stream from a given state.
     *
     * @throws IllegalArgumentException for {@code k} outside {@code [0, numLayers())}
     */
    public LayerState layerState(int k) {
        if (k < 0 || k >= stream.length) {
            throw new IllegalArgumentException("layerState(" + k + "): the model has " + stream.length + " layer(s)");
        }
        return stream[k];
    }

    /** Back to the zero state. */
    @Override
    public LightRnnState reset() {
        for (LayerState layer : stream) {
            layer.reset();
        }
        return this;
    }

    /** How many table rows the last {@link LightRnn#topK} call ran the stack for (its cost; at most {@code R}). */
    public int rowsExaminedByLastTopK() {
        return rowsExamined;
    }

    /** One stream: batch 1. */
    @Override
    public int batchSize() {
        return 1;
    }

    @Override
    public int directions() {
        return 1;
    }

    /** The state of layer {@code k} ({@link #layerState(int)}); one direction. */
    @Override
    public LayerState layer(int k, int d) {
        Checks.layerDirection(k, d, stream.length, 1);
        return stream[k];
    }

    /** Closes every layer's stream and candidate states; idempotent. */
    @Override
    public void close() {
        closed = true;
        for (LayerState layer : stream) {
            layer.close();
        }
        for (LayerState[] layer : candidates) {
            for (LayerState candidate : layer) {
                candidate.close();
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed || stream[0].isClosed();
    }
}
