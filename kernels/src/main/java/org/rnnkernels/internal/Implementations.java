package org.rnnkernels.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Supplier;
import org.rnnkernels.simd.Simd;

/**
 * Creates the Vector API implementation of a kernel interface when {@link Simd} chose vectors, and
 * the scalar one otherwise. The vector class is loaded by name, so nothing links against
 * {@code jdk.incubator.vector} in a JVM that does not have it.
 */
public final class Implementations {
    private Implementations() {
    }

    /**
     * @param lookup the caller's {@code MethodHandles.lookup()}: it reaches the caller's own
     *               package-private classes, here and on the module path, without opening anything
     */
    public static <T> T create(MethodHandles.Lookup lookup, Class<T> kind, String vectorClassName, Supplier<? extends T> scalar) {
        if (Simd.kind() == Simd.Kind.SCALAR) {
            return scalar.get();
        }
        try {
            Class<?> type = lookup.findClass(vectorClassName);
            return kind.cast(lookup.findConstructor(type, MethodType.methodType(void.class)).invoke());
        } catch (Throwable e) {
            throw new IllegalStateException("Vector API implementation " + vectorClassName + " failed to load", e);
        }
    }
}
