package org.rnnkernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.product.Scratch;

/**
 * The state of {@code B} streams through a {@link RecurrentModel}: {@code h} (and {@code c} for
 * LSTM-type cells) of every layer and direction, plus the scratch space of a call, reused from
 * call to call. One thread at a time; several states may run through one model at once.
 *
 * <p>{@link #hidden()} and {@link #setHidden(float[])} use PyTorch's {@code h_0}/{@code h_n}
 * layout {@code [L*D][B][H]} (index {@code k*D + d}), so PyTorch initial states load unchanged.
 *
 * <p>A {@link RecurrentState}: once closed it refuses use, and so do its layers' states.
 */
public final class ModelState implements RecurrentState {
    final RecurrentModel model;
    final int batch;
    private final LayerState[][] states;     // [layer][direction], rows in the caller's sample order between calls
    private final StepTeam team;
    // scratch of a call
    private int[] order = new int[0];        // order[k] = caller's sample at sorted position k
    private int[] batchSizes = new int[0];
    private final Scratch packedInput = new Scratch("the packed input (rows * I floats)");
    private final Scratch packedA = new Scratch("a layer's packed output (rows * D * H floats)");
    private final Scratch packedB = new Scratch("a layer's packed output (rows * D * H floats)");
    // the heap segments of the caller's last input and output arrays
    final ArrayView inputView = new ArrayView();
    final ArrayView outputView = new ArrayView();
    private float[] rowScratch = new float[0];
    private boolean closed;

    ModelState(RecurrentModel model, int batch, int threads) {
        this.model = model;
        this.batch = batch;
        this.team = threads > 1 ? new StepTeam(threads) : null;
        if (team != null) {
            StepTeam.closeWhenUnreachable(this, team);
        }
        this.states = new LayerState[model.numLayers()][model.directions()];
        for (int k = 0; k < states.length; k++) {
            for (int d = 0; d < model.directions(); d++) {
                RecurrentLayer layer = model.layer(k, d);
                // above an event-based layer the input is its sparse y: the projection reads only the nonzeros
                boolean sparseInput = k > 0 && model.layer(k - 1, 0).cellType().eventBased();
                states[k][d] = layer.newState(batch, team, this, sparseInput);
            }
        }
    }

    // true when worker threads share this state's calls (they read the caller's input)
    boolean hasTeam() {
        return team != null;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public int numLayers() {
        return states.length;
    }

    @Override
    public int directions() {
        return model.directions();
    }

    /** The state of layer {@code k}, direction {@code d}: read it, or set its {@code h}/{@code c}. */
    @Override
    public LayerState layer(int k, int d) {
        if (k < 0 || k >= states.length || d < 0 || d >= model.directions()) {
            throw new IllegalArgumentException("layer(" + k + ", " + d + "): the model has " + states.length
                    + " layers and " + model.directions() + " direction(s)");
        }
        return states[k][d];
    }

    /** Sets {@code h} of every layer and direction from {@code [L*D][B][H]} (PyTorch's {@code h_0}). */
    @Override
    public ModelState setHidden(float[] values) {
        RecurrentState.super.setHidden(values);
        return this;
    }

    /** Sets {@code c} of every layer and direction from {@code [L*D][B][H]} (PyTorch's {@code c_0}). */
    @Override
    public ModelState setCell(float[] values) {
        RecurrentState.super.setCell(values);
        return this;
    }

    /** All layers and directions back to zero. */
    @Override
    public ModelState reset() {
        Checks.open(this);
        for (LayerState[] layer : states) {
            for (LayerState s : layer) {
                s.reset();
            }
        }
        return this;
    }

    /** Stops the step threads, if any; afterwards the state and its layers' states refuse use. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (team != null) {
            team.close();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    // ---- the call ------------------------------------------------------------------------------

    void run(MemorySegment input, RecurrentModel.Layout layout, int steps, int[] lengths, MemorySegment output) {
        int inputSize = model.inputSize();
        int outputSize = model.outputSize();
        int directions = model.directions();
        sortByLength(steps, lengths);
        int rows = 0;
        for (int t = 0; t < steps; t++) {
            rows += batchSizes[t];
        }
        boolean identity = lengths == null && layout == RecurrentModel.Layout.TIME_MAJOR;
        // Packed input: identical to the caller's array when every sample runs all steps, time-major.
        MemorySegment x = identity ? input : pack(input, layout, steps, inputSize, rows);
        permuteStates(true);
        try {
            int width = 0;
            for (int k = 0; k < states.length; k++) {
                int hidden = model.layer(k, 0).hiddenSize();
                int rowWidth = directions * hidden;
                boolean last = k == states.length - 1;
                MemorySegment out = last && identity ? output : packedOutput(k, (long) rows * rowWidth);
                for (int d = 0; d < directions; d++) {
                    model.layer(k, d).runPacked(x, batchSizes, steps, d == 1, states[k][d], out, rowWidth, d * hidden);
                }
                x = out;
                width = rowWidth;
            }
            if (!identity) {
                unpack(x, layout, steps, width, output);
            }
        } finally {
            permuteStates(false);
        }
    }

    // order: samples by length, longest first (stable); batchSizes[t] = samples with length > t.
    private void sortByLength(int steps, int[] lengths) {
        if (order.length != batch) {
            order = new int[batch];
        }
        if (batchSizes.length < steps) {
            batchSizes = new int[steps];
        }
        for (int b = 0; b < batch; b++) {
            order[b] = b;
        }
        if (lengths == null) {
            Arrays.fill(batchSizes, 0, steps, batch);
            return;
        }
        // insertion sort: B is small, and stability keeps equal-length samples in the caller's order
        for (int i = 1; i < batch; i++) {
            int sample = order[i];
            int j = i - 1;
            while (j >= 0 && lengths[order[j]] < lengths[sample]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = sample;
        }
        for (int t = 0; t < steps; t++) {
            int active = 0;
            while (active < batch && lengths[order[active]] > t) {
                active++;
            }
            batchSizes[t] = active;
        }
    }

    // Packs [T][B][I] or [B][T][I] into the rows of the running samples, step by step, sorted.
    private MemorySegment pack(MemorySegment input, RecurrentModel.Layout layout, int steps, int features, int rows) {
        packedInput.reserve((long) rows * features);
        MemorySegment packed = packedInput.segment();
        long rowBytes = (long) features * Float.BYTES;
        int row = 0;
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < batchSizes[t]; k++) {
                MemorySegment.copy(input, sourceRow(layout, steps, t, order[k]) * rowBytes, packed, row * rowBytes, rowBytes);
                row++;
            }
        }
        return packed;
    }

    // Scatters packed rows back to the caller's layout and order, zeros past each sample's length.
    private void unpack(MemorySegment packed, RecurrentModel.Layout layout, int steps, int features, MemorySegment output) {
        output.fill((byte) 0);
        long rowBytes = (long) features * Float.BYTES;
        int row = 0;
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < batchSizes[t]; k++) {
                MemorySegment.copy(packed, row * rowBytes, output, sourceRow(layout, steps, t, order[k]) * rowBytes, rowBytes);
                row++;
            }
        }
    }

    private int sourceRow(RecurrentModel.Layout layout, int steps, int t, int sample) {
        return layout == RecurrentModel.Layout.TIME_MAJOR ? t * batch + sample : sample * steps + t;
    }

    // Two buffers, used alternately by successive layers (a layer reads the previous one's output).
    private MemorySegment packedOutput(int layer, long floats) {
        Scratch buffer = layer % 2 == 0 ? packedA : packedB;
        buffer.reserve(floats);
        return buffer.segment();
    }

    // Reorders every layer state's rows: caller's order -> sorted (toSorted) or back.
    private void permuteStates(boolean toSorted) {
        boolean identity = true;
        for (int b = 0; b < batch && identity; b++) {
            identity = order[b] == b;
        }
        if (identity) {
            return;
        }
        for (LayerState[] layer : states) {
            for (LayerState s : layer) {
                permuteRows(s.h, s.hidden, toSorted);
                if (s.c != null) {
                    permuteRows(s.c, s.hidden, toSorted);
                }
            }
        }
    }

    private void permuteRows(float[] rows, int width, boolean toSorted) {
        rowScratch = grow(rowScratch, rows.length);
        System.arraycopy(rows, 0, rowScratch, 0, rows.length);
        for (int k = 0; k < batch; k++) {
            int sample = order[k];
            if (toSorted) {
                System.arraycopy(rowScratch, sample * width, rows, k * width, width);
            } else {
                System.arraycopy(rowScratch, k * width, rows, sample * width, width);
            }
        }
    }

    private static float[] grow(float[] array, long floats) {
        if (array.length >= floats) {
            return array;
        }
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(floats + " floats of scratch do not fit one Java array: run shorter chunks");
        }
        return new float[(int) floats];
    }
}
