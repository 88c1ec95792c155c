package org.rnnkernels;

import org.rnnkernels.cell.CellDescription;

/**
 * The recurrent cells, with their gate blocks in PyTorch order (see {@code CELLS.md}).
 * Weights are {@code W_ih [G*H, I]}, {@code W_hh [G*H, H]}, {@code b_ih [G*H]}, {@code b_hh [G*H]}.
 *
 * <p>A cell type is registered here, once: its constant carries its {@link CellDescription}, which
 * names the cell's kernels in {@code org.rnnkernels.cell}; nothing else in the library switches on
 * the cell type to find them.
 */
public enum CellType {
    /** Elman: {@code h' = tanh(gi + gh)}. */
    RNN_TANH(CellDescription.of(1, "Rnn$Tanh")),
    /** Elman: {@code h' = relu(gi + gh)}. */
    RNN_RELU(CellDescription.of(1, "Rnn$Relu")),
    /** Blocks {@code i, f, g, o}: {@code c' = f*c + i*g}, {@code h' = o*tanh(c')}. */
    LSTM(CellDescription.of(4, "Lstm").withCellState().withCache(5)),
    /** Blocks {@code r, z, n}, linear before reset: {@code n = tanh(gi_n + r*gh_n)}, {@code h' = (1-z)*n + z*h}. */
    GRU(CellDescription.of(3, "Gru").withSplitCandidate().withDirectPath().withCache(4)),
    /** RAG-GRU, blocks {@code r, z, n}: sigmoid gates and products replaced by ReLU inhibition. */
    RAG_GRU(CellDescription.of(3, "RagGru").withSplitCandidate().withDirectPath().withCache(5)),
    /** RAG-minimal, blocks {@code z, n}: no reset gate, two thirds of a GRU's matrix work. */
    RAG_MINIMAL(CellDescription.of(2, "RagMinimal").withDirectPath().withCache(3)),
    /**
     * Leaky RAG-minimal, blocks {@code z, n}: RAG-minimal with a slope of 2^-4 where {@code S} and
     * {@code hardtanh} are flat, so that blocked writes and saturated states still learn.
     */
    RAG_MINIMAL_LEAKY(CellDescription.of(2, "RagMinimalLeaky").withDirectPath().withCache(3)),
    /** RAG-LSTM, blocks {@code i, f, g, o}, cell state kept in [-1, 1]. */
    RAG_LSTM(CellDescription.of(4, "RagLstm").withCellState().withCache(5)),
    /**
     * Multiplicative-integration Elman RNN (tanh): every pre-activation {@code Wx + Uh + b} becomes
     * {@code alpha*(Wx)*(Uh) + beta1*(Uh) + beta2*(Wx) + b} ({@link MiParameters}).
     */
    MI_RNN(CellDescription.of(1, "MiRnn").multiplicativeCell().withCache(1)),
    /** Multiplicative-integration LSTM, blocks {@code i, f, g, o}. */
    MI_LSTM(CellDescription.of(4, "MiLstm").withCellState().multiplicativeCell().withCache(9)),
    /** Multiplicative-integration GRU, blocks {@code r, z, n}; block {@code n} integrates {@code r*gh_n}. */
    MI_GRU(CellDescription.of(3, "MiGru").withSplitCandidate().withDirectPath().multiplicativeCell().withCache(7)),
    /**
     * EGRU, event-based activity-sparse GRU, blocks {@code r, z, n}: per-unit thresholds
     * {@code theta >= 0} ({@link LayerWeights.Builder#thresholds}); the output {@code y} (this cell's
     * {@code h}) is {@code c_pre} where {@code c_pre > theta} and 0 elsewhere, and the internal state
     * {@code c} is reset by subtraction. The recurrent product reads only the columns of
     * {@code W_hh} whose {@code y_j != 0}, so its cost falls with activity.
     */
    EGRU(CellDescription.of(3, "Egru").withCellState().withSplitCandidate().eventBasedCell().withCache(5));

    private final CellDescription description;

    CellType(CellDescription description) {
        this.description = description;
    }

    /** {@code G}: how many {@code H}-row blocks {@code W_ih} and {@code W_hh} stack. */
    public int gates() {
        return description.gates();
    }

    /** Whether the cell carries a cell state {@code c} beside {@code h}. */
    public boolean hasCellState() {
        return description.cellState();
    }

    /** Whether the cell's output is sparse and its recurrent product skips zero inputs (EGRU). */
    public boolean eventBased() {
        return description.eventBased();
    }

    /** Whether the cell takes multiplicative-integration parameters ({@link MiParameters}). */
    public boolean multiplicative() {
        return description.multiplicative();
    }

    /**
     * Everything else the library's code knows about this cell (bias layout, training cache, kernel
     * names). Internal: its type is in a package that is not part of the API (not exported from the
     * module {@code org.rnnkernels}, so code outside the library cannot use what this returns).
     */
    @SuppressWarnings("exports")
    public CellDescription description() {
        return description;
    }
}
