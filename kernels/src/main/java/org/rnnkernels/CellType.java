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
    MI_GRU(3, false);

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
        return this == GRU || this == RAG_GRU || this == MI_GRU;
    }

    /** Whether the cell takes multiplicative-integration parameters ({@link MiParameters}). */
    public boolean multiplicative() {
        return this == MI_RNN || this == MI_LSTM || this == MI_GRU;
    }
}
