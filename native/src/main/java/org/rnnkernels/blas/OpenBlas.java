package org.rnnkernels.blas;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * OpenBLAS through FFM downcalls ({@code cblas_sgemm}, {@code cblas_sgemv}), loaded by
 * {@link OpenBlasLibrary}.
 *
 * <p>The two BLAS calls are linked {@link Linker.Option#critical(boolean) critical(true)}: no
 * thread-state transition, and heap segments ({@link MemorySegment#ofArray(float[])}) may be passed
 * as well as native ones (the GC is held off for the call, so the array cannot move). Arguments
 * are checked with {@link BlasChecks} first: an out-of-bounds read in native code crashes the JVM.
 *
 * <p>The thread count ({@link #setThreads}) is global to the library, as in OpenBLAS itself.
 */
@SuppressWarnings("restricted") // downcalls: the point of this class; callers need --enable-native-access
public final class OpenBlas implements Blas {
    private static final int ROW_MAJOR = 101;

    /** Downcall handles as constants, so calls fold to a direct native call. Initialized only after a load succeeded. */
    private static final class Native {
        static final String SOURCE;
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
            SGEMM = linker.downcallHandle(find(lookup, "cblas_sgemm"), FunctionDescriptor.ofVoid(
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), critical);
            // void cblas_sgemv(order, trans, M, N, alpha, A, lda, X, incX, beta, Y, incY)
            SGEMV = linker.downcallHandle(find(lookup, "cblas_sgemv"), FunctionDescriptor.ofVoid(
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT), critical);
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
        try {
            Native.SGEMM.invokeExact(ROW_MAJOR, transA.cblas, transB.cblas, m, n, k,
                    alpha, at(a, aOffset), lda, at(b, bOffset), ldb, beta, at(c, cOffset), ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
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
        try {
            Native.SGEMV.invokeExact(ROW_MAJOR, trans.cblas, m, n,
                    alpha, at(a, aOffset), lda, at(x, xOffset), 1, beta, at(y, yOffset), 1);
        } catch (Throwable t) {
            throw rethrow(t);
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
