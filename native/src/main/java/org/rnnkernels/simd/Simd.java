package org.rnnkernels.simd;

import java.util.Locale;

/**
 * The one place that decides whether kernels run on the Vector API or in plain scalar Java.
 *
 * <p>Cheap checks run first (is {@code jdk.incubator.vector} in the boot layer?), and no incubator
 * class is touched before they pass: classes using the Vector API are loaded only when
 * {@link #kind()} is {@link Kind#VECTOR}. The choice is logged once.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@value #IMPL_PROPERTY} = {@code vector} | {@code scalar}: force a choice. A forced
 *       {@code vector} that cannot load throws instead of falling back, so a run can prove
 *       which implementation it measured.</li>
 *   <li>{@value #BITS_PROPERTY} = {@code 128} | {@code 256} | {@code 512}: use narrower vectors
 *       than the machine prefers (to test the 128- and 256-bit paths and their tails on a wide
 *       machine). Wider than the machine's preferred width throws.</li>
 * </ul>
 */
public final class Simd {
    public static final String IMPL_PROPERTY = "rnnkernels.impl";
    public static final String BITS_PROPERTY = "rnnkernels.vectorBits";

    public enum Kind { VECTOR, SCALAR }

    private static final System.Logger LOG = System.getLogger("org.rnnkernels");
    private static final Kind KIND;
    private static final int BITS;

    static {
        String forced = System.getProperty(IMPL_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        boolean modulePresent = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        KIND = switch (forced) {
            case "" -> modulePresent ? Kind.VECTOR : Kind.SCALAR;
            case "scalar" -> Kind.SCALAR;
            case "vector" -> {
                if (!modulePresent) {
                    throw new IllegalStateException("-D" + IMPL_PROPERTY + "=vector, but the Vector API is not"
                            + " available: pass --add-modules=jdk.incubator.vector to the JVM");
                }
                yield Kind.VECTOR;
            }
            default -> throw new IllegalStateException("-D" + IMPL_PROPERTY + "=" + forced
                    + ": expected 'vector' or 'scalar'");
        };
        BITS = KIND == Kind.VECTOR ? VectorWidth.choose(System.getProperty(BITS_PROPERTY)) : 0;
        if (KIND == Kind.VECTOR) {
            LOG.log(System.Logger.Level.INFO, "rnnkernels: Vector API kernels, " + BITS + "-bit vectors");
        } else if (forced.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "rnnkernels: jdk.incubator.vector is not available, using"
                    + " scalar kernels (several times slower); pass --add-modules=jdk.incubator.vector to the JVM");
        } else {
            LOG.log(System.Logger.Level.INFO, "rnnkernels: scalar kernels (forced by -D" + IMPL_PROPERTY + ")");
        }
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

    /** A short description for logs and reports, e.g. {@code "vector 256-bit (8 float lanes)"}. */
    public static String describe() {
        return KIND == Kind.VECTOR ? "vector " + BITS + "-bit (" + BITS / 32 + " float lanes)" : "scalar";
    }
}
