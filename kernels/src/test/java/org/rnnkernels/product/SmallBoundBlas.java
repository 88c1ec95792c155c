package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.BlasInfo;

/**
 * A BLAS that reports a small in-place bound ({@link Blas#inPlaceMultiplyAdds}), so that the callers' row blocks
 * appear on small shapes, and records its sgemm calls; the products are the wrapped BLAS's.
 */
public final class SmallBoundBlas implements Blas {
    private final Blas inner;
    private final long bound;
    /** sgemm calls so far. */
    public int sgemmCalls;
    /** The {@code k} (rows summed) of every sgemm with a transposed {@code A} (a weight gradient {@code dG^T X}), in order. */
    public final List<Integer> transposedARows = new ArrayList<>();

    public SmallBoundBlas(Blas inner, long bound) {
        this.inner = inner;
        this.bound = bound;
    }

    @Override
    public void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha, MemorySegment a,
                      long aOffset, int lda, MemorySegment b, long bOffset, int ldb, float beta, MemorySegment c,
                      long cOffset, int ldc) {
        sgemmCalls++;
        if (transA == Transpose.YES) {
            transposedARows.add(k);
        }
        inner.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public void sgemv(Transpose trans, int m, int n, float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment x, long xOffset, float beta, MemorySegment y, long yOffset) {
        inner.sgemv(trans, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
    }

    @Override
    public BlasInfo info() {
        return inner.info();
    }

    @Override
    public long inPlaceMultiplyAdds() {
        return bound;
    }
}
