package org.rnnkernels.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.OpenBlas.Route;

/**
 * The three ways {@link OpenBlas} reaches OpenBLAS (critical on the operands as they are, plain on native
 * operands, plain on off-heap copies of the heap operands) give the same bits for the same call, and the
 * public entry points choose the copy for large calls with heap operands only.
 *
 * <p>Bit equality is the claim the copy rests on: the same kernel on the same values at other addresses.
 * Every comparison is over the whole output array, so a write outside {@code C} (or {@code y}), or a
 * copy-back that forgot {@code C}'s prior contents, fails it as a wrong value would.
 */
class OpenBlasRouteTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** {m, n, k}: OpenBLAS's small-matrix sizes and its blocked driver (k > 256, m > 100), prime edges. */
    private static final int[][] GEMM_SHAPES = {
            {1, 1, 1}, {7, 17, 33}, {33, 1, 257}, {100, 33, 17}, {257, 70, 300}, {129, 257, 65}, {400, 96, 513},
    };
    private static final int[][] GEMV_SHAPES = {{1, 1}, {7, 33}, {257, 33}, {33, 257}, {1000, 129}, {129, 1000}};
    /** {alpha, beta}: beta 0 (C filled with NaN, not read), -1.5 and 1 (C's prior contents kept). */
    private static final float[][] SCALARS = {{1f, 0f}, {0.5f, -1.5f}, {1f, 1f}};

    private static OpenBlas blas;

    @BeforeAll
    static void load() {
        assumeTrue(!"java".equals(System.getProperty(Blases.PROPERTY)), "the run forces the Java BLAS");
        blas = OpenBlas.load().orElse(null);
        assumeTrue(blas != null, "OpenBLAS does not load here");
    }

    @Test
    void routeFollowsOperandsAndWork() {
        long limit = 1000;
        assertEquals(Route.PLAIN, OpenBlas.route(true, 0, limit));
        assertEquals(Route.PLAIN, OpenBlas.route(true, Long.MAX_VALUE, limit));
        assertEquals(Route.CRITICAL, OpenBlas.route(false, 0, limit));
        assertEquals(Route.CRITICAL, OpenBlas.route(false, limit, limit));
        assertEquals(Route.COPIED, OpenBlas.route(false, limit + 1, limit));
    }

    @Test
    void sgemmRoutesGiveTheSameBits() {
        Random random = new Random(5);
        int call = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : GEMM_SHAPES) {
                for (Transpose ta : Transpose.values()) {
                    for (Transpose tb : Transpose.values()) {
                        for (float[] s : SCALARS) {
                            sameBitsGemm(arena, random, ta, tb, shape[0], shape[1], shape[2], s[0], s[1], call++);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sgemvRoutesGiveTheSameBits() {
        Random random = new Random(6);
        int call = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : GEMV_SHAPES) {
                for (Transpose t : Transpose.values()) {
                    for (float[] s : SCALARS) {
                        sameBitsGemv(arena, random, t, shape[0], shape[1], s[0], s[1], call++);
                    }
                }
            }
        }
    }

    @Test
    void copiedColumnBlockLeavesTheOtherColumnsAlone() {
        // A team member's block of the input projection: columns [64, 128) of a 192-wide C, beta 0.
        int m = 37, k = 45, width = 192, from = 64, n = 64;
        Random random = new Random(9);
        float[] a = randoms(random, m * k), b = randoms(random, width * k);
        float[] c1 = randoms(random, m * width), c2 = c1.clone();
        blas.sgemm(Route.CRITICAL, Transpose.NO, Transpose.YES, m, n, k, 1f, heap(a), 0, k, heap(b), (long) from * k, k,
                0f, heap(c1), from, width);
        blas.sgemm(Route.COPIED, Transpose.NO, Transpose.YES, m, n, k, 1f, heap(a), 0, k, heap(b), (long) from * k, k,
                0f, heap(c2), from, width);
        assertSameBits(c1, c2, "column block");
    }

    @Test
    void largeHeapCallsAreCopiedAndNativeOrSmallOnesAreNot() {
        // 512 x 320 x 512 = 84M multiply-adds > 2^26.
        int m = 512, n = 320, k = 512;
        assertTrue((long) m * n * k > OpenBlas.SGEMM_COPY_ABOVE);
        Random random = new Random(12);
        float[] a = randoms(random, m * k), b = randoms(random, k * n);
        float[] c = randoms(random, m * n), expected = c.clone();
        blas.sgemm(Route.CRITICAL, Transpose.NO, Transpose.NO, m, n, k, 1f, heap(a), 0, k, heap(b), 0, n,
                0.5f, heap(expected), 0, n);

        long before = OpenBlas.COPIED_CALLS.get();
        blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, heap(a), 0, k, heap(b), 0, n, 0.5f, heap(c), 0, n);
        assertEquals(before + 1, OpenBlas.COPIED_CALLS.get(), "a large sgemm on heap segments is copied");
        assertSameBits(expected, c, "large heap sgemm");

        try (Arena arena = Arena.ofConfined()) {
            // Native A, heap B and C: still a heap operand, still copied (B and C only).
            MemorySegment aNative = nativeCopy(arena, a);
            float[] c2 = c.clone();
            float[] expected2 = c2.clone();
            blas.sgemm(Route.CRITICAL, Transpose.NO, Transpose.NO, m, n, k, 1f, aNative, 0, k, heap(b), 0, n,
                    1f, heap(expected2), 0, n);
            before = OpenBlas.COPIED_CALLS.get();
            blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, aNative, 0, k, heap(b), 0, n, 1f, heap(c2), 0, n);
            assertEquals(before + 1, OpenBlas.COPIED_CALLS.get(), "a large sgemm with one heap operand is copied");
            assertSameBits(expected2, c2, "large mixed sgemm");

            // All native: plain, nothing to copy.
            MemorySegment cNative = nativeCopy(arena, c);
            before = OpenBlas.COPIED_CALLS.get();
            blas.sgemm(Transpose.NO, Transpose.NO, m, n, k, 1f, aNative, 0, k, nativeCopy(arena, b), 0, n,
                    0f, cNative, 0, n);
            assertEquals(before, OpenBlas.COPIED_CALLS.get(), "an all-native sgemm is not copied");
        }

        // Small heap call: critical, not copied.
        before = OpenBlas.COPIED_CALLS.get();
        blas.sgemm(Transpose.NO, Transpose.NO, 64, 64, 64, 1f, heap(a), 0, 64, heap(b), 0, 64, 0f, heap(c), 0, 64);
        assertEquals(before, OpenBlas.COPIED_CALLS.get(), "a small heap sgemm stays critical");
    }

    @Test
    void largeHeapSgemvIsCopied() {
        // 4200 x 4000 = 16.8M multiply-adds > 2^24.
        int m = 4200, n = 4000;
        assertTrue((long) m * n > OpenBlas.SGEMV_COPY_ABOVE);
        Random random = new Random(13);
        float[] a = randoms(random, m * n), x = randoms(random, m);
        float[] y = randoms(random, n), expected = y.clone();
        blas.sgemv(Route.CRITICAL, Transpose.YES, m, n, 1f, heap(a), 0, n, heap(x), 0, 1f, heap(expected), 0);
        long before = OpenBlas.COPIED_CALLS.get();
        blas.sgemv(Transpose.YES, m, n, 1f, heap(a), 0, n, heap(x), 0, 1f, heap(y), 0);
        assertEquals(before + 1, OpenBlas.COPIED_CALLS.get(), "a large sgemv on heap segments is copied");
        assertSameBits(expected, y, "large heap sgemv");

        before = OpenBlas.COPIED_CALLS.get();
        blas.sgemv(Transpose.YES, 100, n, 1f, heap(a), 0, n, heap(x), 0, 1f, heap(y), 0);
        assertEquals(before, OpenBlas.COPIED_CALLS.get(), "a small heap sgemv stays critical");
    }

    @Test
    void warmedCopiedCallsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        int m = 9, n = 7, k = 5;
        Random random = new Random(14);
        MemorySegment a = heap(randoms(random, 2 + m * k)), b = heap(randoms(random, 3 + k * n));
        MemorySegment c = heap(randoms(random, 1 + m * n)), x = heap(randoms(random, k)), y = heap(randoms(random, m));
        // Until C2 has compiled the path (the interpreter and C1 box), up to 200 rounds of 1000 calls; one
        // round with no byte allocated passes.
        long thread = Thread.currentThread().threadId();
        for (int round = 0; round < 200; round++) {
            long start = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 1000; i++) {
                blas.sgemm(Route.COPIED, Transpose.NO, Transpose.NO, m, n, k, 1f, a, 2, k, b, 3, n, 1f, c, 1, n);
                blas.sgemv(Route.COPIED, Transpose.NO, m, k, 1f, a, 2, k, x, 0, 0.5f, y, 0);
            }
            if (threads.getThreadAllocatedBytes(thread) == start) {
                return;
            }
        }
        fail("copied sgemm/sgemv calls still allocate after 200000 calls");
    }

    // ---- the comparisons

    private static void sameBitsGemm(Arena arena, Random random, Transpose ta, Transpose tb,
                                     int m, int n, int k, float alpha, float beta, int call) {
        boolean tA = ta == Transpose.YES, tB = tb == Transpose.YES;
        int aRows = tA ? k : m, aCols = tA ? m : k;
        int bRows = tB ? n : k, bCols = tB ? k : n;
        // Padded leading dimensions and offsets on some calls, tight ones on others (one bulk copy).
        boolean padded = call % 2 == 0;
        int lda = aCols + (padded ? 3 : 0), ldb = bCols + (padded ? 1 + call % 5 : 0), ldc = n + (padded ? 2 : 0);
        int aOff = padded ? 5 : 0, bOff = call % 7, cOff = padded ? 3 : 1;
        float[] a = randoms(random, aOff + aRows * lda);
        float[] b = randoms(random, bOff + bRows * ldb);
        float[] c = randoms(random, cOff + m * ldc + 4);
        if (beta == 0f) {
            Arrays.fill(c, cOff, cOff + m * ldc, Float.NaN);
        }
        String what = "sgemm " + ta + tb + " " + m + "x" + n + "x" + k + " alpha=" + alpha + " beta=" + beta
                + (padded ? " padded" : "");

        float[] critical = c.clone();
        blas.sgemm(Route.CRITICAL, ta, tb, m, n, k, alpha, heap(a), aOff, lda, heap(b), bOff, ldb, beta, heap(critical), cOff, ldc);
        float[] copied = c.clone();
        blas.sgemm(Route.COPIED, ta, tb, m, n, k, alpha, heap(a), aOff, lda, heap(b), bOff, ldb, beta, heap(copied), cOff, ldc);
        assertSameBits(critical, copied, what + ": copied against critical");

        MemorySegment cNative = nativeCopy(arena, c);
        blas.sgemm(Route.PLAIN, ta, tb, m, n, k, alpha, nativeCopy(arena, a), aOff, lda, nativeCopy(arena, b), bOff, ldb,
                beta, cNative, cOff, ldc);
        assertSameBits(critical, cNative.toArray(F), what + ": plain on native against critical");

        // One heap operand among native ones: only it is copied.
        float[] mixed = c.clone();
        blas.sgemm(Route.COPIED, ta, tb, m, n, k, alpha, nativeCopy(arena, a), aOff, lda, heap(b), bOff, ldb,
                beta, heap(mixed), cOff, ldc);
        assertSameBits(critical, mixed, what + ": copied, native A");
    }

    private static void sameBitsGemv(Arena arena, Random random, Transpose t, int m, int n,
                                     float alpha, float beta, int call) {
        boolean tr = t == Transpose.YES;
        int xLength = tr ? m : n, yLength = tr ? n : m;
        boolean padded = call % 2 == 0;
        int lda = n + (padded ? 1 + call % 3 : 0), aOff = padded ? 2 : 0, xOff = call % 5, yOff = 1;
        float[] a = randoms(random, aOff + m * lda);
        float[] x = randoms(random, xOff + xLength + 2);
        float[] y = randoms(random, yOff + yLength + 3);
        if (beta == 0f) {
            // What the public sgemv does before any route: BLAS does not read y when beta is 0.
            Arrays.fill(y, yOff, yOff + yLength, 0f);
        }
        String what = "sgemv " + t + " " + m + "x" + n + " alpha=" + alpha + " beta=" + beta + (padded ? " padded" : "");

        float[] critical = y.clone();
        blas.sgemv(Route.CRITICAL, t, m, n, alpha, heap(a), aOff, lda, heap(x), xOff, beta, heap(critical), yOff);
        float[] copied = y.clone();
        blas.sgemv(Route.COPIED, t, m, n, alpha, heap(a), aOff, lda, heap(x), xOff, beta, heap(copied), yOff);
        assertSameBits(critical, copied, what + ": copied against critical");

        MemorySegment yNative = nativeCopy(arena, y);
        blas.sgemv(Route.PLAIN, t, m, n, alpha, nativeCopy(arena, a), aOff, lda, nativeCopy(arena, x), xOff,
                beta, yNative, yOff);
        assertSameBits(critical, yNative.toArray(F), what + ": plain on native against critical");

        float[] mixed = y.clone();
        blas.sgemv(Route.COPIED, t, m, n, alpha, nativeCopy(arena, a), aOff, lda, heap(x), xOff, beta, heap(mixed), yOff);
        assertSameBits(critical, mixed, what + ": copied, native A");
    }

    private static void assertSameBits(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": element " + i + " = " + got[i] + ", expected " + expected[i] + " bit for bit");
            }
        }
    }

    private static MemorySegment heap(float[] values) {
        return MemorySegment.ofArray(values);
    }

    private static MemorySegment nativeCopy(Arena arena, float[] values) {
        return BlasTest.segment(arena, values, true);
    }

    private static float[] randoms(Random random, int size) {
        return BlasTest.randoms(random, size);
    }
}
