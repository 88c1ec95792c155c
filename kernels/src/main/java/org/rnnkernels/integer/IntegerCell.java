package org.rnnkernels.integer;

/**
 * One RAG cell's elementwise step in integers (CELLS.md "RAG", fixed point with {@code F} fractional bits):
 * from the raw int32 accumulators of the two products to the new state, in place. Only adds, subtracts,
 * max, min and arithmetic shifts: no multiplication at all, of two activations or otherwise
 * ({@code IntegerCellOpsTest} reads the class files to hold every integer cell to it). The products before it
 * multiply int8 weights by activations, which are plaintext-by-ciphertext under encryption.
 *
 * <p>Per sample {@code b} of {@code rows}: the accumulators of {@code W_ih x} at {@code gi[giOffset + b*giStride ...]},
 * of {@code W_hh h} at {@code gh[b*ghStride ...]} (block {@code k} at {@code k*H}), both before their rescale;
 * {@code h[b*H ...]} and {@code c[b*H ...]} (RAG-LSTM; else null) read and overwritten. Row offsets are
 * carried by additions, so that no multiplication appears even in index arithmetic.
 *
 * <p>Named {@code Int} + the cell's kernel name ({@code IntRagMinimal} for {@code RAG_MINIMAL}), found by
 * {@link IntegerCells}; implementations are stateless.
 */
public interface IntegerCell {
    void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
               IntegerParameters p, int[] h, int[] c);
}
