package org.rnnkernels.ternary;

import java.util.Arrays;
import org.rnnkernels.CellType;
import org.rnnkernels.internal.Checks;

/**
 * The state of {@code B} streams through a {@link TernaryLayer}: {@code h [B][H]}, {@code c [B][H]}
 * for the LSTM, and the scratch a step needs (pre-activations of one sample, its activations padded
 * to whole words or as bit planes), made once so that steps allocate nothing. Belongs to one caller:
 * one state must not be used by two threads at once; many states may share one layer.
 * Made by {@link TernaryLayer#newState(int)}, at zero.
 */
public final class TernaryState {
    final CellType type;
    final TernaryLayer.Activations activations;
    final int batch;
    final int hidden;
    final int input;
    final float[] h;
    final float[] c;
    final float[] gi;
    final float[] gh;
    // FLOAT mode: x and h of one sample, zero past I (H) up to whole 64-column words
    final float[] xPadded;
    final float[] hPadded;
    // TERNARY mode: bit planes of a(x) and a(h) of one sample (layout of TernaryKernels)
    final long[] xPlanes;
    final long[] hPlanes;

    TernaryState(CellType type, TernaryLayer.Activations activations, int batch, int input, int hidden) {
        this.type = type;
        this.activations = activations;
        this.batch = batch;
        this.input = input;
        this.hidden = hidden;
        this.h = new float[Math.multiplyExact(batch, hidden)];
        this.c = type.hasCellState() ? new float[batch * hidden] : null;
        this.gi = new float[type.gates() * hidden];
        this.gh = new float[type.gates() * hidden];
        int wordsI = TernaryMatrix.wordsFor(input);
        int wordsH = TernaryMatrix.wordsFor(hidden);
        boolean ternary = activations == TernaryLayer.Activations.TERNARY;
        this.xPadded = ternary ? null : new float[64 * wordsI];
        this.hPadded = ternary ? null : new float[64 * wordsH];
        this.xPlanes = ternary ? new long[4 * wordsI] : null;
        this.hPlanes = ternary ? new long[4 * wordsH] : null;
    }

    public CellType cellType() {
        return type;
    }

    public int batchSize() {
        return batch;
    }

    public int hiddenSize() {
        return hidden;
    }

    /** A copy of {@code h}, {@code [B][H]} flattened. */
    public float[] hidden() {
        return h.clone();
    }

    /** A copy of {@code c}, {@code [B][H]} flattened; LSTM only. */
    public float[] cell() {
        requireCell();
        return c.clone();
    }

    /** Sets {@code h} from {@code [B][H]} flattened. */
    public TernaryState setHidden(float[] values) {
        Checks.floats("hidden", values, "[B=%d][H=%d]", batch, hidden);
        System.arraycopy(values, 0, h, 0, h.length);
        return this;
    }

    /** Sets {@code c} from {@code [B][H]} flattened; LSTM only. */
    public TernaryState setCell(float[] values) {
        requireCell();
        Checks.floats("cell", values, "[B=%d][H=%d]", batch, hidden);
        System.arraycopy(values, 0, c, 0, c.length);
        return this;
    }

    /** Back to the zero state. */
    public TernaryState reset() {
        Arrays.fill(h, 0f);
        if (c != null) {
            Arrays.fill(c, 0f);
        }
        return this;
    }

    private void requireCell() {
        if (c == null) {
            throw new UnsupportedOperationException(type + " has no cell state");
        }
    }
}
