package org.rnnkernels.blas;

import java.lang.foreign.MemorySegment;

/**
 * The two BLAS routines the recurrent kernels need, row-major, single precision.
 *
 * <p>Offsets, leading dimensions and sizes count floats, not bytes. Operands are
 * {@link MemorySegment}s so that weights can live in aligned off-heap memory owned by a layer,
 * while short-lived operands may be heap arrays wrapped once with {@link MemorySegment#ofArray(float[])}.
 * Implementations may be handed a mix of both in one call. For {@link OpenBlas}, native operands are
 * the cheaper kind in a large call: a heap operand there is copied off-heap first, so that the call
 * does not hold off the garbage collector for its whole duration (see {@link OpenBlas} for the rule and
 * its cost); small calls take heap arrays without a copy.
 *
 * <p>Implementations are stateless and safe to call from any thread. Arguments are checked at
 * this edge ({@link BlasChecks}); the kernels behind it run unchecked.
 */
public interface Blas {

    /** {@code op(X) = X} or {@code X^T}. */
    enum Transpose {
        NO(111), YES(112);

        /** The CBLAS enum value ({@code CblasNoTrans}, {@code CblasTrans}). */
        public final int cblas;

        Transpose(int cblas) {
            this.cblas = cblas;
        }
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, with {@code op(A)} of shape {@code m x k},
     * {@code op(B)} of shape {@code k x n} and {@code C} of shape {@code m x n}, all row-major.
     * With {@code beta == 0}, {@code C} is not read (NaN in it does not propagate), as in BLAS.
     */
    void sgemm(Transpose transA, Transpose transB, int m, int n, int k,
               float alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc);

    /**
     * {@code y = alpha * op(A) * x + beta * y}, {@code A} row-major {@code m x n}; {@code x} and
     * {@code y} contiguous (unit stride). {@code x} has {@code n} elements and {@code y} {@code m}
     * for {@code NO}, the other way round for {@code YES}. With {@code beta == 0}, {@code y} is not read.
     */
    void sgemv(Transpose trans, int m, int n,
               float alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment x, long xOffset,
               float beta, MemorySegment y, long yOffset);

    /** Heap-array convenience form of {@link #sgemm}. */
    default void sgemm(Transpose transA, Transpose transB, int m, int n, int k,
                       float alpha, float[] a, int aOffset, int lda,
                       float[] b, int bOffset, int ldb,
                       float beta, float[] c, int cOffset, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, MemorySegment.ofArray(a), aOffset, lda,
                MemorySegment.ofArray(b), bOffset, ldb, beta, MemorySegment.ofArray(c), cOffset, ldc);
    }

    /** Heap-array convenience form of {@link #sgemv}. */
    default void sgemv(Transpose trans, int m, int n,
                       float alpha, float[] a, int aOffset, int lda,
                       float[] x, int xOffset,
                       float beta, float[] y, int yOffset) {
        sgemv(trans, m, n, alpha, MemorySegment.ofArray(a), aOffset, lda,
                MemorySegment.ofArray(x), xOffset, beta, MemorySegment.ofArray(y), yOffset);
    }

    /** What this implementation is: for logs, reports and the main job's header. */
    BlasInfo info();

    /**
     * The most multiply-adds ({@code m*n*k}) an {@link #sgemm} with a heap operand runs on it in place; above,
     * the implementation copies heap operands (OpenBLAS: {@code OpenBlas.SGEMM_COPY_ABOVE}, to keep safepoints
     * from waiting on a long native call). A caller with many cheap rows may split its call into row blocks
     * under this bound to spare the copy. {@code Long.MAX_VALUE} (the default) for an implementation that never copies.
     */
    default long inPlaceMultiplyAdds() {
        return Long.MAX_VALUE;
    }

    /**
     * Rows per block for a caller that splits an sgemm over many rows, each row {@code multiplyAddsPerRow}
     * multiply-adds, so that every block runs in place ({@link #inPlaceMultiplyAdds}): a whole multiple of 64 rows,
     * or {@code Integer.MAX_VALUE} (one call, no blocks) when fewer than {@value #MIN_BLOCK_ROWS} rows fit, where
     * OpenBLAS's packing per call would cost more over so few rows than the copy does, or when nothing is copied.
     */
    default int inPlaceRowBlock(long multiplyAddsPerRow) {
        long rows = inPlaceMultiplyAdds() / Math.max(1L, multiplyAddsPerRow) / 64 * 64;
        return rows >= MIN_BLOCK_ROWS ? (int) Math.min(rows, Integer.MAX_VALUE) : Integer.MAX_VALUE;
    }

    /** The fewest rows {@link #inPlaceRowBlock} puts in a block. */
    int MIN_BLOCK_ROWS = 256;
}
