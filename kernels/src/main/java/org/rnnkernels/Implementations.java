package org.rnnkernels;

import java.util.function.Supplier;
import org.rnnkernels.simd.Simd;

/**
 * Creates the Vector API implementation of a kernel interface when {@link Simd} chose vectors, and
 * the scalar one otherwise. The vector class is loaded by name, so nothing links against
 * {@code jdk.incubator.vector} in a JVM that does not have it.
 */
final class Implementations {
    private Implementations() {
    }

    static <T> T create(Class<T> kind, String vectorClassName, Supplier<? extends T> scalar) {
        if (Simd.kind() == Simd.Kind.SCALAR) {
            return scalar.get();
        }
        try {
            Class<?> type = Class.forName(Implementations.class.getPackageName() + "." + vectorClassName);
            return kind.cast(type.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("Vector API implementation " + vectorClassName + " failed to load", e);
        }
    }
}
