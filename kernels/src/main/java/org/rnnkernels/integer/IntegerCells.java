package org.rnnkernels.integer;

import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.CellType;

/**
 * The integer kernels of the cell types that have one, found by name ({@code Int} + the cell's kernel name in
 * its {@code CellDescription}), so that no code lists or switches over cell types: a cell gets an integer form
 * by adding its {@code IntName} class here.
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
                String name = IntegerCells.class.getPackageName() + ".Int" + type.description().kernel();
                try {
                    CELLS[i] = (IntegerCell) Class.forName(name).getDeclaredConstructor().newInstance();
                } catch (ClassNotFoundException e) {
                    CELLS[i] = null;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("integer kernel " + name + " cannot be made", e);
                }
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
