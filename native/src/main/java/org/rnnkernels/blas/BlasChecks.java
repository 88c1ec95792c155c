package org.rnnkernels.blas;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks every {@link Blas} implementation runs at its public edge, before any element is
 * read or written: a bad call into native code would crash the JVM instead of throwing, and a Java
 * kernel that fails half-way would leave {@code C} half-written.
 *
 * <p>Rules are those of row-major CBLAS: sizes {@code >= 0}; a matrix stored {@code rows x cols}
 * needs {@code ld >= max(1, cols)}; the last float touched, {@code offset + (rows - 1) * ld + cols - 1},
 * must lie inside the segment. A matrix with no element touched (a zero size) needs no floats.
 * Messages name the argument, the shape and what was expected.
 */
public final class BlasChecks {
    private BlasChecks() {
    }

    /** Checks the arguments of {@link Blas#sgemm}; {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}. */
    public static void sgemm(Blas.Transpose transA, Blas.Transpose transB, int m, int n, int k,
                             MemorySegment a, long aOffset, int lda,
                             MemorySegment b, long bOffset, int ldb,
                             MemorySegment c, long cOffset, int ldc) {
        notNull("transA", transA);
        notNull("transB", transB);
        size("m", m);
        size("n", n);
        size("k", k);
        // Row-major storage: op(A) = A is stored m x k, op(A) = A^T is stored k x m.
        boolean ta = transA == Blas.Transpose.YES;
        boolean tb = transB == Blas.Transpose.YES;
        matrix("a", "lda", ta ? "transA=YES" : null, a, aOffset, ta ? k : m, ta ? m : k, lda);
        matrix("b", "ldb", tb ? "transB=YES" : null, b, bOffset, tb ? n : k, tb ? k : n, ldb);
        matrix("c", "ldc", null, c, cOffset, m, n, ldc);
        writable("c", c, m, n);
    }

    /** Checks the arguments of {@link Blas#sgemv}; {@code A} is stored {@code m x n}. */
    public static void sgemv(Blas.Transpose trans, int m, int n,
                             MemorySegment a, long aOffset, int lda,
                             MemorySegment x, long xOffset,
                             MemorySegment y, long yOffset) {
        notNull("trans", trans);
        size("m", m);
        size("n", n);
        matrix("a", "lda", null, a, aOffset, m, n, lda);
        boolean t = trans == Blas.Transpose.YES;
        int xLength = t ? m : n;
        int yLength = t ? n : m;
        vector("x", x, xOffset, xLength);
        vector("y", y, yOffset, yLength);
        writable("y", y, yLength, 1);
    }

    /**
     * A row-major matrix stored {@code rows x cols} with leading dimension {@code ld} at float
     * {@code offset} of {@code segment}.
     *
     * @param how a note for messages (e.g. {@code "transA=YES"}), or null
     */
    public static void matrix(String name, String ldName, String how, MemorySegment segment, long offset,
                              int rows, int cols, int ld) {
        notNull(name, segment);
        offset(name, offset);
        // The shape is formatted only for a message: a correct call (one per step) allocates nothing.
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(ldName + ": " + ld + " is less than max(1, " + cols
                    + "), the row length of " + name + ", a " + shape(rows, cols, how) + " matrix");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        // Last float touched: row rows-1, column cols-1.
        long needed = offset + (long) (rows - 1) * ld + cols;
        long has = floats(segment);
        if (needed > has) {
            throw new IllegalArgumentException(name + ": " + shape(rows, cols, how) + " matrix with " + ldName + "=" + ld
                    + " at offset " + offset + " needs " + needed + " floats, segment has " + has);
        }
    }

    private static String shape(int rows, int cols, String how) {
        return rows + "x" + cols + (how == null ? "" : " (" + how + ")");
    }

    /** A contiguous vector of {@code length} floats at float {@code offset} of {@code segment}. */
    public static void vector(String name, MemorySegment segment, long offset, long length) {
        notNull(name, segment);
        offset(name, offset);
        if (length == 0) {
            return;
        }
        long needed = offset + length;
        long has = floats(segment);
        if (needed > has) {
            throw new IllegalArgumentException(name + ": vector of " + length + " floats at offset " + offset
                    + " needs " + needed + " floats, segment has " + has);
        }
    }

    private static void writable(String name, MemorySegment segment, long rows, long cols) {
        if (rows > 0 && cols > 0 && segment.isReadOnly()) {
            throw new IllegalArgumentException(name + ": segment is read-only, but it is written");
        }
    }

    private static long floats(MemorySegment segment) {
        return segment.byteSize() / Float.BYTES;
    }

    private static void size(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": must be >= 0, got " + value);
        }
    }

    private static void offset(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + "Offset: must be >= 0, got " + value);
        }
    }

    private static void notNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": is null");
        }
    }
}
