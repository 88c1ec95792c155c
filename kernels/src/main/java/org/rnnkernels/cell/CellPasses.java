package org.rnnkernels.cell;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * Loads a cell's passes by the kernel name of its {@link CellDescription}: the Vector API twin
 * ({@code VectorName}) when the JVM runs vector kernels, else the plain class ({@code Name}).
 */
public final class CellPasses {
    private CellPasses() {
    }

    /** The inference pass of the cell whose {@link CellDescription#kernel()} is {@code kernel}. */
    public static GatePass gatePass(String kernel) {
        return load(kernel, GatePass.class);
    }

    /** The training pass of the cell whose {@link CellDescription#kernel()} is {@code kernel}. */
    public static TrainingPass trainingPass(String kernel) {
        return load(kernel, TrainingPass.class);
    }

    private static <T> T load(String kernel, Class<T> kind) {
        String prefix = CellPasses.class.getPackageName() + ".";
        return ImplementationLoader.load(MethodHandles.lookup(), kind, prefix + "Vector" + kernel, () -> scalar(kind, prefix + kernel));
    }

    private static <T> T scalar(Class<T> kind, String className) {
        try {
            return kind.cast(Class.forName(className).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cell kernel " + className + " is missing", e);
        }
    }
}
