package org.rnnkernels.blas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain-Java BLAS: the fallback when neither OpenBLAS nor the Vector API is available, and the
 * base {@link VectorBlas} extends (it overrides the fast paths and inherits the rest).
 *
 * <p>The public methods check their arguments ({@link BlasChecks}), apply the BLAS rules for
 * degenerate sizes, and call the unchecked kernels {@link #sgemmK} and {@link #sgemvK}. Loops are
 * ordered so that the innermost one runs along rows (unit stride) wherever the layout allows.
 */
public class ScalarBlas implements Blas {
    /** Unaligned, so heap segments over any array and native segments at any offset are fine. */
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public ScalarBlas() {
    }

    @Override
    public final void sgemm(Transpose transA, Transpose transB, int m, int n, int k,
                            float alpha, MemorySegment a, long aOffset, int lda,
                            MemorySegment b, long bOffset, int ldb,
                            float beta, MemorySegment c, long cOffset, int ldc) {
        BlasChecks.sgemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            // op(A) * op(B) contributes nothing: C = beta * C, A and B not read.
            scaleMatrix(m, n, beta, c, cOffset, ldc);
            return;
        }
        sgemmK(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, a, aOffset, lda,
                b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public final void sgemv(Transpose trans, int m, int n,
                            float alpha, MemorySegment a, long aOffset, int lda,
                            MemorySegment x, long xOffset,
                            float beta, MemorySegment y, long yOffset) {
        BlasChecks.sgemv(trans, m, n, a, aOffset, lda, x, xOffset, y, yOffset);
        boolean t = trans == Transpose.YES;
        int yLength = t ? n : m;
        if (yLength == 0) {
            return;
        }
        if ((t ? m : n) == 0 || alpha == 0f) {
            // y = beta * y, A and x not read.
            scaleMatrix(1, yLength, beta, y, yOffset, yLength);
            return;
        }
        sgemvK(t, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
    }

    @Override
    public BlasInfo info() {
        return new BlasInfo("java-scalar", "pure Java", "plain Java loops", "scalar", 1);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with {@code m, n, k > 0} and {@code alpha != 0};
     * arguments already checked.
     */
    protected void sgemmK(boolean transA, boolean transB, int m, int n, int k,
                          float alpha, MemorySegment a, long aOffset, int lda,
                          MemorySegment b, long bOffset, int ldb,
                          float beta, MemorySegment c, long cOffset, int ldc) {
        scaleMatrix(m, n, beta, c, cOffset, ldc);
        if (!transA && !transB) {
            // i-p-j: C[i, j] += (alpha * A[i, p]) * B[p, j], B and C read along rows.
            for (int i = 0; i < m; i++) {
                long ci = cOffset + (long) i * ldc;
                for (int p = 0; p < k; p++) {
                    float aip = alpha * a.getAtIndex(F, aOffset + (long) i * lda + p);
                    long bp = bOffset + (long) p * ldb;
                    for (int j = 0; j < n; j++) {
                        c.setAtIndex(F, ci + j, c.getAtIndex(F, ci + j) + aip * b.getAtIndex(F, bp + j));
                    }
                }
            }
        } else if (transA && !transB) {
            // p-i-j: C[i, j] += (alpha * A[p, i]) * B[p, j], A, B and C read along rows.
            for (int p = 0; p < k; p++) {
                long bp = bOffset + (long) p * ldb;
                for (int i = 0; i < m; i++) {
                    float api = alpha * a.getAtIndex(F, aOffset + (long) p * lda + i);
                    long ci = cOffset + (long) i * ldc;
                    for (int j = 0; j < n; j++) {
                        c.setAtIndex(F, ci + j, c.getAtIndex(F, ci + j) + api * b.getAtIndex(F, bp + j));
                    }
                }
            }
        } else {
            // op(B) = B^T: C[i, j] += alpha * sum_p op(A)[i, p] * B[j, p]; B[j, :] is a row, so dot products.
            for (int i = 0; i < m; i++) {
                long ci = cOffset + (long) i * ldc;
                for (int j = 0; j < n; j++) {
                    long bj = bOffset + (long) j * ldb;
                    float sum = 0f;
                    if (!transA) {
                        long ai = aOffset + (long) i * lda;
                        for (int p = 0; p < k; p++) {
                            sum += a.getAtIndex(F, ai + p) * b.getAtIndex(F, bj + p);
                        }
                    } else {
                        for (int p = 0; p < k; p++) {
                            sum += a.getAtIndex(F, aOffset + (long) p * lda + i) * b.getAtIndex(F, bj + p);
                        }
                    }
                    c.setAtIndex(F, ci + j, c.getAtIndex(F, ci + j) + alpha * sum);
                }
            }
        }
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y} with both dimensions of {@code op(A)} {@code > 0} and
     * {@code alpha != 0}; arguments already checked.
     */
    protected void sgemvK(boolean trans, int m, int n,
                          float alpha, MemorySegment a, long aOffset, int lda,
                          MemorySegment x, long xOffset,
                          float beta, MemorySegment y, long yOffset) {
        if (!trans) {
            // y[i] = alpha * (A[i, :] . x) + beta * y[i]
            for (int i = 0; i < m; i++) {
                long ai = aOffset + (long) i * lda;
                float sum = 0f;
                for (int j = 0; j < n; j++) {
                    sum += a.getAtIndex(F, ai + j) * x.getAtIndex(F, xOffset + j);
                }
                float yi = beta == 0f ? 0f : beta * y.getAtIndex(F, yOffset + i);
                y.setAtIndex(F, yOffset + i, alpha * sum + yi);
            }
        } else {
            // y = beta * y; then y[j] += (alpha * x[i]) * A[i, j], row by row (axpy form, unit stride).
            scaleMatrix(1, n, beta, y, yOffset, n);
            for (int i = 0; i < m; i++) {
                long ai = aOffset + (long) i * lda;
                float xi = alpha * x.getAtIndex(F, xOffset + i);
                for (int j = 0; j < n; j++) {
                    y.setAtIndex(F, yOffset + j, y.getAtIndex(F, yOffset + j) + xi * a.getAtIndex(F, ai + j));
                }
            }
        }
    }

    /** {@code C = beta * C}; with {@code beta == 0} C is overwritten with zeros, never read (NaN does not survive). */
    static void scaleMatrix(int m, int n, float beta, MemorySegment c, long cOffset, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long ci = cOffset + (long) i * ldc;
            if (beta == 0f) {
                c.asSlice(ci * Float.BYTES, (long) n * Float.BYTES).fill((byte) 0);
            } else {
                for (int j = 0; j < n; j++) {
                    c.setAtIndex(F, ci + j, beta * c.getAtIndex(F, ci + j));
                }
            }
        }
    }
}
