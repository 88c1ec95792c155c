package org.rnnkernels.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.io.SafeTensors;
import org.rnnkernels.io.SafeTensorsException;
import org.rnnkernels.io.Tensor;
import org.rnnkernels.io.TensorFile;
import org.rnnkernels.internal.Checks;

/**
 * A stack of recurrent layers (one direction) with a {@link LinearHead} on top, trained by backpropagation
 * through time: the smallest API that trains what the library runs. A training step is
 * <pre>{@code
 * state.reset();                                   // independent sequences: start from zero
 * model.forward(x, steps, state, y);               // y = head(h_T) or head(h_t) for every t
 * double loss = mse.compute(y, 1, batch, target, null, dy);
 * model.backward(state, dy);                       // gradients accumulate
 * model.update(adam, 1.0);                          // clip, step, refresh, zero
 * }</pre>
 * Layer {@code k}'s input is layer {@code k-1}'s output sequence; the backward runs each layer's
 * {@link TrainingLayer#backward} from the top, handing the input gradient {@code dX} of layer {@code k} to
 * layer {@code k-1} as its output gradient. The head sees the last layer's {@code h_T} only
 * ({@link HeadOn#LAST_STEP}, e.g. the adding problem) or every step's {@code h_t} ({@link HeadOn#EVERY_STEP},
 * e.g. copy memory, language models).
 *
 * <p>The parameters are the layers' live arrays ({@link TrainingLayer#parameters}) named as in the
 * library's model files ({@code weight_ih_l0}, ..., {@code head.weight}, {@code head.bias}); {@link
 * #update} applies an optimiser and refreshes what the layers derive from them. {@link #toModel()} and
 * {@link #save} export the trained stack for inference.
 *
 * <p>A training model belongs to one training loop (one thread): updates change the weights in place.
 * Streams live in {@link State}s; a backward differentiates the last forward of the state it is given,
 * whatever other states ran in between.
 */
public final class TrainingModel {
    /** Which of the last layer's outputs the head maps. */
    public enum HeadOn {
        /** Only {@code h_T}: one head output per sequence, {@code [B][K]}. */
        LAST_STEP,
        /** Every {@code h_t}: {@code [T][B][K]}. */
        EVERY_STEP
    }

    private final TrainingLayer[] layers;
    private final ParameterGradients[] gradients;
    private final LinearHead head;
    private final HeadOn headOn;
    private final List<Parameter> parameters;

    private TrainingModel(TrainingLayer[] layers, LinearHead head, HeadOn headOn) {
        this.layers = layers;
        this.head = head;
        this.headOn = headOn;
        this.gradients = new ParameterGradients[layers.length];
        List<Parameter> all = new ArrayList<>();
        for (int k = 0; k < layers.length; k++) {
            gradients[k] = layers[k].newGradients();
            for (Parameter p : layers[k].parameters(gradients[k])) {
                all.add(new Parameter(p.name() + "_l" + k, p.value(), p.gradient()));
            }
        }
        for (Parameter p : head.parameters()) {
            all.add(new Parameter("head." + p.name(), p.value(), p.gradient()));
        }
        this.parameters = List.copyOf(all);
    }

    /**
     * A training model of {@code model}'s layers (their weights copied: {@code model} stays usable and may
     * be closed) and {@code head} (used as it is: its weights are trained in place).
     *
     * @throws IllegalArgumentException for a bidirectional model, a head whose input size is not the
     *                                  model's output size, or a layer the kernels cannot train
     */
    public static TrainingModel of(RecurrentModel model, LinearHead head, HeadOn headOn) {
        if (model == null || head == null || headOn == null) {
            throw new IllegalArgumentException((model == null ? "model" : head == null ? "head" : "headOn") + " is null");
        }
        if (model.bidirectional()) {
            throw new IllegalArgumentException("model is bidirectional; only one-direction stacks can be trained");
        }
        if (head.hiddenSize() != model.outputSize()) {
            throw new IllegalArgumentException("head takes " + head.hiddenSize() + " inputs, expected the model's output size "
                    + model.outputSize());
        }
        TrainingLayer[] layers = new TrainingLayer[model.numLayers()];
        for (int k = 0; k < layers.length; k++) {
            layers[k] = TrainingLayer.of(model.layer(k, 0));
        }
        return new TrainingModel(layers, head, headOn);
    }

    /** Zero states for {@code batch} streams, one per layer, with the buffers between the layers. */
    public State newState(int batch) {
        Checks.positive("batch", batch);
        TrainingState[] states = new TrainingState[layers.length];
        for (int k = 0; k < layers.length; k++) {
            states[k] = layers[k].newState(batch);
        }
        return new State(this, states, batch);
    }

    /**
     * Training forward of {@code steps} steps from the states in {@code state} (left holding the final
     * states, so a stream continues across calls: {@link State#reset()} starts new sequences).
     *
     * @param input  {@code [T][B][I]} time-major
     * @param output the head's outputs: {@code [B][K]} for {@link HeadOn#LAST_STEP}, {@code [T][B][K]} for
     *               {@link HeadOn#EVERY_STEP}, written
     */
    public void forward(float[] input, int steps, State state, float[] output) {
        checkState(state);
        Checks.positive("steps", steps);
        int batch = state.batch;
        int inputSize = layers[0].inputSize();
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        int headRows = headOn == HeadOn.LAST_STEP ? batch : steps * batch;
        if (headOn == HeadOn.LAST_STEP) {
            Checks.floats("output", output, "[B=%d][K=%d]", batch, head.outputs());
        } else {
            Checks.floats("output", output, "[T=%d][B=%d][K=%d]", steps, batch, head.outputs());
        }
        state.reserve(steps);
        float[] x = input;
        for (int k = 0; k < layers.length; k++) {
            layers[k].forward(x, steps, state.layers[k], state.outputs[k]);
            x = state.outputs[k];
        }
        int hidden = layers[layers.length - 1].hiddenSize();
        int from = headOn == HeadOn.LAST_STEP ? (steps - 1) * batch * hidden : 0;
        head.forward(x, from, headRows, output, 0);
        state.steps = steps;
    }

    /**
     * BPTT of the last {@link #forward} on {@code state} for a loss whose gradient with respect to the
     * head's outputs is {@code dOutput} (shaped as the forward's {@code output}). The gradients of every
     * parameter ADD to {@link #parameters()}' gradient arrays, until {@link #update} or {@link #zeroGradients()}.
     */
    public void backward(State state, float[] dOutput) {
        checkState(state);
        if (state.steps == 0) {
            throw new IllegalStateException("no training forward to differentiate: call forward on this state first");
        }
        int steps = state.steps;
        int batch = state.batch;
        int headRows = headOn == HeadOn.LAST_STEP ? batch : steps * batch;
        if (headOn == HeadOn.LAST_STEP) {
            Checks.floats("dOutput", dOutput, "[B=%d][K=%d]", batch, head.outputs());
        } else {
            Checks.floats("dOutput", dOutput, "[T=%d][B=%d][K=%d]", steps, batch, head.outputs());
        }
        int top = layers.length - 1;
        // The head keeps the input of ITS last forward, which may have been another state's: run it again on
        // this state's top outputs (O(rows*H*K), small beside the layers) so that its backward is this state's.
        int hidden = layers[top].hiddenSize();
        head.forward(state.outputs[top], headOn == HeadOn.LAST_STEP ? (steps - 1) * batch * hidden : 0, headRows,
                state.headOutput, 0);
        head.backward(dOutput, 0, headRows, state.dTop, 0);
        // Layer k's output gradient: the head's dH for the top, the dX of layer k+1 below it.
        float[] dOutputs = headOn == HeadOn.EVERY_STEP ? state.dTop : null;
        float[] dFinalH = headOn == HeadOn.LAST_STEP ? state.dTop : null;
        for (int k = top; k >= 0; k--) {
            float[] dInput = k == 0 ? null : state.dInputs[k - 1];
            layers[k].backward(state.layers[k], dOutputs, dFinalH, null, dInput, null, null, gradients[k]);
            dOutputs = dInput;
            dFinalH = null;
        }
    }

    /**
     * One update: clips the gradients' total 2-norm to {@code maxGradNorm} (PyTorch's
     * {@code clip_grad_norm_}; {@code Double.POSITIVE_INFINITY} for none), takes the optimiser's step, lets
     * the layers refresh what they derive from the weights, and zeroes the gradients.
     *
     * @param optimizer built on {@link #parameters()}
     * @return the gradients' total norm before clipping
     */
    public double update(Optimizer optimizer, double maxGradNorm) {
        if (optimizer == null || !optimizer.parameters().equals(parameters)) {
            throw new IllegalArgumentException("optimizer must be built on this model's parameters()");
        }
        if (!(maxGradNorm > 0)) {
            throw new IllegalArgumentException("maxGradNorm = " + maxGradNorm + ", expected > 0 (infinity for no clipping)");
        }
        double norm = maxGradNorm == Double.POSITIVE_INFINITY ? Gradients.norm(parameters)
                : Gradients.clipGradNorm(parameters, maxGradNorm);
        optimizer.step();
        parametersChanged();
        zeroGradients();
        return norm;
    }

    /**
     * Lets the layers refresh what they derive from the weights ({@link TrainingLayer#parametersChanged()})
     * after {@link #parameters()}' values were changed other than by {@link #update} (by hand, say).
     */
    public void parametersChanged() {
        for (TrainingLayer layer : layers) {
            layer.parametersChanged();
        }
    }

    /** Sets every gradient to 0 (with the dense gradients a restricted layer keeps beside its pool's). */
    public void zeroGradients() {
        for (ParameterGradients g : gradients) {
            g.zero();
        }
        Gradients.zero(head.parameters());
    }

    /** Every trained array with its gradient, layers first ({@code weight_ih_l0}, ...), then the head's. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The inference stack with the current weights (copied); the caller closes it. */
    public RecurrentModel toModel() {
        List<RecurrentLayer> built = new ArrayList<>(layers.length);
        for (TrainingLayer layer : layers) {
            built.add(layer.toLayer());
        }
        return RecurrentModel.of(false, built);
    }

    /** The head, trained in place. */
    public LinearHead head() {
        return head;
    }

    public HeadOn headOn() {
        return headOn;
    }

    public int numLayers() {
        return layers.length;
    }

    /**
     * Writes the stack as an rnnkernels model file ({@link ModelFiles}, readable by {@link ModelFiles#load}
     * for inference) with the head as the extra tensors {@code head.weight [K][H]}, {@code head.bias [K]}
     * and {@link #headOn()} in the metadata, atomically.
     */
    public void save(Path file) throws IOException {
        Map<String, Tensor> extra = new LinkedHashMap<>();
        extra.put("head.weight", new Tensor(new long[] {head.outputs(), head.hiddenSize()}, head.weight()));
        extra.put("head.bias", new Tensor(new long[] {head.outputs()}, head.bias()));
        try (RecurrentModel model = toModel()) {
            ModelFiles.save(model, extra, Map.of("head_on", headOn.name()), file);
        }
    }

    /** Reads a file written by {@link #save}, to train further or to evaluate with its head. */
    public static TrainingModel load(Path file) throws IOException {
        TensorFile tensors = SafeTensors.read(file);
        String on = tensors.metadata().get("head_on");
        if (on == null || !tensors.contains("head.weight") || !tensors.contains("head.bias")) {
            throw new SafeTensorsException(file, null, "no head (head.weight, head.bias, metadata head_on): not written by"
                    + " TrainingModel.save; for the recurrent layers alone use ModelFiles.load");
        }
        HeadOn headOn;
        try {
            headOn = HeadOn.valueOf(on);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(file, null, "metadata head_on = " + on + ", expected LAST_STEP or EVERY_STEP");
        }
        Tensor weight = tensors.get("head.weight");
        Tensor bias = tensors.get("head.bias");
        if (weight.rank() != 2 || bias.rank() != 1 || bias.dim(0) != weight.dim(0)) {
            throw new SafeTensorsException(file, "head.weight", "head.weight " + weight + " and head.bias " + bias
                    + ": expected [K][H] and [K]");
        }
        try (RecurrentModel model = ModelFiles.load(file)) {
            LinearHead head = LinearHead.of((int) weight.dim(1), (int) weight.dim(0), weight.data(), bias.data());
            try {
                return of(model, head, headOn);
            } catch (IllegalArgumentException e) {
                throw new SafeTensorsException(file, "head.weight", e.getMessage());
            }
        }
    }

    private void checkState(State state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (state.owner != this) {
            throw new IllegalArgumentException("state belongs to another training model: use this model's newState");
        }
    }

    /**
     * The streams of one batch through every layer of a {@link TrainingModel}: each layer's
     * {@link TrainingState} and the sequences passed between the layers (grown to the longest call).
     */
    public static final class State {
        private final TrainingModel owner;
        private final TrainingState[] layers;
        private final int batch;
        private final float[][] outputs;   // layer k's [T][B][H_k]
        private final float[][] dInputs;   // dL/d(input of layer k+1) = dL/d(output of layer k)
        private float[] dTop;              // the head's dH
        private float[] headOutput;        // scratch for the head's forward in the backward
        private int capacity;
        private int steps;

        private State(TrainingModel owner, TrainingState[] layers, int batch) {
            this.owner = owner;
            this.layers = layers;
            this.batch = batch;
            this.outputs = new float[layers.length][];
            this.dInputs = new float[layers.length][];
        }

        // The layers' output and gradient arrays hold exactly T*B*H floats (their forward/backward check
        // lengths), so they are reallocated when T changes; a training loop keeps T fixed.
        private void reserve(int steps) {
            if (steps == capacity) {
                return;
            }
            TrainingLayer[] model = owner.layers;
            for (int k = 0; k < model.length; k++) {
                outputs[k] = new float[Math.multiplyExact(steps * batch, model[k].hiddenSize())];
                // dInputs[k] is layer k+1's dX: none above the top layer
                dInputs[k] = k + 1 < model.length ? new float[outputs[k].length] : null;
            }
            int topRows = owner.headOn == HeadOn.LAST_STEP ? batch : steps * batch;
            dTop = new float[Math.multiplyExact(topRows, model[model.length - 1].hiddenSize())];
            headOutput = new float[Math.multiplyExact(topRows, owner.head.outputs())];
            capacity = steps;
        }

        /** Every layer back to the zero state (new, independent sequences). */
        public State reset() {
            for (TrainingState s : layers) {
                s.reset();
            }
            return this;
        }

        /** Layer {@code k}'s state: its {@code h} (and {@code c}) to read or set. */
        public TrainingState layer(int k) {
            if (k < 0 || k >= layers.length) {
                throw new IllegalArgumentException("k = " + k + ", expected 0.." + (layers.length - 1));
            }
            return layers[k];
        }

        public int batchSize() {
            return batch;
        }
    }
}
