package org.rnnkernels.blas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.simd.Simd;

/**
 * Every BLAS available in this run against a naive triple loop accumulating in double, on odd and
 * prime sizes (tails of every vector width), all transposes, padded leading dimensions, non-zero
 * offsets, and heap and native segments mixed in one call.
 */
class BlasTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * {m, n, k}: a sample of {1, 7, 17, 33, 100, 257} covering each size in each role (m > 96 and
     * k > 256 cross the packed-block boundaries of VectorBlas), plus n > 2048 for its column blocks.
     */
    private static final int[][] GEMM_SHAPES = {
            {1, 1, 1}, {7, 17, 33}, {17, 7, 1}, {33, 100, 7}, {100, 33, 17}, {257, 7, 33},
            {7, 257, 100}, {1, 257, 17}, {1, 33, 100}, {33, 1, 257}, {17, 33, 257}, {100, 17, 100}, {2, 2100, 3},
    };
    /** {m, n} of A. */
    private static final int[][] GEMV_SHAPES = {
            {1, 1}, {7, 33}, {33, 7}, {17, 100}, {100, 17}, {257, 33}, {33, 257}, {1, 257}, {257, 1}, {100, 257},
    };
    /** {alpha, beta}; beta == 0 runs with NaN in C. */
    private static final float[][] SCALARS = {{1f, 0f}, {0.5f, -1.5f}};

    static Stream<Named<Blas>> implementations() {
        List<Named<Blas>> list = new ArrayList<>();
        list.add(Named.of("java-scalar", new ScalarBlas()));
        if (Simd.kind() == Simd.Kind.VECTOR) {
            list.add(Named.of("java-vector", Blases.java()));
        }
        Blases.openBlas().ifPresent(o -> list.add(Named.of("openblas", o)));
        return list.stream();
    }

    @Test
    void openBlasLoadsInThisBuild() {
        if ("java".equals(System.getProperty(Blases.PROPERTY))) {
            return;
        }
        assertTrue(Blases.openBlas().isPresent(), "OpenBLAS must load from the bundled artifact");
        BlasInfo info = Blases.openBlas().get().info();
        assertEquals("openblas", info.implementation());
        assertTrue(info.config().contains("OpenBLAS"), info.config());
        assertFalse(info.coreName().isBlank());
        assertTrue(info.threads() >= 1);
        if (System.getProperty(Blases.PROPERTY) == null) {
            assertEquals("openblas", Blases.get().info().implementation());
        }
    }

    @Test
    void javaBlasFollowsSimd() {
        String expected = Simd.kind() == Simd.Kind.VECTOR ? "org.rnnkernels.blas.VectorBlas" : "org.rnnkernels.blas.ScalarBlas";
        assertEquals(expected, Blases.java().getClass().getName());
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "java-vector" : "java-scalar", Blases.java().info().implementation());
    }

    @Test
    void openBlasThreads() {
        if (Blases.openBlas().isEmpty()) {
            return;
        }
        int before = OpenBlas.threads();
        try {
            OpenBlas.setThreads(1);
            assertEquals(1, OpenBlas.threads());
            assertEquals(1, Blases.openBlas().get().info().threads());
        } finally {
            OpenBlas.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> OpenBlas.setThreads(0));
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void sgemmMatchesNaive(Blas blas) {
        Random random = new Random(42);
        int call = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : GEMM_SHAPES) {
                for (Transpose ta : Transpose.values()) {
                    for (Transpose tb : Transpose.values()) {
                        for (float[] s : SCALARS) {
                            checkGemm(blas, arena, random, ta, tb, shape[0], shape[1], shape[2], s[0], s[1], call++);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void sgemmDegenerateSizes(Blas blas) {
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    // k = 0 and alpha = 0: C = beta * C (NaN cleared when beta = 0).
                    checkGemm(blas, arena, random, ta, tb, 7, 9, 0, 1f, 0f, 0);
                    checkGemm(blas, arena, random, ta, tb, 7, 9, 0, 1f, -1.5f, 1);
                    checkGemm(blas, arena, random, ta, tb, 9, 7, 5, 0f, 0.5f, 2);
                    checkGemm(blas, arena, random, ta, tb, 9, 7, 5, 0f, 0f, 3);
                    // beta = 1: C += alpha * op(A) * op(B).
                    checkGemm(blas, arena, random, ta, tb, 17, 33, 7, 1f, 1f, 4);
                    // m = 0 or n = 0: nothing written.
                    checkGemm(blas, arena, random, ta, tb, 0, 7, 5, 1f, 0f, 0);
                    checkGemm(blas, arena, random, ta, tb, 7, 0, 5, 1f, 0f, 1);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void sgemvMatchesNaive(Blas blas) {
        Random random = new Random(43);
        int call = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : GEMV_SHAPES) {
                for (Transpose t : Transpose.values()) {
                    for (float[] s : SCALARS) {
                        checkGemv(blas, arena, random, t, shape[0], shape[1], s[0], s[1], call++);
                    }
                }
                for (Transpose t : Transpose.values()) {
                    checkGemv(blas, arena, random, t, shape[0], shape[1], 0f, 0.5f, call++);
                }
            }
            for (Transpose t : Transpose.values()) {
                checkGemv(blas, arena, random, t, 0, 5, 1f, 0f, 0);
                checkGemv(blas, arena, random, t, 5, 0, 1f, -1.5f, 1);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void heapAndNativeMixedInOneCall(Blas blas) {
        int m = 33, n = 17, k = 100;
        Random random = new Random(3);
        float[] a = randoms(random, m * k), b = randoms(random, k * n);
        float[] expected = new float[m * n];
        naiveGemm(Transpose.NO, Transpose.NO, m, n, k, 1f, a, 0, k, b, 0, n, 0f, expected, 0, n, null);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment aNative = arena.allocate((long) a.length * Float.BYTES, 64);
            MemorySegment.copy(a, 0, aNative, F, 0, a.length);
            MemorySegment cNative = arena.allocate((long) m * n * Float.BYTES, 64);
            // native A, heap B, native C
            blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, aNative, 0, k, MemorySegment.ofArray(b), 0, n,
                    0f, cNative, 0, n);
            assertClose(expected, cNative.toArray(F), k, "native A, heap B, native C");
            // heap A, native B, heap C
            MemorySegment bNative = arena.allocate((long) b.length * Float.BYTES, 64);
            MemorySegment.copy(b, 0, bNative, F, 0, b.length);
            float[] c = new float[m * n];
            blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, MemorySegment.ofArray(a), 0, k, bNative, 0, n,
                    0f, MemorySegment.ofArray(c), 0, n);
            assertClose(expected, c, k, "heap A, native B, heap C");
            // the float[] convenience form
            float[] c2 = new float[m * n];
            blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c2, 0, n);
            assertClose(expected, c2, k, "float[] form");
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void badArgumentsThrowBeforeWriting(Blas blas) {
        // A is 17x33 (NO), B 33x9, C 17x9; every call below has exactly one thing wrong.
        int m = 17, n = 9, k = 33;
        float[] a = new float[600], b = new float[k * n], c = new float[m * n + 4];
        Arrays.fill(c, 3f);
        float[] before = c.clone();
        MemorySegment as = MemorySegment.ofArray(a), bs = MemorySegment.ofArray(b), cs = MemorySegment.ofArray(c);
        Transpose no = Transpose.NO;

        IllegalArgumentException e = bad(c, before, "a", () -> blas.sgemm(no, no, m, n, k, 1f, as, 5, 40, bs, 0, n, 0f, cs, 0, n));
        assertEquals("a: 17x33 matrix with lda=40 at offset 5 needs 678 floats, segment has 600", e.getMessage());
        bad(c, before, "a", () -> blas.sgemm(no, no, m, n, k, 1f, null, 0, k, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "lda", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k - 1, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "lda", () -> blas.sgemm(Transpose.YES, no, m, n, k, 1f, as, 0, m - 1, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "ldb", () -> blas.sgemm(no, Transpose.YES, m, n, k, 1f, as, 0, k, bs, 0, k - 1, 0f, cs, 0, n));
        bad(c, before, "ldc", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs, 0, n - 1));
        bad(c, before, "b", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k, bs, 1, n, 0f, cs, 0, n));
        bad(c, before, "c", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs, 5, n));
        bad(c, before, "c", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs.asReadOnly(), 0, n));
        bad(c, before, "cOffset", () -> blas.sgemm(no, no, m, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs, -1, n));
        bad(c, before, "m", () -> blas.sgemm(no, no, -1, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "n", () -> blas.sgemm(no, no, m, -2, k, 1f, as, 0, k, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "k", () -> blas.sgemm(no, no, m, n, -3, 1f, as, 0, k, bs, 0, n, 0f, cs, 0, n));
        bad(c, before, "transA", () -> blas.sgemm(null, no, m, n, k, 1f, as, 0, k, bs, 0, n, 0f, cs, 0, n));

        // sgemv: A 17x33, x 33, y 17 (NO)
        bad(c, before, "x", () -> blas.sgemv(no, m, k, 1f, as, 0, k, MemorySegment.ofArray(new float[k - 1]), 0, 0f, cs, 0));
        bad(c, before, "y", () -> blas.sgemv(no, m, k, 1f, as, 0, k, bs, 0, 0f, cs, c.length - m + 1));
        bad(c, before, "y", () -> blas.sgemv(Transpose.YES, m, k, 1f, as, 0, k, bs, 0, 0f, cs, c.length - k + 1));
        bad(c, before, "lda", () -> blas.sgemv(no, m, k, 1f, as, 0, k - 1, bs, 0, 0f, cs, 0));
        bad(c, before, "a", () -> blas.sgemv(no, m, k, 1f, as, 100, k, bs, 0, 0f, cs, 0));
        bad(c, before, "trans", () -> blas.sgemv(null, m, k, 1f, as, 0, k, bs, 0, 0f, cs, 0));
    }

    private static IllegalArgumentException bad(float[] c, float[] before, String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(argument + ":"), () -> "expected '" + argument + ":' in: " + e.getMessage());
        assertArrayEquals(before, c, "C written before the check failed");
        return e;
    }

    // ---- the checks against the naive reference

    private static void checkGemm(Blas blas, Arena arena, Random random, Transpose ta, Transpose tb,
                                  int m, int n, int k, float alpha, float beta, int call) {
        boolean tA = ta == Transpose.YES, tB = tb == Transpose.YES;
        int aRows = tA ? k : m, aCols = tA ? m : k;
        int bRows = tB ? n : k, bCols = tB ? k : n;
        // Leading dimensions larger than needed, non-zero offsets.
        int lda = aCols + 3, ldb = bCols + 1 + call % 5, ldc = n + 2;
        int aOff = 5, bOff = call % 7, cOff = 3;
        float[] a = randoms(random, aOff + aRows * lda);
        float[] b = randoms(random, bOff + bRows * ldb);
        float[] c = randoms(random, cOff + m * ldc + 4);
        if (beta == 0f) {
            Arrays.fill(c, Float.NaN);
        }
        float[] expected = c.clone();
        double[] scale = new double[m * n];
        naiveGemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc, scale);
        // Rotate heap / native per operand so every combination is exercised.
        MemorySegment as = segment(arena, a, call % 2 == 0);
        MemorySegment bs = segment(arena, b, call % 4 < 2);
        MemorySegment cs = segment(arena, c, call % 3 == 0);
        blas.sgemm(ta, tb, m, n, k, alpha, as, aOff, lda, bs, bOff, ldb, beta, cs, cOff, ldc);
        float[] got = cs.toArray(F);
        String what = blas.info().implementation() + " sgemm " + ta + tb + " " + m + "x" + n + "x" + k
                + " alpha=" + alpha + " beta=" + beta;
        for (int i = 0; i < got.length; i++) {
            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (!inside) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                        what + ": element " + i + " outside C was written");
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int idx = cOff + i * ldc + j;
                double tol = 1e-5 * Math.max(1, k) * scale[i * n + j] + 1e-30;
                if (!(Math.abs(got[idx] - expected[idx]) <= tol)) {
                    fail(what + ": C[" + i + ", " + j + "] = " + got[idx] + ", expected " + expected[idx] + " +- " + tol);
                }
            }
        }
    }

    private static void checkGemv(Blas blas, Arena arena, Random random, Transpose t, int m, int n,
                                  float alpha, float beta, int call) {
        boolean tr = t == Transpose.YES;
        int xLen = tr ? m : n, yLen = tr ? n : m;
        int lda = n + 1 + call % 3, aOff = 2, xOff = call % 5, yOff = 1;
        float[] a = randoms(random, aOff + m * lda);
        float[] x = randoms(random, xOff + xLen + 2);
        float[] y = randoms(random, yOff + yLen + 3);
        if (beta == 0f) {
            Arrays.fill(y, Float.NaN);
        }
        float[] expected = y.clone();
        double[] scale = new double[yLen];
        for (int i = 0; i < yLen; i++) {
            double sum = 0, abs = 0;
            for (int p = 0; p < xLen; p++) {
                double av = tr ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                sum += av * x[xOff + p];
                abs += Math.abs(av * x[xOff + p]);
            }
            double old = beta == 0f ? 0 : (double) beta * y[yOff + i];
            expected[yOff + i] = (float) (alpha * sum + old);
            scale[i] = Math.abs(alpha) * abs + Math.abs(old);
        }
        MemorySegment as = segment(arena, a, call % 2 == 0);
        MemorySegment xs = segment(arena, x, call % 3 == 0);
        MemorySegment ys = segment(arena, y, call % 4 < 2);
        blas.sgemv(t, m, n, alpha, as, aOff, lda, xs, xOff, beta, ys, yOff);
        float[] got = ys.toArray(F);
        String what = blas.info().implementation() + " sgemv " + t + " " + m + "x" + n + " alpha=" + alpha + " beta=" + beta;
        for (int i = 0; i < got.length; i++) {
            boolean inside = i >= yOff && i < yOff + yLen;
            if (!inside) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), what + ": y[" + i + "] outside written");
            } else {
                double tol = 1e-5 * Math.max(1, xLen) * scale[i - yOff] + 1e-30;
                if (!(Math.abs(got[i] - expected[i]) <= tol)) {
                    fail(what + ": y[" + (i - yOff) + "] = " + got[i] + ", expected " + expected[i] + " +- " + tol);
                }
            }
        }
    }

    /**
     * The reference: C = alpha * op(A) * op(B) + beta * C, accumulated in double; C not read when beta
     * is 0. {@code scale} (may be null) receives |alpha| * sum_p |op(A)[i, p] * op(B)[p, j]| + |beta * C[i, j]|,
     * the size rounding errors scale with.
     */
    private static void naiveGemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc, double[] scale) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double product = (double) opA(ta, a, aOff, lda, i, p) * opB(tb, b, bOff, ldb, p, j);
                    sum += product;
                    abs += Math.abs(product);
                }
                double old = beta == 0f ? 0 : (double) beta * c[cOff + i * ldc + j];
                c[cOff + i * ldc + j] = (float) (alpha * sum + old);
                if (scale != null) {
                    scale[i * n + j] = Math.abs(alpha) * abs + Math.abs(old);
                }
            }
        }
    }

    private static float opA(Transpose t, float[] a, int off, int ld, int i, int p) {
        return t == Transpose.YES ? a[off + p * ld + i] : a[off + i * ld + p];
    }

    private static float opB(Transpose t, float[] b, int off, int ld, int p, int j) {
        return t == Transpose.YES ? b[off + j * ld + p] : b[off + p * ld + j];
    }

    private static void assertClose(float[] expected, float[] got, int k, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * k * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - got[i]) <= tol, what + ": element " + i + " = " + got[i] + ", expected " + expected[i]);
        }
    }

    /** {@code values} as a heap segment, or copied into a native one of {@code arena}. */
    static MemorySegment segment(Arena arena, float[] values, boolean offHeap) {
        if (!offHeap) {
            return MemorySegment.ofArray(values);
        }
        MemorySegment s = arena.allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, F, 0, values.length);
        return s;
    }

    /** Uniform in [-1, 1). */
    static float[] randoms(Random random, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextFloat() * 2f - 1f;
        }
        return v;
    }
}
