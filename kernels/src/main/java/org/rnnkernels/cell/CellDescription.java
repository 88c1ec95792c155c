package org.rnnkernels.cell;

/**
 * What the library's code needs to know about a cell type, given once, where the cell type is
 * declared ({@code CellType}'s constants), so that no other code asks "which cell is this?".
 *
 * @param gates          {@code G}: how many {@code H}-row blocks {@code W_ih} and {@code W_hh} stack
 * @param cellState      whether the cell carries a cell state {@code c} beside {@code h}
 * @param splitCandidate whether block {@code n} takes {@code gh_n + b_hn} on its own (GRU's "linear
 *                       before reset"), so that its two biases are not folded ({@link Biases})
 * @param directPath     whether {@code h_t} enters the state update beside {@code W_hh h_t} (GRU's
 *                       {@code z*h}, RAG's {@code S(h, q)}): the backward adds that path to {@code dh_t}
 * @param cacheBlocks    {@code K}: blocks of {@code H} floats per row the training forward keeps for the backward
 * @param eventBased     whether the output is sparse and the recurrent product skips zero inputs (EGRU's thresholds)
 * @param multiplicative whether the cell takes multiplicative-integration parameters {@code alpha, beta1, beta2}
 * @param kernel         the simple name of the cell's class in this package ({@code Name}: its {@link GatePass}
 *                       and {@link TrainingPass}), whose Vector API twin is {@code VectorName}
 */
public record CellDescription(int gates, boolean cellState, boolean splitCandidate, boolean directPath,
                              int cacheBlocks, boolean eventBased, boolean multiplicative, String kernel) {

    /** A description of a cell of {@code gates} blocks, no cell state and no other trait; add them with the withers. */
    public static CellDescription of(int gates, String kernel) {
        return new CellDescription(gates, false, false, false, 0, false, false, kernel);
    }

    public CellDescription withCellState() {
        return new CellDescription(gates, true, splitCandidate, directPath, cacheBlocks, eventBased, multiplicative, kernel);
    }

    public CellDescription withSplitCandidate() {
        return new CellDescription(gates, cellState, true, directPath, cacheBlocks, eventBased, multiplicative, kernel);
    }

    public CellDescription withDirectPath() {
        return new CellDescription(gates, cellState, splitCandidate, true, cacheBlocks, eventBased, multiplicative, kernel);
    }

    public CellDescription withCache(int blocks) {
        return new CellDescription(gates, cellState, splitCandidate, directPath, blocks, eventBased, multiplicative, kernel);
    }

    public CellDescription eventBasedCell() {
        return new CellDescription(gates, cellState, splitCandidate, directPath, cacheBlocks, true, multiplicative, kernel);
    }

    public CellDescription multiplicativeCell() {
        return new CellDescription(gates, cellState, splitCandidate, directPath, cacheBlocks, eventBased, true, kernel);
    }

    /** Floats of the packed bias the gate passes read ({@link Biases}). */
    public int packedBiasLength(int hidden) {
        return Biases.length(gates, hidden, splitCandidate);
    }
}
