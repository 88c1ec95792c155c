package org.rnnkernels.cell;

/**
 * One cell's elementwise part of a time step (oneDNN's "postgemm"): from the pre-activations of
 * all gate blocks to the new state, sample row by sample row, nothing allocated. Each cell type
 * has two implementations side by side in this package, {@code Name} (plain Java) and
 * {@code VectorName} (Vector API), and a layer holds the one {@link CellPasses} chose for its cell,
 * so a step makes one virtual call and never switches on the cell type. The same two classes are the
 * cell's {@link TrainingPass}, whose forward computes what this computes, to the bit.
 *
 * <p>Per sample {@code b} of {@code rows}, with {@code G*H = gates * H}:
 * <ul>
 *   <li>{@code gi[giOffset + b*G*H ...]}: the input projection {@code W_ih x}, without bias;</li>
 *   <li>{@code gh[b*G*H ...]}: the recurrent product {@code W_hh h}, without bias; scratch, may be
 *       overwritten;</li>
 *   <li>{@code bias}: {@link Biases#pack} (both biases folded where the cell allows it);</li>
 *   <li>{@code extra}: the cell's own parameters: {@code [alpha | beta1 | beta2]}, each {@code [G*H]},
 *       for the MI cells; the thresholds {@code theta [H]} for EGRU; else null;</li>
 *   <li>{@code hPrev[hPrevOffset + b*H ...]} is read and {@code hOut[hOutOffset + b*H ...]} written;
 *       they may be the same place (streaming updates the state in place);</li>
 *   <li>{@code c[b*H ...]}: the cell state, updated in place (null for cells without one); EGRU's
 *       internal state, whose {@code hOut} is the sparse output {@code y}.</li>
 * </ul>
 *
 * <p>The shape of the vector twins is set by C2's node budget. Each Vector API operation inlines a
 * chain of methods; when one compilation passes about 18,000 nodes C2 stops inlining
 * ({@code NodeCountInliningCutoff}) and every vector that crosses a call it did not inline is boxed:
 * a heap allocation per operation, 5-10x slower. A {@code sigm} or {@code tanh} is some 20 vector operations, so:
 * <ul>
 *   <li>every {@code sigm} and {@code tanh} of a gated cell comes from ONE call site, {@link VectorOps#activate},
 *       called in a loop over gate blocks (the Elman cells have one loop and one {@code tanh}); the pre-activations
 *       are summed into {@code gh} first by loops without them, and the state update after it has none (LSTM's
 *       {@code tanh(c')} is one more block of that loop). The exception, measured: the inference passes of
 *       LSTM and GRU ({@link VectorLstm}, {@link VectorGru}) write their activations out in one loop body, the
 *       independent ones side by side (five copies and three), because that ran their gate passes in 0.55-0.80
 *       of the block loops' time; so few copies stay inside the budget where twenty (the gate math on the
 *       product's tiles) did not;</li>
 *   <li>one class per cell, so that a JVM running several cells compiles each cell's pass on its
 *       own budget (a single {@code switch} over all cells, inlined whole, boxed every cell);</li>
 *   <li>constants are vectors made once, never {@code v.max(0f)} (a broadcast per use);</li>
 *   <li>the tail ({@code H mod lanes} units) is the plain twin's code, not a masked copy of the body;</li>
 *   <li>loads and stores call the Vector API directly, not a helper of ours (C2 may refuse to inline a helper
 *       at a call site whose profile is stale, see {@link VectorOps}).</li>
 * </ul>
 * {@code StepAllocationTest} holds every cell to zero bytes per warmed-up step.
 *
 * <p>Implementations are stateless.
 */
public interface GatePass {

    /**
     * Units {@code from .. to-1} of every row. Split points other than 0 and {@code H} must be
     * multiples of the vector length, so that a split pass computes each unit exactly as a whole one.
     */
    void apply(int rows, int hidden, int from, int to,
               float[] gi, int giOffset, float[] gh, float[] bias, float[] extra,
               float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c);
}
