package org.rnnkernels.reference;

/** The cells of CELLS.md that the reference implements, with their number of gate blocks {@code G}. */
public enum RefCellType {
    /** Elman RNN, {@code h' = tanh(gi + gh)}. */
    RNN_TANH(1),
    /** Elman RNN, {@code h' = relu(gi + gh)}. */
    RNN_RELU(1),
    /** LSTM, blocks {@code i, f, g, o}. */
    LSTM(4),
    /** GRU (linear before reset), blocks {@code r, z, n}. */
    GRU(3),
    /** RAG-GRU, blocks {@code r, z, n}. */
    RAG_GRU(3),
    /** RAG-minimal, blocks {@code z, n}. */
    RAG_MINIMAL(2),
    /**
     * Leaky RAG-minimal, blocks {@code z, n}: RAG-minimal with {@code S} and {@code hardtanh} given a slope
     * of {@link RefMath#LEAK} where they are flat ({@link RefMath#leakyInhibit}, {@link RefMath#leakyHardtanh}).
     */
    RAG_MINIMAL_LEAKY(2),
    /** RAG-LSTM, blocks {@code i, f, g, o}. */
    RAG_LSTM(4),
    /** Multiplicative-integration Elman RNN (tanh). */
    MI_RNN(1),
    /** Multiplicative-integration LSTM, blocks {@code i, f, g, o}. */
    MI_LSTM(4),
    /** Multiplicative-integration GRU, blocks {@code r, z, n}. */
    MI_GRU(3),
    /** EGRU, event-based GRU: blocks {@code r, z, n}; output {@code y} sparse, internal state {@code c}. */
    EGRU(3);

    /** {@code G}, the number of gate blocks stacked in the weight matrices. */
    public final int gates;

    RefCellType(int gates) {
        this.gates = gates;
    }

    /**
     * True for the cells that carry a cell state {@code c} besides {@code h} (the LSTMs; EGRU, whose
     * {@code h} is the sparse output {@code y} and {@code c} its internal state).
     */
    public boolean hasCellState() {
        return this == LSTM || this == RAG_LSTM || this == MI_LSTM || this == EGRU;
    }

    /** True for the multiplicative-integration cells, which take alpha, beta1 and beta2. */
    public boolean multiplicative() {
        return this == MI_RNN || this == MI_LSTM || this == MI_GRU;
    }
}
