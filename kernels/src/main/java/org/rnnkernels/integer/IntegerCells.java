package org.rnnkernels.integer;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.CellType;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * The integer kernels of the cell types that have one, found by name ({@code Int} + the cell's kernel name in
 * its {@code CellDescription}), so that no code lists or switches over cell types: a cell gets an integer form
 * by adding its {@code IntName} class (and its Vector API twin {@code VectorIntName}) here. The twin is taken
 * when the JVM runs vector kernels ({@code ImplementationLoader}).
 */
public final class IntegerCells {
    private static final IntegerCell[] CELLS = new IntegerCell[CellType.values().length];
    private static final boolean[] LOOKED = new boolean[CellType.values().length];

    private IntegerCells() {
    }

    /** The integer kernel of {@code type}, or null when it has none. */
    public static IntegerCell of(CellType type) {
        synchronized (CELLS) {
            int i = type.ordinal();
            if (!LOOKED[i]) {
                LOOKED[i] = true;
                String prefix = IntegerCells.class.getPackageName() + ".";
                String name = prefix + "Int" + type.description().kernel();
                IntegerCell scalar;
                try {
                    scalar = (IntegerCell) Class.forName(name).getDeclaredConstructor().newInstance();
                } catch (ClassNotFoundException e) {
                    scalar = null;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("integer kernel " + name + " cannot be made", e);
                }
                IntegerCell plain = scalar;
                CELLS[i] = scalar == null ? null : ImplementationLoader.load(MethodHandles.lookup(), IntegerCell.class,
                        prefix + "VectorInt" + type.description().kernel(), () -> plain);
            }
            return CELLS[i];
        }
    }

    public static boolean has(CellType type) {
        return of(type) != null;
    }

    /** The cell types with an integer kernel, for messages. */
    public static String supported() {
        List<CellType> types = new ArrayList<>();
        for (CellType type : CellType.values()) {
            if (has(type)) {
                types.add(type);
            }
        }
        return types.toString();
    }
}
