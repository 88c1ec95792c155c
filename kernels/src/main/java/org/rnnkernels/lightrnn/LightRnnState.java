package org.rnnkernels.lightrnn;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentState;

/**
 * One stream through a {@link LightRnn}: the layer's {@link LayerState}, which carries
 * {@code h^c} (and {@code c} for cells with a cell state) from word to word, and every workspace
 * the model's calls need, made once here so that a steady stream allocates nothing.
 *
 * <p>Belongs to one caller: several states may use one model at once on different threads; one
 * state must not be used by two threads at the same time. Starts at zero.
 *
 * <p>A {@link RecurrentState}: its {@code h}/{@code c} are those of the stream's layer state;
 * {@link #close()} closes that and the candidate states, after which the state refuses use.
 */
public final class LightRnnState implements RecurrentState {
    final LightRnn model;
    final LayerState stream;
    // h^c_{t-1} (and c) at the start of a call, copied from the stream state: the row logits of
    // the call's first word read it, and topK starts every candidate row from it.
    final float[] lastH;
    final MemorySegment lastHSegment;
    final float[] lastC;

    // logProbabilities, per chunk of 2^i words: the interleaved projected inputs W_ih Xr[row(w_t)],
    // W_ih Xc[col(w_t)] ([2T][G*H]) and the layer's outputs h^r_t, h^c_t ([2T][H]), exact sizes as the layer wants them.
    final float[][] chunkInput;
    final float[][] chunkOutput;
    final MemorySegment[] chunkOutputSegment;
    final float[] rowLogits;            // [CHUNK_WORDS][R]
    final MemorySegment rowLogitsSegment;
    final float[] columnLogits;         // [max(CHUNK_WORDS, MAX_CANDIDATE_BATCH)][C]
    final MemorySegment columnLogitsSegment;

    // topK, per candidate batch of 2^i rows: a state of that batch, its inputs W_ih Xr[r] [b][G*H], the
    // broadcast h^c_{t-1} (and c) it starts from [b][H], its outputs h^r [b][H].
    final LayerState[] candidates;
    final float[][] candidateInput;
    final float[][] candidateHidden;
    final float[][] candidateCell;
    final float[][] candidateOutput;
    final MemorySegment[] candidateOutputSegment;
    final float[] rowLogProbabilities;  // [R]
    final int[] rowHeap;                // [R] max-heap of rows by log-probability
    final int[] batchRows;              // [MAX_CANDIDATE_BATCH]
    final float[] bestLogProbabilities; // [V] min-heap of the best k words found
    final int[] bestWords;
    int rowsExamined;
    private boolean closed;

    LightRnnState(LightRnn model, LayerState stream, LayerState[] candidates) {
        this.model = model;
        this.stream = stream;
        int h = model.hiddenSize();
        int width = model.cellType().gates() * h;     // a row of the input projection
        int rows = model.wordTable().rows();
        int columns = model.wordTable().columns();
        boolean cellState = model.cellType().hasCellState();
        lastH = new float[h];
        lastHSegment = MemorySegment.ofArray(lastH);
        lastC = cellState ? new float[h] : null;

        int chunkSizes = Integer.numberOfTrailingZeros(LightRnn.CHUNK_WORDS) + 1;
        chunkInput = new float[chunkSizes][];
        chunkOutput = new float[chunkSizes][];
        chunkOutputSegment = new MemorySegment[chunkSizes];
        for (int i = 0; i < chunkSizes; i++) {
            int words = 1 << i;
            chunkInput[i] = new float[2 * words * width];
            chunkOutput[i] = new float[2 * words * h];
            chunkOutputSegment[i] = MemorySegment.ofArray(chunkOutput[i]);
        }
        rowLogits = new float[LightRnn.CHUNK_WORDS * rows];
        rowLogitsSegment = MemorySegment.ofArray(rowLogits);
        columnLogits = new float[Math.max(LightRnn.CHUNK_WORDS, LightRnn.MAX_CANDIDATE_BATCH) * columns];
        columnLogitsSegment = MemorySegment.ofArray(columnLogits);

        this.candidates = candidates;
        int candidateSizes = candidates.length;
        candidateInput = new float[candidateSizes][];
        candidateHidden = new float[candidateSizes][];
        candidateCell = new float[candidateSizes][];
        candidateOutput = new float[candidateSizes][];
        candidateOutputSegment = new MemorySegment[candidateSizes];
        for (int i = 0; i < candidateSizes; i++) {
            int batch = 1 << i;
            candidateInput[i] = new float[batch * width];
            candidateHidden[i] = new float[batch * h];
            candidateCell[i] = cellState ? new float[batch * h] : null;
            candidateOutput[i] = new float[batch * h];
            candidateOutputSegment[i] = MemorySegment.ofArray(candidateOutput[i]);
        }
        rowLogProbabilities = new float[rows];
        rowHeap = new int[rows];
        batchRows = new int[LightRnn.MAX_CANDIDATE_BATCH];
        bestLogProbabilities = new float[model.vocabularySize()];
        bestWords = new int[model.vocabularySize()];
    }

    /** Copies the stream's {@code h} (and {@code c}) into {@link #lastH} ({@link #lastC}). */
    void syncFromStream() {
        stream.copyHidden(lastH, 0);
        if (lastC != null) {
            stream.copyCell(lastC, 0);
        }
    }

    /**
     * The layer state that carries {@code h^c} (and {@code c}) between words, batch 1: read it,
     * or set it (e.g. {@link LayerState#setHidden}) to start the stream from a given state.
     */
    public LayerState layerState() {
        return stream;
    }

    /** Back to the zero state. */
    @Override
    public LightRnnState reset() {
        stream.reset();
        return this;
    }

    @Override
    public int batchSize() {
        return stream.batchSize();
    }

    @Override
    public int numLayers() {
        return stream.numLayers();
    }

    @Override
    public int directions() {
        return stream.directions();
    }

    /** The stream's layer state ({@link #layerState()}). */
    @Override
    public LayerState layer(int layer, int direction) {
        return stream.layer(layer, direction);
    }

    /** Closes the stream's and the candidates' layer states; idempotent. */
    @Override
    public void close() {
        closed = true;
        stream.close();
        for (LayerState candidate : candidates) {
            candidate.close();
        }
    }

    @Override
    public boolean isClosed() {
        return closed || stream.isClosed();
    }

    /** How many table rows the last {@link LightRnn#topK} call ran the cell for (its cost; at most {@code R}). */
    public int rowsExaminedByLastTopK() {
        return rowsExamined;
    }
}
