package org.rnnkernels.product;

/**
 * A layer's elementwise step (the cell's part of it) when the layer's products keep the step's operands
 * themselves instead of the state's float arrays: the integer RAG layers, whose products write int32
 * accumulators and whose states are integers between steps. A layer of float parts has none; its cell's
 * {@code GatePass} runs on the state's arrays. Chosen once, when the layer is built; immutable, shared by
 * every state and thread.
 */
public interface CellStep {

    /** This step's part of one state, over the parts that state bound of the same layer. */
    Bound bind(InputProjection.Bound projection, RecurrentProduct.Bound recurrent, RecurrentProduct.StepBuffers buffers);

    /** One state's part: used by that state's steps only, one step at a time (split by units among a team). */
    interface Bound {
        /**
         * Hidden units {@code from .. to-1} of samples {@code 0 .. rows-1}, after every member's part of the
         * recurrent product; the step's input projection is row {@code rowStart} onwards of the call's. Leaves
         * the new {@code h} (and {@code c}) in the state's float arrays.
         */
        void apply(int rows, int from, int to, int rowStart);
    }
}
