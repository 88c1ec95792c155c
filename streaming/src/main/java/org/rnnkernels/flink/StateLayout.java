package org.rnnkernels.flink;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentModel;

/**
 * How one key's recurrent state lies in one {@code float[]}: for each layer {@code k} in order,
 * {@code h_k [H_k]}, then {@code c_k [H_k]} when the cell has a cell state. A stream's state is
 * a single direction's (a bidirectional stack needs the future, so it does not stream).
 */
public final class StateLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] hiddenSizes;
    private final boolean[] cellStates;
    private final int[] hiddenOffsets;
    private final int[] cellOffsets;   // -1 where the layer has no c
    private final int length;

    StateLayout(int[] hiddenSizes, boolean[] cellStates) {
        if (hiddenSizes.length == 0 || hiddenSizes.length != cellStates.length) {
            throw new IllegalArgumentException("a layout needs one hidden size and one cell flag a layer, got "
                    + hiddenSizes.length + " and " + cellStates.length);
        }
        this.hiddenSizes = hiddenSizes.clone();
        this.cellStates = cellStates.clone();
        this.hiddenOffsets = new int[hiddenSizes.length];
        this.cellOffsets = new int[hiddenSizes.length];
        int at = 0;
        for (int k = 0; k < hiddenSizes.length; k++) {
            if (hiddenSizes[k] <= 0) {
                throw new IllegalArgumentException("hidden size of layer " + k + " = " + hiddenSizes[k] + ", expected > 0");
            }
            hiddenOffsets[k] = at;
            at += hiddenSizes[k];
            cellOffsets[k] = cellStates[k] ? at : -1;
            at += cellStates[k] ? hiddenSizes[k] : 0;
        }
        this.length = at;
    }

    /** The layout of {@code model}'s per-stream state; IllegalArgumentException for a bidirectional model. */
    public static StateLayout of(RecurrentModel model) {
        if (model.bidirectional()) {
            throw new IllegalArgumentException("model: a bidirectional stack cannot stream (its reverse direction starts at the end"
                    + " of the sequence); expected a one-direction model");
        }
        int layers = model.numLayers();
        int[] hidden = new int[layers];
        boolean[] cells = new boolean[layers];
        // Asked of a state, not of the cell types: what a state holds (EGRU's c included) is what travels.
        try (ModelState state = model.newState(1)) {
            for (int k = 0; k < layers; k++) {
                hidden[k] = state.hiddenSize(k);
                cells[k] = state.hasCellState(k);
            }
        }
        return new StateLayout(hidden, cells);
    }

    public int layers() {
        return hiddenSizes.length;
    }

    public int hiddenSize(int layer) {
        return hiddenSizes[layer];
    }

    public boolean hasCellState(int layer) {
        return cellStates[layer];
    }

    /** Where {@code h} of {@code layer} starts in a key's state. */
    public int hiddenOffset(int layer) {
        return hiddenOffsets[layer];
    }

    /** Where {@code c} of {@code layer} starts; -1 when the layer's cell has none. */
    public int cellOffset(int layer) {
        return cellOffsets[layer];
    }

    /** Floats in one key's state. */
    public int length() {
        return length;
    }

    void write(DataOutputView out) throws IOException {
        out.writeInt(hiddenSizes.length);
        for (int k = 0; k < hiddenSizes.length; k++) {
            out.writeInt(hiddenSizes[k]);
            out.writeBoolean(cellStates[k]);
        }
    }

    static StateLayout read(DataInputView in) throws IOException {
        int layers = in.readInt();
        if (layers <= 0 || layers > 1 << 16) {
            throw new IOException("corrupt state layout: " + layers + " layers");
        }
        int[] hidden = new int[layers];
        boolean[] cells = new boolean[layers];
        for (int k = 0; k < layers; k++) {
            hidden[k] = in.readInt();
            cells[k] = in.readBoolean();
        }
        return new StateLayout(hidden, cells);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateLayout other && Arrays.equals(hiddenSizes, other.hiddenSizes)
                && Arrays.equals(cellStates, other.cellStates);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(hiddenSizes) + Arrays.hashCode(cellStates);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int k = 0; k < hiddenSizes.length; k++) {
            s.append(k == 0 ? "" : ", ").append("h").append(k).append("[").append(hiddenSizes[k]).append("]");
            if (cellStates[k]) {
                s.append(" c").append(k).append("[").append(hiddenSizes[k]).append("]");
            }
        }
        return s.append("]").toString();
    }
}
