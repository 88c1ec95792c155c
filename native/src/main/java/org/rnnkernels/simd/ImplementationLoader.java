package org.rnnkernels.simd;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Creates the implementation of a kernel interface that {@link Simd} chose: the Vector API class,
 * or the scalar one. Every kernel family loads through here, so the fallback policy is one policy.
 *
 * <p>The vector class is loaded by name, so nothing links against {@code jdk.incubator.vector} in a
 * JVM that does not have it. When it fails to load (an incubator API that changed under another
 * JDK, a class missing from a repackaged jar), an automatic choice falls back to the scalar class
 * with one warning per JVM, and {@link #fallbacks()} and {@link Simd#describe()} say so; a choice
 * forced by {@code -Drnnkernels.impl=vector} throws, so a run cannot measure scalar kernels while
 * believing it measured vector ones.
 */
public final class ImplementationLoader {
    private static final System.Logger LOG = System.getLogger("org.rnnkernels");
    private static final Fallbacks FALLBACKS = new Fallbacks(LOG::log);

    private ImplementationLoader() {
    }

    /**
     * The implementation of {@code kind} for this JVM.
     *
     * @param lookup          {@code MethodHandles.lookup()} of the caller: the vector classes are
     *                        package-private, and only a lookup from their package may construct them
     * @param kind            the kernel interface (or abstract class)
     * @param vectorClassName fully qualified name of the Vector API implementation, which needs a
     *                        no-argument constructor the lookup can reach
     * @param scalar          creates the scalar implementation
     * @throws IllegalStateException    when the vector class fails to load and {@code -Drnnkernels.impl=vector}
     * @throws IllegalArgumentException when the vector class loads but is not a {@code kind}
     */
    public static <T> T load(MethodHandles.Lookup lookup, Class<T> kind, String vectorClassName,
                             Supplier<? extends T> scalar) {
        return load(lookup, kind, vectorClassName, scalar, Simd.kind(), Simd.forced(), FALLBACKS);
    }

    /**
     * Each vector class that failed to load under an automatic choice, as
     * {@code "class name: cause"}, in the order they failed; empty when none did (always empty
     * when {@link Simd#kind()} is scalar, since then no vector class is tried).
     */
    public static List<String> fallbacks() {
        return FALLBACKS.list();
    }

    /** {@link #load(MethodHandles.Lookup, Class, String, Supplier)} with the choice as arguments, for tests. */
    static <T> T load(MethodHandles.Lookup lookup, Class<T> kind, String vectorClassName,
                      Supplier<? extends T> scalar, Simd.Kind simd, boolean forced, Fallbacks fallbacks) {
        Objects.requireNonNull(lookup, "lookup");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vectorClassName, "vectorClassName");
        Objects.requireNonNull(scalar, "scalar");
        if (simd == Simd.Kind.SCALAR) {
            return scalar.get();
        }
        Class<?> type;
        MethodHandle constructor;
        try {
            type = lookup.findClass(vectorClassName);
            constructor = lookup.findConstructor(type, MethodType.methodType(void.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            return fallBack(vectorClassName, e, scalar, forced, fallbacks);
        }
        if (!kind.isAssignableFrom(type)) {
            throw new IllegalArgumentException(vectorClassName + " is not a " + kind.getName());
        }
        Object instance;
        try {
            instance = constructor.invoke();
        } catch (LinkageError e) {
            // The class links its Vector API references here, when it is initialised.
            return fallBack(vectorClassName, e, scalar, forced, fallbacks);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            return fallBack(vectorClassName, e, scalar, forced, fallbacks);
        }
        return kind.cast(instance);
    }

    private static <T> T fallBack(String vectorClassName, Throwable cause, Supplier<? extends T> scalar,
                                  boolean forced, Fallbacks fallbacks) {
        if (forced) {
            throw new IllegalStateException("-D" + Simd.IMPL_PROPERTY + "=vector, but the Vector API implementation "
                    + vectorClassName + " failed to load: " + cause, cause);
        }
        fallbacks.add(vectorClassName, cause);
        return scalar.get();
    }

    /** The automatic fallbacks of one JVM (or of one test), warning only for the first. */
    static final class Fallbacks {
        private final BiConsumer<System.Logger.Level, String> log;
        private final List<String> list = new CopyOnWriteArrayList<>();
        private final AtomicBoolean warned = new AtomicBoolean();

        Fallbacks(BiConsumer<System.Logger.Level, String> log) {
            this.log = log;
        }

        void add(String vectorClassName, Throwable cause) {
            list.add(vectorClassName + ": " + cause);
            // Whatever broke one vector class usually breaks them all; one warning names the fix,
            // the rest would only repeat it.
            if (warned.compareAndSet(false, true)) {
                log.accept(System.Logger.Level.WARNING, "rnnkernels: the Vector API implementation " + vectorClassName
                        + " failed to load (" + cause + "); using scalar kernels instead, for it and any other"
                        + " kernel that fails the same way (several times slower). The likely cause is a"
                        + " jdk.incubator.vector that differs from the one this library was compiled against"
                        + " (this JVM is " + Runtime.version() + "): run it on the JDK it was built for, or pass -D"
                        + Simd.IMPL_PROPERTY + "=scalar to choose scalar kernels without this warning (-D"
                        + Simd.IMPL_PROPERTY + "=vector makes it an error)");
            } else {
                log.accept(System.Logger.Level.DEBUG, "rnnkernels: " + vectorClassName
                        + " failed to load too, scalar instead (" + cause + ")");
            }
        }

        List<String> list() {
            return List.copyOf(list);
        }
    }
}
