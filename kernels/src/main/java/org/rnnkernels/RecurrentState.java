package org.rnnkernels;

import org.rnnkernels.internal.Checks;

/**
 * The state of {@code B} streams through a stack of recurrent layers: what every state of the library
 * has in common ({@link LayerState}, {@link ModelState}, the training states of
 * {@code org.rnnkernels.train}, {@code LightRnnState}). Each layer {@code k} and direction {@code d}
 * (0 forward, 1 reverse) holds {@code h [B][H_k]} and, for cells that have one (LSTM-type), {@code c [B][H_k]};
 * for EGRU {@code h} is the sparse output {@code y} and {@code c} the internal state. A state of one layer
 * has one layer and one direction.
 *
 * <p>{@link #layer(int, int)} is the state of one layer and direction (a state of one layer is its own);
 * the per-layer accessors ({@link #hidden(int, int)}, ...) are its. The whole-state accessors
 * ({@link #hidden()}, {@link #setHidden(float[])}, {@link #cell()}, {@link #setCell(float[])}) use
 * PyTorch's {@code h_0}/{@code h_n} layout {@code [L*D][B][H]} (block {@code k*D + d}), so PyTorch
 * initial states load unchanged; they need every layer to have the same {@code H}. A state of one layer
 * implements them, a stack's state takes them from here. Getters return copies; setters copy.
 *
 * <p>Closing: {@link #close()} releases what the state holds (worker threads, workspaces); it is
 * idempotent. A closed state refuses use: reading, setting, resetting or running it throws
 * IllegalStateException (its sizes stay readable). A state that is part of another (a layer of a
 * model's state) is closed with the whole; closing the part alone does nothing.
 *
 * <p>A state belongs to one caller at a time: not thread-safe.
 */
public interface RecurrentState extends AutoCloseable {
    /** {@code B}: the number of streams. */
    int batchSize();

    /** The layers of the stack ({@code L}). */
    int numLayers();

    /** 1, or 2 for a bidirectional stack ({@code D}). */
    int directions();

    /**
     * The state of layer {@code layer}, direction {@code direction}: a state of one layer and one direction,
     * part of this one (this one itself when it has one layer and one direction). IllegalArgumentException
     * for a layer or direction the state does not have.
     */
    RecurrentState layer(int layer, int direction);

    /** {@code H} of layer {@code layer}. */
    default int hiddenSize(int layer) {
        return layer(layer, 0).hiddenSize(0);
    }

    /** Whether layer {@code layer}'s cell has a cell state {@code c}. */
    default boolean hasCellState(int layer) {
        return layer(layer, 0).hasCellState(0);
    }

    /** A copy of {@code h} of layer {@code layer}, direction {@code direction}: {@code [B][H]} flattened. */
    default float[] hidden(int layer, int direction) {
        return layer(layer, direction).hidden();
    }

    /** Sets {@code h} of layer {@code layer}, direction {@code direction} from {@code [B][H]} flattened. */
    default RecurrentState setHidden(int layer, int direction, float[] values) {
        layer(layer, direction).setHidden(values);
        return this;
    }

    /** A copy of {@code c} of one layer and direction, {@code [B][H]}; UnsupportedOperationException for cells without one. */
    default float[] cell(int layer, int direction) {
        return layer(layer, direction).cell();
    }

    /** Sets {@code c} of one layer and direction from {@code [B][H]}; UnsupportedOperationException for cells without one. */
    default RecurrentState setCell(int layer, int direction, float[] values) {
        layer(layer, direction).setCell(values);
        return this;
    }

    /** Every layer and direction back to the zero state (the start of new, independent streams). */
    RecurrentState reset();

    /** Whether {@link #close()} was called (for a part of a state: whether the whole was closed). */
    boolean isClosed();

    /** Releases the state's threads and workspaces; idempotent, never throws. */
    @Override
    void close();

    /** {@code h} of every layer and direction, {@code [L*D][B][H]} flattened (PyTorch's {@code h_n}). */
    default float[] hidden() {
        return gather(false);
    }

    /** Sets {@code h} of every layer and direction from {@code [L*D][B][H]} (PyTorch's {@code h_0}). */
    default RecurrentState setHidden(float[] values) {
        scatter("hidden", values, false);
        return this;
    }

    /** {@code c} of every layer and direction, {@code [L*D][B][H]}; UnsupportedOperationException when a layer has none. */
    default float[] cell() {
        return gather(true);
    }

    /** Sets {@code c} of every layer and direction from {@code [L*D][B][H]} (PyTorch's {@code c_0}). */
    default RecurrentState setCell(float[] values) {
        scatter("cell", values, true);
        return this;
    }

    private float[] gather(boolean cell) {
        Checks.open(this);
        int block = batchSize() * uniformHidden();
        if (cell) {
            requireCellStates();
        }
        float[] out = new float[numLayers() * directions() * block];
        for (int k = 0; k < numLayers(); k++) {
            for (int d = 0; d < directions(); d++) {
                System.arraycopy(cell ? cell(k, d) : hidden(k, d), 0, out, (k * directions() + d) * block, block);
            }
        }
        return out;
    }

    // Every check before the first write: a refused call leaves the state as it was.
    private void scatter(String name, float[] values, boolean cell) {
        Checks.open(this);
        int hidden = uniformHidden();
        Checks.floats(name, values, "[L*D=%d][B=%d][H=%d]", (long) numLayers() * directions(), batchSize(), hidden);
        if (cell) {
            requireCellStates();
        }
        int block = batchSize() * hidden;
        float[] rows = new float[block];
        for (int k = 0; k < numLayers(); k++) {
            for (int d = 0; d < directions(); d++) {
                System.arraycopy(values, (k * directions() + d) * block, rows, 0, block);
                if (cell) {
                    setCell(k, d, rows);
                } else {
                    setHidden(k, d, rows);
                }
            }
        }
    }

    private int uniformHidden() {
        int hidden = hiddenSize(0);
        for (int k = 1; k < numLayers(); k++) {
            if (hiddenSize(k) != hidden) {
                throw new UnsupportedOperationException("layers have different hidden sizes (" + hidden + ", " + hiddenSize(k)
                        + "): use the per-layer accessors");
            }
        }
        return hidden;
    }

    private void requireCellStates() {
        for (int k = 0; k < numLayers(); k++) {
            if (!hasCellState(k)) {
                throw new UnsupportedOperationException("layer " + k + " has no cell state");
            }
        }
    }
}
