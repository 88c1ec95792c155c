package org.rnnkernels.cell;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/** Loads a cell's {@link GatePass}: the Vector API twin when the JVM runs vector kernels, else the plain one. */
public final class GatePasses {
    private GatePasses() {
    }

    /** The gate pass of the cell whose {@link CellDescription#kernel()} is {@code kernel}. */
    public static GatePass load(String kernel) {
        String prefix = GatePasses.class.getPackageName() + ".";
        return ImplementationLoader.load(MethodHandles.lookup(), GatePass.class, prefix + "Vector" + kernel, () -> scalar(prefix + kernel));
    }

    private static GatePass scalar(String className) {
        try {
            return (GatePass) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cell kernel " + className + " is missing", e);
        }
    }
}
