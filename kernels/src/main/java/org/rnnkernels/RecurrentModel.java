package org.rnnkernels;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.rnnkernels.internal.Checks;

/**
 * A stack of recurrent layers, one or two directions each, run by one call: what PyTorch's
 * {@code nn.RNN}/{@code nn.GRU}/{@code nn.LSTM} are, with any {@link CellType} per layer.
 * The input of layer {@code k+1} is the output of layer {@code k}; a bidirectional layer's output
 * row is the forward direction's {@code h} then the reverse direction's, as in PyTorch.
 *
 * <p>Variable lengths: each sample may have its own length. Samples are run packed (sorted by
 * length, each step only over the samples still running, as PyTorch's {@code PackedSequence}),
 * so padding costs nothing; outputs past a sample's length are zero; its final state is the state
 * at its own last step, and in the reverse direction it starts at its own last step.
 *
 * <p>A model is immutable and may be shared by threads, each with its own {@link ModelState}.
 * It owns its layers: {@link #close()} frees their weights.
 */
public final class RecurrentModel implements AutoCloseable {
    /** How a sequence is laid out in a flat array. */
    public enum Layout {
        /** {@code [T][B][features]}: PyTorch's default ({@code batch_first=False}). */
        TIME_MAJOR,
        /** {@code [B][T][features]} ({@code batch_first=True}). */
        BATCH_MAJOR
    }

    private final RecurrentLayer[][] layers;   // [layer][direction]
    private final int directions;

    private RecurrentModel(RecurrentLayer[][] layers, int directions) {
        this.layers = layers;
        this.directions = directions;
    }

    /**
     * A model from its layers, in PyTorch's order: layer 0 forward, (layer 0 reverse,) layer 1
     * forward, ... The model takes ownership of them.
     *
     * @throws IllegalArgumentException when sizes do not chain: layer k+1's input size must be
     *                                  {@code directions * H} of layer k, and both directions of a
     *                                  layer must have the same sizes
     */
    public static RecurrentModel of(boolean bidirectional, List<RecurrentLayer> layersInOrder) {
        int directions = bidirectional ? 2 : 1;
        if (layersInOrder == null || layersInOrder.isEmpty() || layersInOrder.size() % directions != 0) {
            throw new IllegalArgumentException("layersInOrder: expected a positive multiple of " + directions
                    + " layers, got " + (layersInOrder == null ? "null" : layersInOrder.size()));
        }
        int count = layersInOrder.size() / directions;
        RecurrentLayer[][] grid = new RecurrentLayer[count][directions];
        for (int k = 0; k < count; k++) {
            for (int d = 0; d < directions; d++) {
                RecurrentLayer layer = layersInOrder.get(k * directions + d);
                if (layer == null) {
                    throw new IllegalArgumentException("layersInOrder[" + (k * directions + d) + "] is null");
                }
                grid[k][d] = layer;
            }
            RecurrentLayer first = grid[k][0];
            for (int d = 1; d < directions; d++) {
                RecurrentLayer other = grid[k][d];
                if (other.cellType() != first.cellType()) {
                    throw new IllegalArgumentException("layer " + k + ": reverse direction is " + other.cellType()
                            + ", forward is " + first.cellType() + "; both directions of a layer are one cell type");
                }
                if (other.inputSize() != first.inputSize() || other.hiddenSize() != first.hiddenSize()) {
                    throw new IllegalArgumentException("layer " + k + ": reverse direction is I=" + other.inputSize()
                            + ", H=" + other.hiddenSize() + ", forward is I=" + first.inputSize() + ", H=" + first.hiddenSize());
                }
            }
            if (k > 0 && first.inputSize() != directions * grid[k - 1][0].hiddenSize()) {
                throw new IllegalArgumentException("layer " + k + " has input size " + first.inputSize()
                        + ", expected " + directions + " * H of layer " + (k - 1) + " = " + directions * grid[k - 1][0].hiddenSize());
            }
        }
        return new RecurrentModel(grid, directions);
    }

    public int numLayers() {
        return layers.length;
    }

    public boolean bidirectional() {
        return directions == 2;
    }

    public int directions() {
        return directions;
    }

    /** The layer {@code k}, direction {@code d} (0 forward, 1 reverse). */
    public RecurrentLayer layer(int k, int d) {
        return layers[k][d];
    }

    public int inputSize() {
        return layers[0][0].inputSize();
    }

    /** Features of an output row: {@code directions * H} of the last layer. */
    public int outputSize() {
        return directions * layers[layers.length - 1][0].hiddenSize();
    }

    /** A zero state for {@code batch} streams; steps run on the caller's thread. */
    public ModelState newState(int batch) {
        return newState(batch, 1);
    }

    /** A zero state whose calls are shared by {@code threads} threads (see {@link RecurrentLayer#newState(int, int)}). */
    public ModelState newState(int batch, int threads) {
        Checks.positive("batch", batch);
        Checks.positive("threads", threads);
        for (RecurrentLayer[] layer : layers) {
            LayerState.checkSize(layer[0].cellType(), batch, layer[0].hiddenSize());   // before any worker thread starts
        }
        return new ModelState(this, batch, threads);
    }

    /** {@link #forward(float[], Layout, int, int[], ModelState, float[])}, time-major. */
    public void forward(float[] input, int steps, int[] lengths, ModelState state, float[] output) {
        forward(input, Layout.TIME_MAJOR, steps, lengths, state, output);
    }

    /**
     * Runs the whole stack over {@code steps} time steps. {@code state} holds the initial state of
     * every layer and direction on entry and their final states on return.
     *
     * @param input   {@code [T][B][I]} or {@code [B][T][I]}, per {@code layout}
     * @param lengths per-sample lengths in {@code [0, T]}, or null for all {@code T}
     * @param output  {@code [T][B][D*H]} or {@code [B][T][D*H]}; zero past a sample's length
     */
    public void forward(float[] input, Layout layout, int steps, int[] lengths, ModelState state, float[] output) {
        checkCall(layout, steps, lengths, state);
        boolean timeMajor = layout == Layout.TIME_MAJOR;
        long first = timeMajor ? steps : state.batch, second = timeMajor ? state.batch : steps;
        Checks.floats("input", input, timeMajor ? "[T=%d][B=%d][I=%d]" : "[B=%d][T=%d][I=%d]", first, second, inputSize());
        Checks.floats("output", output, timeMajor ? "[T=%d][B=%d][D*H=%d]" : "[B=%d][T=%d][D*H=%d]", first, second, outputSize());
        if (input == output) {
            throw new IllegalArgumentException("input and output are the same array");
        }
        requireOpen();
        state.run(state.inputView.of(input), layout, steps, lengths, state.outputView.of(output));
    }

    /** {@link #forward(MemorySegment, Layout, int, int[], ModelState, MemorySegment)}, time-major. */
    public void forward(MemorySegment input, int steps, int[] lengths, ModelState state, MemorySegment output) {
        forward(input, Layout.TIME_MAJOR, steps, lengths, state, output);
    }

    /**
     * {@link #forward(float[], Layout, int, int[], ModelState, float[])} on memory the caller owns, read
     * and written where it is (no copy into the library's arrays): a heap segment, or native memory such
     * as a buffer shared with other code. Floats in the platform's byte order, 4-byte aligned; with a
     * state of more than one thread the input must be readable by the state's workers (not a confined
     * arena's); the output must not overlap the input.
     */
    public void forward(MemorySegment input, Layout layout, int steps, int[] lengths, ModelState state,
                        MemorySegment output) {
        checkCall(layout, steps, lengths, state);
        boolean timeMajor = layout == Layout.TIME_MAJOR;
        long first = timeMajor ? steps : state.batch, second = timeMajor ? state.batch : steps;
        Checks.floats("input", input, false, state.hasTeam(),
                timeMajor ? "[T=%d][B=%d][I=%d]" : "[B=%d][T=%d][I=%d]", first, second, inputSize());
        Checks.floats("output", output, true, false,
                timeMajor ? "[T=%d][B=%d][D*H=%d]" : "[B=%d][T=%d][D*H=%d]", first, second, outputSize());
        Checks.disjoint("input", input, "output", output);
        requireOpen();
        state.run(input, layout, steps, lengths, output);
    }

    // The checks of a call that do not depend on how its input and output are held.
    private void checkCall(Layout layout, int steps, int[] lengths, ModelState state) {
        if (layout == null) {
            throw new IllegalArgumentException("layout is null");
        }
        if (state == null || state.model != this) {
            throw new IllegalArgumentException("state: expected a state made by this model's newState");
        }
        Checks.open(state);
        if (steps < 0) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 0");
        }
        int batch = state.batch;
        if (lengths != null) {
            if (lengths.length != batch) {
                throw new IllegalArgumentException("lengths has " + lengths.length + " entries, expected B = " + batch);
            }
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 0 || lengths[b] > steps) {
                    throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + ", expected 0.." + steps);
                }
            }
        }
    }

    private void requireOpen() {
        for (RecurrentLayer[] layer : layers) {
            for (RecurrentLayer direction : layer) {
                direction.requireOpen();
            }
        }
    }

    @Override
    public void close() {
        for (RecurrentLayer[] layer : layers) {
            for (RecurrentLayer direction : layer) {
                direction.close();
            }
        }
    }
}
