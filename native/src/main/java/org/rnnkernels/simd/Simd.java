package org.rnnkernels.simd;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one place that decides whether kernels run on the Vector API or in plain scalar Java.
 *
 * <p>Cheap checks run first (is {@code jdk.incubator.vector} in the boot layer? does C2 run?), and
 * no incubator class is touched before they pass: classes using the Vector API are loaded only when
 * {@link #kind()} is {@link Kind#VECTOR}, through {@link ImplementationLoader}. The choice is logged once.
 *
 * <p>An automatic choice falls back rather than fail: without the module, without HotSpot's C2
 * compiler (the Vector API is only fast when C2 compiles it), or when the Vector API does not link,
 * it is scalar, with one warning naming the JVM flag to change. A forced {@code vector} throws in the first and last case
 * and only warns in the second, so a run can prove which implementation it measured.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@value #IMPL_PROPERTY} = {@code vector} | {@code scalar}: force a choice.</li>
 *   <li>{@value #BITS_PROPERTY} = {@code 128} | {@code 256} | {@code 512}: use narrower vectors
 *       than the machine prefers (to test the 128- and 256-bit paths and their tails on a wide
 *       machine). Wider than the machine's preferred width throws.</li>
 * </ul>
 */
public final class Simd {
    public static final String IMPL_PROPERTY = "rnnkernels.impl";
    public static final String BITS_PROPERTY = "rnnkernels.vectorBits";

    public enum Kind { VECTOR, SCALAR }

    /**
     * A choice before the vector width: {@code scalarReason} says why an automatic choice is scalar
     * (null otherwise), {@code warning} is logged once when not null.
     */
    record Choice(Kind kind, boolean forced, String scalarReason, String warning) {
    }

    private static final System.Logger LOG = System.getLogger("org.rnnkernels");
    private static final Kind KIND;
    private static final boolean FORCED;
    private static final String SCALAR_REASON;
    private static final int BITS;

    static {
        String impl = System.getProperty(IMPL_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        boolean modulePresent = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        Choice choice = choose(impl, modulePresent, C2Check::disablingFlag);
        if (choice.warning() != null) {
            LOG.log(System.Logger.Level.WARNING, choice.warning());
        }
        Kind kind = choice.kind();
        String reason = choice.scalarReason();
        int bits = 0;
        if (kind == Kind.VECTOR) {
            try {
                bits = VectorWidth.choose(System.getProperty(BITS_PROPERTY));
            } catch (LinkageError e) {
                // The module is there but its classes do not link (a broken or foreign runtime image).
                if (choice.forced()) {
                    throw new IllegalStateException("-D" + IMPL_PROPERTY + "=vector, but the Vector API does not link: " + e, e);
                }
                kind = Kind.SCALAR;
                reason = "the Vector API does not link: " + e;
                LOG.log(System.Logger.Level.WARNING, "rnnkernels: jdk.incubator.vector is present but does not link (" + e
                        + "), using scalar kernels (several times slower); pass -D" + IMPL_PROPERTY
                        + "=scalar to choose them without this warning");
            }
        }
        KIND = kind;
        FORCED = choice.forced();
        SCALAR_REASON = reason;
        BITS = bits;
        if (KIND == Kind.VECTOR) {
            LOG.log(System.Logger.Level.INFO, "rnnkernels: Vector API kernels, " + BITS + "-bit vectors");
        } else if (FORCED) {
            LOG.log(System.Logger.Level.INFO, "rnnkernels: scalar kernels (forced by -D" + IMPL_PROPERTY + ")");
        }
    }

    /**
     * The choice from the value of {@value #IMPL_PROPERTY} (trimmed, lower case, empty when unset),
     * whether the module is in the boot layer, and the flag that disables C2 (asked only when the
     * module is present and the choice not forced scalar, since it costs an MXBean).
     */
    static Choice choose(String impl, boolean modulePresent, Supplier<Optional<String>> c2DisablingFlag) {
        return switch (impl) {
            case "" -> {
                if (!modulePresent) {
                    yield new Choice(Kind.SCALAR, false, "jdk.incubator.vector not available",
                            "rnnkernels: jdk.incubator.vector is not available, using scalar kernels (several times"
                                    + " slower); pass --add-modules=jdk.incubator.vector to the JVM");
                }
                Optional<String> noC2 = c2DisablingFlag.get();
                if (noC2.isPresent()) {
                    yield new Choice(Kind.SCALAR, false, "no C2 compiler: " + noC2.get(),
                            "rnnkernels: " + noC2.get() + " keeps the C2 compiler from running, without which the"
                                    + " Vector API kernels are many times slower than scalar ones: using scalar kernels;"
                                    + " remove " + noC2.get() + " from the JVM flags to get the vector kernels"
                                    + " (-D" + IMPL_PROPERTY + "=vector forces them anyway)");
                }
                yield new Choice(Kind.VECTOR, false, null, null);
            }
            case "scalar" -> new Choice(Kind.SCALAR, true, null, null);
            case "vector" -> {
                if (!modulePresent) {
                    throw new IllegalStateException("-D" + IMPL_PROPERTY + "=vector, but the Vector API is not"
                            + " available: pass --add-modules=jdk.incubator.vector to the JVM");
                }
                Optional<String> noC2 = c2DisablingFlag.get();
                yield new Choice(Kind.VECTOR, true, null, noC2.map(flag -> "rnnkernels: -D" + IMPL_PROPERTY
                        + "=vector, but " + flag + " keeps the C2 compiler from running: the Vector API kernels"
                        + " will be many times slower than scalar ones; remove " + flag + " from the JVM flags")
                        .orElse(null));
            }
            default -> throw new IllegalStateException("-D" + IMPL_PROPERTY + "=" + impl
                    + ": expected 'vector' or 'scalar'");
        };
    }

    private Simd() {
    }

    /** Which implementation the kernels use in this JVM. */
    public static Kind kind() {
        return KIND;
    }

    /** Width of the float vectors the kernels use, in bits; 0 when {@link #kind()} is scalar. */
    public static int vectorBits() {
        return BITS;
    }

    /** Whether {@value #IMPL_PROPERTY} forced the choice (either way) rather than leaving it automatic. */
    public static boolean forced() {
        return FORCED;
    }

    /**
     * A short description for logs and reports, e.g. {@code "vector 256-bit (8 float lanes)"},
     * {@code "scalar (no C2 compiler: -Xint)"}, or, when some vector class fell back,
     * {@code "vector 256-bit (8 float lanes), scalar fallback: VectorLogSumExp"}.
     */
    public static String describe() {
        return describe(KIND, BITS, SCALAR_REASON, ImplementationLoader.fallbacks());
    }

    static String describe(Kind kind, int bits, String scalarReason, List<String> fallbacks) {
        if (kind == Kind.SCALAR) {
            return scalarReason == null ? "scalar" : "scalar (" + scalarReason + ")";
        }
        StringBuilder s = new StringBuilder("vector " + bits + "-bit (" + bits / 32 + " float lanes)");
        if (!fallbacks.isEmpty()) {
            s.append(", scalar fallback:");
            for (String f : fallbacks) {
                String name = f.substring(0, f.indexOf(':'));
                s.append(' ').append(name.substring(name.lastIndexOf('.') + 1));
            }
        }
        return s.toString();
    }
}
