package org.rnnkernels;

/**
 * The recurrent cells, with their gate blocks in PyTorch order (see {@code CELLS.md}).
 * Weights are {@code W_ih [G*H, I]}, {@code W_hh [G*H, H]}, {@code b_ih [G*H]}, {@code b_hh [G*H]}.
 */
public enum CellType {
    /** Elman: {@code h' = tanh(gi + gh)}. */
    RNN_TANH(1, false),
    /** Elman: {@code h' = relu(gi + gh)}. */
    RNN_RELU(1, false),
    /** Blocks {@code i, f, g, o}: {@code c' = f*c + i*g}, {@code h' = o*tanh(c')}. */
    LSTM(4, true),
    /** Blocks {@code r, z, n}, linear before reset: {@code n = tanh(gi_n + r*gh_n)}, {@code h' = (1-z)*n + z*h}. */
    GRU(3, false),
    /** RAG-GRU, blocks {@code r, z, n}: sigmoid gates and products replaced by ReLU inhibition. */
    RAG_GRU(3, false),
    /** RAG-minimal, blocks {@code z, n}: no reset gate, two thirds of a GRU's matrix work. */
    RAG_MINIMAL(2, false),
    /** RAG-LSTM, blocks {@code i, f, g, o}, cell state kept in [-1, 1]. */
    RAG_LSTM(4, true),
    /**
     * Multiplicative-integration Elman RNN (tanh): every pre-activation {@code Wx + Uh + b} becomes
     * {@code alpha*(Wx)*(Uh) + beta1*(Uh) + beta2*(Wx) + b} ({@link MiParameters}).
     */
    MI_RNN(1, false),
    /** Multiplicative-integration LSTM, blocks {@code i, f, g, o}. */
    MI_LSTM(4, true),
    /** Multiplicative-integration GRU, blocks {@code r, z, n}; block {@code n} integrates {@code r*gh_n}. */
    MI_GRU(3, false),
    /**
     * EGRU, event-based activity-sparse GRU, blocks {@code r, z, n}: per-unit thresholds
     * {@code theta > 0} ({@link RecurrentLayer#createEgru}); the output {@code y} (this cell's
     * {@code h}) is {@code c_pre} where {@code c_pre > theta} and 0 elsewhere, and the internal state
     * {@code c} is reset by subtraction. The recurrent product reads only the columns of
     * {@code W_hh} whose {@code y_j != 0}, so its cost falls with activity.
     */
    EGRU(3, true);

    private final int gates;
    private final boolean cellState;

    CellType(int gates, boolean cellState) {
        this.gates = gates;
        this.cellState = cellState;
    }

    /** {@code G}: how many {@code H}-row blocks {@code W_ih} and {@code W_hh} stack. */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries a cell state {@code c} beside {@code h}. */
    public boolean hasCellState() {
        return cellState;
    }

    /**
     * Whether block {@code n} takes {@code gh_n} on its own (GRU's "linear before reset"
     * {@code r*gh_n}), so {@code b_ih_n} and {@code b_hh_n} cannot be folded into one bias.
     */
    boolean resetsCandidate() {
        return this == GRU || this == RAG_GRU || this == MI_GRU || this == EGRU;
    }

    /** Whether the cell's output is sparse and its recurrent product skips zero inputs (EGRU). */
    public boolean eventBased() {
        return this == EGRU;
    }

    /** Whether the cell takes multiplicative-integration parameters ({@link MiParameters}). */
    public boolean multiplicative() {
        return this == MI_RNN || this == MI_LSTM || this == MI_GRU;
    }
}
