package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentState;
import org.rnnkernels.internal.Slices;

/**
 * One stream (or batch of streams) through a {@link TernaryTrainingLayer}: the state {@code h [B][H]}
 * ({@code c} for the LSTM) and the workspace the training forward fills for the backward, reused from
 * call to call (grown to the longest call, then a steady stream allocates nothing). It is a
 * {@link TrainingState} (inputs, projections, states, gate cache, row gradients; see there) plus, in
 * TERNARY mode, the ternary activations that entered the products, {@code A_x [T*B][I]} and
 * {@code A_h [T*B][H]} (for {@code dW = dG^T A}), the draws of a {@link java.util.SplittableRandom}
 * forward, and one step's {@code [B][H]} product before the activation STE's mask.
 *
 * <p>The state carries across calls (truncated BPTT, as {@link TrainingState}). Belongs to one caller:
 * not thread-safe.
 *
 * <p>A {@link RecurrentState} of one layer and one direction: {@link #close()} drops the workspace, and a
 * closed state refuses use.
 */
public final class TernaryTrainingState implements RecurrentState {
    final TrainingState core;
    final boolean ternary;
    final int batch;
    final int input;
    final int hidden;
    // TERNARY mode only (null in FLOAT mode, where x and h themselves enter the products)
    float[] ax = new float[0];
    float[] ah = new float[0];
    float[] uniforms = new float[0];
    MemorySegment axSegment;
    MemorySegment ahSegment;
    final float[] product;
    final MemorySegment productSegment;
    // The per-step and per-scale-block BLAS operands, sliced once (see Slices): A_h from step t's rows on (TERNARY
    // mode; FLOAT mode's h_t is the core's hsSteps), and gi's and gh's columns of scale block k
    Slices ahSteps;
    Slices giBlocks;
    final Slices ghBlocks;
    private final int blockWidth;
    private final int scaleBlocks;
    int capacity;
    // The layer's quantisation the last forward used, so a backward after another forward re-quantised is refused.
    long generation = -1;

    TernaryTrainingState(CellType type, boolean ternary, int batch, int input, int hidden, int scaleBlocks) {
        this.core = new TrainingState(type, batch, hidden, input, type.description().cacheBlocks());
        this.ternary = ternary;
        this.batch = batch;
        this.input = input;
        this.hidden = hidden;
        this.product = ternary ? new float[batch * hidden] : null;
        this.productSegment = ternary ? MemorySegment.ofArray(product) : null;
        this.scaleBlocks = scaleBlocks;
        this.blockWidth = type.gates() * hidden / scaleBlocks;
        this.ghBlocks = new Slices(core.ghSegment, blockWidth, scaleBlocks);
        this.giBlocks = new Slices(core.giSegment, blockWidth, scaleBlocks);   // the core starts with room for a step
    }

    void reserve(int steps) {
        MemorySegment gi = core.giSegment;
        core.reserve(steps);
        if (core.giSegment != gi) {   // grown
            giBlocks = new Slices(core.giSegment, blockWidth, scaleBlocks);
        }
        if (!ternary || steps <= capacity) {
            return;
        }
        long rows = (long) steps * batch;
        if (rows * (input + hidden) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("steps = " + steps + " with B=" + batch + ", I+H=" + (input + hidden)
                    + " does not fit the training workspace's Java arrays: train on shorter chunks");
        }
        capacity = steps;
        ax = new float[(int) rows * input];
        ah = new float[(int) rows * hidden];
        uniforms = new float[(int) rows * (input + hidden)];
        axSegment = MemorySegment.ofArray(ax);
        ahSegment = MemorySegment.ofArray(ah);
        ahSteps = new Slices(ahSegment, (long) batch * hidden, steps);
    }

    /** Makes this the state of a layer inside {@code whole}: closed with it, not alone. */
    void ownedBy(RecurrentState whole) {
        core.ownedBy(whole);
    }

    /**
     * Drops the workspace; afterwards the state refuses use. Idempotent; does nothing for the state of a
     * layer inside a {@link TrainingModel.State} (close that one).
     */
    @Override
    public void close() {
        if (!core.isPart()) {
            release();
        }
    }

    void release() {
        core.release();
        capacity = 0;
        ax = ah = uniforms = new float[0];
        axSegment = ahSegment = null;
        ahSteps = giBlocks = null;
    }

    @Override
    public boolean isClosed() {
        return core.isClosed();   // one flag for both, the core's (and its owner's, when part of a model's state)
    }

    public CellType cellType() {
        return core.type;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    public int hiddenSize() {
        return hidden;
    }

    @Override
    public int numLayers() {
        return 1;
    }

    @Override
    public int directions() {
        return 1;
    }

    /** This state: it has one layer and one direction. */
    @Override
    public TernaryTrainingState layer(int layer, int direction) {
        core.layer(layer, direction);   // the check
        return this;
    }

    @Override
    public int hiddenSize(int layer) {
        return core.hiddenSize(layer);
    }

    @Override
    public boolean hasCellState(int layer) {
        return core.hasCellState(layer);
    }

    /** Steps of the last training forward, whose trace a backward would use; 0 when there is none. */
    public int tracedSteps() {
        return core.steps;
    }

    /** A copy of {@code h}, {@code [B][H]} flattened. */
    @Override
    public float[] hidden() {
        return core.hidden();
    }

    /** A copy of {@code c}, {@code [B][H]}; LSTM only. */
    @Override
    public float[] cell() {
        return core.cell();
    }

    /** Sets {@code h} from {@code [B][H]} flattened. */
    @Override
    public TernaryTrainingState setHidden(float[] values) {
        core.setHidden(values);
        return this;
    }

    /** Sets {@code c} from {@code [B][H]} flattened; LSTM only. */
    @Override
    public TernaryTrainingState setCell(float[] values) {
        core.setCell(values);
        return this;
    }

    /** Back to the zero state (the start of a new stream). */
    @Override
    public TernaryTrainingState reset() {
        core.reset();
        return this;
    }
}
