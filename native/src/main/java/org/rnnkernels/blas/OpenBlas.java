package org.rnnkernels.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * OpenBLAS through FFM downcalls ({@code cblas_sgemm}, {@code cblas_sgemv}), loaded by
 * {@link OpenBlasLibrary}. Arguments are checked with {@link BlasChecks} first: an out-of-bounds read in
 * native code crashes the JVM.
 *
 * <p><b>Two handles per routine, and why.</b> A downcall linked {@link Linker.Option#critical(boolean)
 * critical(true)} makes no thread-state transition and may be passed heap segments
 * ({@link MemorySegment#ofArray(float[])}) without a copy; but its thread stays "in Java" for the whole
 * native call, so no safepoint, hence no stop-the-world GC pause (G1's or ZGC's), can begin until it
 * returns, and every other thread that needs one waits. The JDK documents the option for functions with
 * "an extremely short running time". A plain downcall moves its thread to "in native", where safepoints
 * go on without it, but it takes only native segments. So each call is routed ({@link #route}):
 * <ul>
 *   <li>only native operands: the plain handle, no copy;</li>
 *   <li>a heap operand and at most {@link #SGEMM_COPY_ABOVE} multiply-adds ({@code m*n*k}, 2^26 unless
 *       {@code -Drnk.blas.criticalMultiplyAdds} says otherwise; sgemv: {@value #SGEMV_COPY_ABOVE},
 *       {@code m*n}): the critical handle, zero-copy, as the small calls of a
 *       streaming step need (batch 1, microseconds);</li>
 *   <li>a heap operand and more work: each heap operand is copied into an off-heap workspace of the
 *       calling thread (grown on demand, kept for the thread's later calls: no allocation per call once
 *       warmed), the plain handle runs, and a heap {@code C} (or {@code y}) is copied back.</li>
 * </ul>
 * A thread's workspace keeps the largest operands it has copied in each role until the thread ends
 * (about 90 MB for the training step measured below); many short-lived threads making large calls on
 * heap arrays would each grow one.
 *
 * <p>Cost and benefit, measured with {@code GcStallProbe} (docs/gc-stall.md; GRU, {@code T*B = 12800},
 * {@code G*H = 768}, {@code I = 256}, one OpenBLAS thread, AVX-512). Before, with every call critical,
 * the median safepoint another thread asked for waited 28 ms (G1) or 31 ms (ZGC) for the input
 * projection or weight gradient to return, the worst a whole call; after, the median wait is that of a
 * JVM running no BLAS at all (0.01 ms G1, 0.10 ms ZGC). The copy moves {@code mk + kn + mn} floats (heap operands
 * only; {@code C} in only when {@code beta != 0}) for the call's {@code mnk} multiply-adds, about
 * {@code 1/m + 1/n + 1/k} floats per multiply-add: 53 MB for the projection's 2.5 G multiply-adds,
 * measured +4.3 ms on 30.4 ms of CPU (+14%), +13% for the weight gradient. An sgemv reads {@code A}
 * once, so its copy costs most (2.75x the call measured), hence its higher bound. Layers that keep
 * their large operands in native memory pay neither.
 *
 * <p>The routes give the same bits: the same OpenBLAS kernel runs on the same values, only their
 * addresses (and a compact leading dimension for a copied operand) differ; {@code OpenBlasRouteTest}
 * checks it.
 *
 * <p>The thread count ({@link #setThreads}) is global to the library, as in OpenBLAS itself.
 */
@SuppressWarnings("restricted") // downcalls: the point of this class; callers need --enable-native-access
public final class OpenBlas implements Blas {
    private static final int ROW_MAJOR = 101;

    /** Downcall handles as constants, so calls fold to a direct native call. Initialized only after a load succeeded. */
    private static final class Native {
        static final String SOURCE;
        /** {@code critical(true)}: heap segments allowed, safepoints held off for the call. */
        static final MethodHandle SGEMM_CRITICAL;
        static final MethodHandle SGEMV_CRITICAL;
        /** No options: native segments only, safepoints go on during the call. */
        static final MethodHandle SGEMM;
        static final MethodHandle SGEMV;
        static final MethodHandle SET_THREADS;
        static final MethodHandle GET_THREADS;
        static final MethodHandle GET_CONFIG;
        static final MethodHandle GET_CORENAME;

        static {
            OpenBlasLibrary.Loaded loaded = OpenBlasLibrary.load();
            SOURCE = loaded.source();
            SymbolLookup lookup = loaded.lookup();
            Linker linker = Linker.nativeLinker();
            Linker.Option critical = Linker.Option.critical(true);
            // void cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
            MemorySegment sgemm = find(lookup, "cblas_sgemm");
            FunctionDescriptor sgemmType = FunctionDescriptor.ofVoid(
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT);
            SGEMM_CRITICAL = linker.downcallHandle(sgemm, sgemmType, critical);
            SGEMM = linker.downcallHandle(sgemm, sgemmType);
            // void cblas_sgemv(order, trans, M, N, alpha, A, lda, X, incX, beta, Y, incY)
            MemorySegment sgemv = find(lookup, "cblas_sgemv");
            FunctionDescriptor sgemvType = FunctionDescriptor.ofVoid(
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT);
            SGEMV_CRITICAL = linker.downcallHandle(sgemv, sgemvType, critical);
            SGEMV = linker.downcallHandle(sgemv, sgemvType);
            SET_THREADS = linker.downcallHandle(find(lookup, "openblas_set_num_threads"),
                    FunctionDescriptor.ofVoid(JAVA_INT));
            GET_THREADS = linker.downcallHandle(find(lookup, "openblas_get_num_threads"),
                    FunctionDescriptor.of(JAVA_INT));
            GET_CONFIG = linker.downcallHandle(find(lookup, "openblas_get_config"),
                    FunctionDescriptor.of(ADDRESS));
            GET_CORENAME = linker.downcallHandle(find(lookup, "openblas_get_corename"),
                    FunctionDescriptor.of(ADDRESS));
        }

        private static MemorySegment find(SymbolLookup lookup, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalStateException(name + " not found in " + SOURCE));
        }
    }

    private static volatile OpenBlas instance;

    private OpenBlas() {
        String config = string(Native.GET_CONFIG);
        // The descriptors above pass 32-bit ints; an ILP64 build (64-bit blasint) would misread them.
        if (config.contains("USE64BITINT")) {
            throw new IllegalStateException(Native.SOURCE + " is an ILP64 build (" + config + "); a 32-bit-int OpenBLAS is needed");
        }
    }

    /**
     * The OpenBLAS binding, or empty when no library loads.
     *
     * @throws IllegalStateException when {@value OpenBlasLibrary#PATH_PROPERTY} names a file that does not load
     */
    public static Optional<OpenBlas> load() {
        OpenBlas o = instance;
        if (o == null) {
            if (OpenBlasLibrary.load() == null) {
                return Optional.empty();
            }
            synchronized (OpenBlas.class) {
                o = instance;
                if (o == null) {
                    o = new OpenBlas();
                    instance = o;
                }
            }
        }
        return Optional.of(o);
    }

    /** Sets the number of threads OpenBLAS uses for every later call, in this whole process. */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
        requireLoaded();
        try {
            Native.SET_THREADS.invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The number of threads OpenBLAS uses for one call. */
    public static int threads() {
        requireLoaded();
        try {
            return (int) Native.GET_THREADS.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openblas_get_config()}: version and build options. */
    public static String config() {
        requireLoaded();
        return string(Native.GET_CONFIG);
    }

    /** {@code openblas_get_corename()}: the kernel set OpenBLAS picked for this CPU. */
    public static String coreName() {
        requireLoaded();
        return string(Native.GET_CORENAME);
    }

    @Override
    public long inPlaceMultiplyAdds() {
        return SGEMM_COPY_ABOVE;
    }

    @Override
    public BlasInfo info() {
        return new BlasInfo("openblas", Native.SOURCE, config(), coreName(), threads());
    }

    @Override
    public void sgemm(Transpose transA, Transpose transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        BlasChecks.sgemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        Route route = route(a.isNative() && b.isNative() && c.isNative(), (long) m * n * k, SGEMM_COPY_ABOVE);
        sgemm(route, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public void sgemv(Transpose trans, int m, int n,
                      float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment x, long xOffset,
                      float beta, MemorySegment y, long yOffset) {
        BlasChecks.sgemv(trans, m, n, a, aOffset, lda, x, xOffset, y, yOffset);
        int yLength = trans == Transpose.YES ? n : m;
        if (yLength == 0) {
            return;
        }
        if (m == 0 || n == 0) {
            // op(A) * x is empty: y = beta * y. (OpenBLAS returns at once, leaving y as it was.)
            ScalarBlas.scaleMatrix(1, yLength, beta, y, yOffset, yLength);
            return;
        }
        if (beta == 0f) {
            // BLAS says y is not read when beta is 0; clear it here rather than rely on the library
            // not computing 0 * NaN.
            clear(y, yOffset, yLength);
        }
        Route route = route(a.isNative() && x.isNative() && y.isNative(), (long) m * n, SGEMV_COPY_ABOVE);
        sgemv(route, trans, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
    }

    // ---- routes (see the class comment)

    /**
     * Multiply-adds ({@code m*n*k}) up to which an sgemm with a heap operand runs critical, zero-copy:
     * 2^26, 0.8 ms at the 83 G multiply-adds/s measured on one AVX-512 core, so no critical sgemm holds
     * safepoints off much longer. Every per-step product of the benchmark shapes stays under it (the
     * largest, LSTM at {@code B = 64, H = 512}: 64 x 2048 x 512 = 2^26), and a step is where a copy
     * would cost most: with its weights on the heap (training) it moves about {@code 1/B} floats per
     * multiply-add.
     *
     * <p>The copy is not free: a layer's input projection over all {@code T*B} rows of a call (its input
     * and its output on the heap) moves {@code rows * (I + 2 G*H)} floats; against a whole {@code forward} at
     * the benchmark's larger shapes that was below this machine's run-to-run noise (docs/gc-stall.md). An application whose
     * threads can wait for a safepoint (no latency-bound allocating threads beside the RNN, say a batch
     * job) may raise the bound with {@code -Drnk.blas.criticalMultiplyAdds=N}: calls up to {@code N}
     * multiply-adds then run critical with no copy, holding safepoints off for their whole duration.
     */
    static final long SGEMM_COPY_ABOVE = criticalMultiplyAdds();

    private static long criticalMultiplyAdds() {
        String value = System.getProperty("rnk.blas.criticalMultiplyAdds");
        if (value == null) {
            return 1L << 26;
        }
        try {
            long bound = Long.parseLong(value.strip());
            if (bound >= 0) {
                return bound;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("-Drnk.blas.criticalMultiplyAdds=" + value
                + ": expected a whole number of multiply-adds >= 0 (2^26 = 67108864 is the default)");
    }

    /**
     * Multiply-adds ({@code m*n}) up to which an sgemv with a heap operand runs critical: 2^24 (64 MB of
     * {@code A}), about 2.5 ms at the 6-7 G multiply-adds/s measured (an sgemv streams {@code A} once, at
     * memory speed). Higher than sgemm's bound because a copy costs an sgemv most: it reads and writes
     * all of {@code A} before the call reads it, measured 3.2 ms critical against 8.7 ms copied for a
     * 12800 x 1536 bias gradient. The 12800 x 768 one of the measurement (1.6-2.0 ms) stays critical.
     */
    static final long SGEMV_COPY_ABOVE = 1L << 24;

    /** How a call reaches OpenBLAS. */
    enum Route {
        /** {@code critical(true)}, operands as they are (heap or native). */
        CRITICAL,
        /** Plain downcall, operands as they are: all must be native. */
        PLAIN,
        /** Heap operands copied to the thread's off-heap workspace, plain downcall, heap output copied back. */
        COPIED
    }

    /** Calls that took {@link Route#COPIED}: for tests. */
    static final AtomicLong COPIED_CALLS = new AtomicLong();

    /**
     * Native-only calls go plain; a call with a heap operand goes critical up to {@code copyAbove}
     * multiply-adds and copied above.
     */
    static Route route(boolean allNative, long multiplyAdds, long copyAbove) {
        if (allNative) {
            return Route.PLAIN;
        }
        return multiplyAdds <= copyAbove ? Route.CRITICAL : Route.COPIED;
    }

    /** {@link #sgemm} by the given route, unchecked: arguments already checked, {@code m, n > 0}. */
    void sgemm(Route route, Transpose transA, Transpose transB, int m, int n, int k,
               float alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc) {
        try {
            switch (route) {
                case CRITICAL -> Native.SGEMM_CRITICAL.invokeExact(ROW_MAJOR, transA.cblas, transB.cblas, m, n, k,
                        alpha, at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
                case PLAIN -> Native.SGEMM.invokeExact(ROW_MAJOR, transA.cblas, transB.cblas, m, n, k,
                        alpha, at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
                case COPIED -> sgemmCopied(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                        beta, c, cOffset, ldc);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void sgemmCopied(Transpose transA, Transpose transB, int m, int n, int k,
                                    float alpha, MemorySegment a, long aOffset, int lda,
                                    MemorySegment b, long bOffset, int ldb,
                                    float beta, MemorySegment c, long cOffset, int ldc) throws Throwable {
        COPIED_CALLS.incrementAndGet();
        Workspace w = WORKSPACES.get();
        // Row-major storage: op(A) = A is stored m x k, op(A) = A^T is stored k x m; likewise B.
        boolean ta = transA == Transpose.YES, tb = transB == Transpose.YES;
        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        // A heap operand goes to its workspace part packed (leading dimension = its row length, so
        // only the floats the call reads are copied; CBLAS wants at least 1) and is passed at offset 0
        // (no slice object).
        MemorySegment aUse = a, bUse = b, cUse = c;
        if (!a.isNative()) {
            aUse = w.part(0, (long) aRows * aCols);
            copyMatrix(a, aOffset, lda, aUse, 0, Math.max(1, aCols), aRows, aCols);
            aOffset = 0;
            lda = Math.max(1, aCols);
        }
        if (!b.isNative()) {
            bUse = w.part(1, (long) bRows * bCols);
            copyMatrix(b, bOffset, ldb, bUse, 0, Math.max(1, bCols), bRows, bCols);
            bOffset = 0;
            ldb = Math.max(1, bCols);
        }
        long cHeapOffset = cOffset;
        int cHeapLd = ldc;
        if (!c.isNative()) {
            cUse = w.part(2, (long) m * n);
            if (beta != 0f) {
                // C = alpha op(A) op(B) + beta C reads C; with beta = 0 OpenBLAS writes C without reading it.
                copyMatrix(c, cOffset, ldc, cUse, 0, n, m, n);
            }
            cOffset = 0;
            ldc = n;
        }
        Native.SGEMM.invokeExact(ROW_MAJOR, transA.cblas, transB.cblas, m, n, k,
                alpha, at(aUse, aOffset), lda, at(bUse, bOffset), ldb, beta, at(cUse, cOffset), ldc);
        if (!c.isNative()) {
            // Only the m x n block: columns of C beyond n (another thread's block of the same rows) are untouched.
            copyMatrix(cUse, 0, n, c, cHeapOffset, cHeapLd, m, n);
        }
    }

    /** {@link #sgemv} by the given route, unchecked: arguments checked, {@code m, n > 0}, y cleared if beta is 0. */
    void sgemv(Route route, Transpose trans, int m, int n,
               float alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment x, long xOffset,
               float beta, MemorySegment y, long yOffset) {
        try {
            switch (route) {
                case CRITICAL -> Native.SGEMV_CRITICAL.invokeExact(ROW_MAJOR, trans.cblas, m, n,
                        alpha, at(a, aOffset), lda, at(x, xOffset), 1, beta, at(y, yOffset), 1);
                case PLAIN -> Native.SGEMV.invokeExact(ROW_MAJOR, trans.cblas, m, n,
                        alpha, at(a, aOffset), lda, at(x, xOffset), 1, beta, at(y, yOffset), 1);
                case COPIED -> sgemvCopied(trans, m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void sgemvCopied(Transpose trans, int m, int n,
                                    float alpha, MemorySegment a, long aOffset, int lda,
                                    MemorySegment x, long xOffset,
                                    float beta, MemorySegment y, long yOffset) throws Throwable {
        COPIED_CALLS.incrementAndGet();
        Workspace w = WORKSPACES.get();
        int xLength = trans == Transpose.YES ? m : n;
        int yLength = trans == Transpose.YES ? n : m;
        MemorySegment aUse = a, xUse = x, yUse = y;
        if (!a.isNative()) {
            aUse = w.part(0, (long) m * n);
            copyMatrix(a, aOffset, lda, aUse, 0, n, m, n);
            aOffset = 0;
            lda = n;
        }
        if (!x.isNative()) {
            xUse = w.part(1, xLength);
            copyFloats(x, xOffset, xUse, 0, xLength);
            xOffset = 0;
        }
        long yHeapOffset = yOffset;
        if (!y.isNative()) {
            // y is short beside A: copied in whatever beta (cleared above when beta is 0).
            yUse = w.part(2, yLength);
            copyFloats(y, yOffset, yUse, 0, yLength);
            yOffset = 0;
        }
        Native.SGEMV.invokeExact(ROW_MAJOR, trans.cblas, m, n,
                alpha, at(aUse, aOffset), lda, at(xUse, xOffset), 1, beta, at(yUse, yOffset), 1);
        if (!y.isNative()) {
            copyFloats(yUse, 0, y, yHeapOffset, yLength);
        }
    }

    /**
     * A thread's off-heap copies of heap operands: three parts (A, B or x, C or y), each passed whole at
     * offset 0. A part grows when a call needs more and is then kept, so a warmed-up thread allocates
     * nothing per call; an automatic arena frees an outgrown part, and all three once the thread is gone.
     */
    private static final class Workspace {
        private final MemorySegment[] parts = {MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL};

        MemorySegment part(int index, long floats) {
            MemorySegment part = parts[index];
            if (part.byteSize() < floats * Float.BYTES) {
                part = Arena.ofAuto().allocate(floats * Float.BYTES, 64);
                parts[index] = part;
            }
            return part;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACES = ThreadLocal.withInitial(Workspace::new);

    /** Floats per bulk copy (256 KB, ~20 us); a safepoint can come between two. */
    private static final long COPY_CHUNK = 1 << 16;

    /** The {@code rows x cols} block at float {@code srcOffset} (row stride {@code srcLd}) to {@code dst}. */
    private static void copyMatrix(MemorySegment src, long srcOffset, int srcLd,
                                   MemorySegment dst, long dstOffset, int dstLd, int rows, int cols) {
        if (srcLd == cols && dstLd == cols) {
            copyFloats(src, srcOffset, dst, dstOffset, (long) rows * cols);
            return;
        }
        for (int r = 0; r < rows; r++) {
            copyFloats(src, srcOffset + (long) r * srcLd, dst, dstOffset + (long) r * dstLd, cols);
        }
    }

    /**
     * {@code count} floats, in chunks: one {@link MemorySegment#copy} is a single intrinsic with no
     * safepoint poll inside, and a whole matrix would hold safepoints off for milliseconds, the very thing
     * the copy is for. Measured (docs/gc-stall.md): a thread copying 200 MB in one call delayed safepoints
     * by 31 ms (median), in these chunks by 1 ms, no more than a thread spinning in a plain Java loop on
     * the same loaded machine.
     */
    private static void copyFloats(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long count) {
        long done = 0;
        while (done < count) {
            long chunk = Math.min(COPY_CHUNK, count - done);
            MemorySegment.copy(src, (srcOffset + done) * Float.BYTES, dst, (dstOffset + done) * Float.BYTES,
                    chunk * Float.BYTES);
            done += chunk;
        }
    }

    // Zeros to copy from: MemorySegment.copy takes offsets, where asSlice(...).fill would make a slice
    // object per call (a streaming step makes one sgemv and must allocate nothing); a bulk copy rather
    // than a checked store per float.
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new float[1024]);

    private static void clear(MemorySegment y, long offset, long length) {
        long at = offset * Float.BYTES, bytes = length * Float.BYTES;
        while (bytes > 0) {
            long chunk = Math.min(bytes, ZEROS.byteSize());
            MemorySegment.copy(ZEROS, 0, y, at, chunk);
            at += chunk;
            bytes -= chunk;
        }
    }

    /**
     * The segment from float {@code offset} on. An operand no element of which is touched (zero size)
     * may have any offset, so past the end the base segment is passed; it is never read.
     */
    private static MemorySegment at(MemorySegment segment, long offset) {
        if (offset == 0) {
            return segment;   // no slice object: the common single-threaded call allocates nothing
        }
        long bytes = offset * Float.BYTES;
        return bytes <= segment.byteSize() ? segment.asSlice(bytes) : segment;
    }

    private static void requireLoaded() {
        if (load().isEmpty()) {
            throw new IllegalStateException("OpenBLAS is not loaded; tried: " + OpenBlasLibrary.tried());
        }
    }

    private static String string(MethodHandle handle) {
        try {
            MemorySegment s = (MemorySegment) handle.invokeExact();
            return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
