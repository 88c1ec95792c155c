package org.rnnkernels.flink;

import java.util.Arrays;

import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentModel;

/**
 * One step of {@code n} independent streams through a model, their states gathered from per-key
 * arrays ({@link StateLayout}) and scattered back: row {@code b} of every {@code [n][...]} buffer is
 * stream {@code b}. What the Flink operator runs, and what a plain Java program keeping its own
 * per-key states would run (the example's baseline). Each batch size {@code n} in {@code 1..maxBatch} gets its own {@link ModelState}
 * and buffers when first used, so a call always has the exact shape the model expects and the state
 * reuses its workspaces (and its wrap of the input array) from then on.
 *
 * <p>One per parallel task, used by the task thread only.
 */
public final class BatchStepper implements AutoCloseable {
    private final RecurrentModel model;
    private final StateLayout layout;
    private final Batch[] bySize;

    /** The buffers of one batch size. */
    public static final class Batch {
        public final int size;
        final ModelState state;
        /** {@code x [n][I]}: filled by the caller before {@link BatchStepper#step}. */
        public final float[] input;
        /** {@code y [n][D*H]} of the last step. */
        public final float[] output;
        final float[][] hidden;   // per layer, [n][H_k]
        final float[][] cell;     // per layer, [n][H_k], null where the layer has no c

        private Batch(RecurrentModel model, StateLayout layout, int size) {
            this.size = size;
            this.state = model.newState(size);
            this.input = new float[size * model.inputSize()];
            this.output = new float[size * model.outputSize()];
            this.hidden = new float[layout.layers()][];
            this.cell = new float[layout.layers()][];
            for (int k = 0; k < layout.layers(); k++) {
                hidden[k] = new float[size * layout.hiddenSize(k)];
                cell[k] = layout.hasCellState(k) ? new float[size * layout.hiddenSize(k)] : null;
            }
        }
    }

    /** Takes ownership of {@code model} (closed with the stepper); {@code layout} must be the model's. */
    public BatchStepper(RecurrentModel model, StateLayout layout, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch = " + maxBatch + ", expected >= 1");
        }
        if (!layout.equals(StateLayout.of(model))) {
            throw new IllegalArgumentException("layout " + layout + " is not the model's " + StateLayout.of(model));
        }
        this.model = model;
        this.layout = layout;
        this.bySize = new Batch[maxBatch + 1];
    }

    public int inputSize() {
        return model.inputSize();
    }

    public int outputSize() {
        return model.outputSize();
    }

    /** The buffers for a batch of {@code n} streams (made on first use). */
    public Batch batch(int n) {
        if (n < 1 || n >= bySize.length) {
            throw new IllegalArgumentException("n = " + n + ", expected 1.." + (bySize.length - 1));
        }
        Batch b = bySize[n];
        if (b == null) {
            b = new Batch(model, layout, n);
            bySize[n] = b;
        }
        return b;
    }

    /** Row {@code row} of the batch's states from one key's state; {@code keyState} null is a new key (zeros). */
    public void gather(Batch batch, int row, float[] keyState) {
        for (int k = 0; k < layout.layers(); k++) {
            int h = layout.hiddenSize(k);
            if (keyState == null) {
                Arrays.fill(batch.hidden[k], row * h, (row + 1) * h, 0f);
            } else {
                System.arraycopy(keyState, layout.hiddenOffset(k), batch.hidden[k], row * h, h);
            }
            if (batch.cell[k] != null) {
                if (keyState == null) {
                    Arrays.fill(batch.cell[k], row * h, (row + 1) * h, 0f);
                } else {
                    System.arraycopy(keyState, layout.cellOffset(k), batch.cell[k], row * h, h);
                }
            }
        }
    }

    /**
     * One step of the whole batch: {@code h_t, c_t = cell(x_t, h_{t-1}, c_{t-1})} layer by layer, the
     * gathered states in, the new states back in the batch's buffers, the output in {@code batch.output}.
     */
    public void step(Batch batch) {
        ModelState state = batch.state;
        for (int k = 0; k < layout.layers(); k++) {
            state.layer(k, 0).setHidden(batch.hidden[k]);
            if (batch.cell[k] != null) {
                state.layer(k, 0).setCell(batch.cell[k]);
            }
        }
        model.forward(batch.input, 1, null, state, batch.output);
        for (int k = 0; k < layout.layers(); k++) {
            state.layer(k, 0).copyHidden(batch.hidden[k], 0);
            if (batch.cell[k] != null) {
                state.layer(k, 0).copyCell(batch.cell[k], 0);
            }
        }
    }

    /** Row {@code row} of the batch's new states into one key's state array ({@link StateLayout#length()} floats). */
    public void scatter(Batch batch, int row, float[] keyState) {
        for (int k = 0; k < layout.layers(); k++) {
            int h = layout.hiddenSize(k);
            System.arraycopy(batch.hidden[k], row * h, keyState, layout.hiddenOffset(k), h);
            if (batch.cell[k] != null) {
                System.arraycopy(batch.cell[k], row * h, keyState, layout.cellOffset(k), h);
            }
        }
    }

    /** Closes every batch's state, then the model. */
    @Override
    public void close() {
        for (Batch b : bySize) {
            if (b != null) {
                b.state.close();
            }
        }
        model.close();
    }
}
