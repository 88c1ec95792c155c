package org.rnnkernels.blas;

import java.lang.invoke.MethodHandles;
import java.util.Locale;
import java.util.Optional;

import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The one place that chooses a {@link Blas}: OpenBLAS when it loads, else the Vector API GEMM when
 * {@link Simd#kind()} is {@link Simd.Kind#VECTOR}, else plain Java. Decided once, lazily, and
 * logged once.
 *
 * <p>System property {@value #PROPERTY} = {@code openblas} | {@code java} forces a choice; a forced
 * {@code openblas} that cannot load throws instead of falling back, so a run can prove what it measured.
 */
public final class Blases {
    public static final String PROPERTY = "rnnkernels.blas";

    private static final System.Logger LOG = System.getLogger("org.rnnkernels");
    private static volatile Blas chosen;
    private static volatile Blas java;

    private Blases() {
    }

    /**
     * The BLAS to use in this JVM.
     *
     * @throws IllegalStateException when {@code -Drnnkernels.blas=openblas} and OpenBLAS does not load,
     *                               or {@code -Drnnkernels.openblas.path} names a file that does not load
     */
    public static Blas get() {
        Blas b = chosen;
        if (b == null) {
            synchronized (Blases.class) {
                b = chosen;
                if (b == null) {
                    b = choose();
                    LOG.log(System.Logger.Level.INFO, "rnnkernels: BLAS " + b.info());
                    chosen = b;
                }
            }
        }
        return b;
    }

    /**
     * The pure-Java BLAS: {@link VectorBlas} when the Vector API is in use (and it loads, see
     * {@link ImplementationLoader}), else {@link ScalarBlas}. Never native.
     */
    public static Blas java() {
        Blas b = java;
        if (b == null) {
            synchronized (Blases.class) {
                b = java;
                if (b == null) {
                    b = ImplementationLoader.load(MethodHandles.lookup(), Blas.class, "org.rnnkernels.blas.VectorBlas",
                            ScalarBlas::new);
                    java = b;
                }
            }
        }
        return b;
    }

    /**
     * OpenBLAS, or empty when it cannot be loaded (the loader logs why, once).
     *
     * @throws IllegalStateException only when {@value OpenBlasLibrary#PATH_PROPERTY} names a file that
     *                               does not load: an explicit request is not silently ignored
     */
    public static Optional<OpenBlas> openBlas() {
        return OpenBlas.load();
    }

    private static Blas choose() {
        String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "" -> {
                Optional<OpenBlas> open = openBlas();
                yield open.isPresent() ? open.get() : java();
            }
            case "java" -> java();
            case "openblas" -> openBlas().orElseThrow(() -> new IllegalStateException("-D" + PROPERTY
                    + "=openblas, but OpenBLAS does not load; tried: " + OpenBlasLibrary.tried()));
            default -> throw new IllegalStateException("-D" + PROPERTY + "=" + forced + ": expected 'openblas' or 'java'");
        };
    }
}
