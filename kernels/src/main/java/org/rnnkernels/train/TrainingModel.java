package org.rnnkernels.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.RecurrentState;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.io.SafeTensors;
import org.rnnkernels.io.SafeTensorsException;
import org.rnnkernels.io.Tensor;
import org.rnnkernels.io.TensorFile;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * A stack of recurrent layers, one or two directions each, with a {@link LinearHead} on top, trained by
 * backpropagation through time: the smallest API that trains what the library runs. A training step is
 * <pre>{@code
 * state.reset();                                   // independent sequences: start from zero
 * model.forward(x, steps, state, y);               // y = head(output[T-1]) or head(output[t]) for every t
 * double loss = mse.compute(y, 1, batch, target, null, dy);
 * model.backward(state, dy);                       // gradients accumulate
 * model.update(adam, 1.0);                          // clip, step, refresh, zero
 * }</pre>
 * Layer {@code k}'s input is layer {@code k-1}'s output sequence; the backward runs each layer's backward
 * from the top, handing the input gradient {@code dX} of layer {@code k} to layer {@code k-1} as its output
 * gradient. The layers are {@link TrainingLayer}s (every cell, EGRU and restricted layers) or HitNet
 * {@link TernaryTrainingLayer}s, mixed as wanted.
 *
 * <p>Bidirectional stacks are PyTorch's ({@code nn.GRU(bidirectional=True)}): layer {@code k}'s output row
 * at step {@code t} is the forward direction's {@code h_t} then the reverse direction's, {@code [T][B][2H]},
 * and that is layer {@code k+1}'s input. The reverse direction runs {@code t = T-1 .. 0} from its own
 * initial state (so its final state is its state after {@code x_0}). It is trained as a one-direction
 * layer on the time-reversed sequence: its input is copied reversed, its outputs and output gradients
 * likewise, and its {@code dX} is added reversed to the forward direction's ({@code O(T*B*(I+H))} copies
 * a layer, small beside its products).
 *
 * <p>The head maps rows of the last layer's output sequence ({@code D*H} wide): every row
 * ({@link HeadOn#EVERY_STEP}, e.g. copy memory, language models) or the last, {@code output[T-1]}
 * ({@link HeadOn#LAST_STEP}, e.g. the adding problem). {@code output[T-1]} is what PyTorch's
 * {@code output[-1]} is: for one direction the final state {@code h_T}; for two, the forward direction's
 * {@code h_T} and the reverse direction's output at {@code t = T-1}, which has seen {@code x_{T-1}} alone
 * (its final state, PyTorch's {@code h_n[-1]}, is the reverse half of {@code output[0]}: use
 * {@link HeadOn#EVERY_STEP} and a loss on the rows wanted to train on it). So {@link HeadOn#LAST_STEP} is
 * always exactly {@link HeadOn#EVERY_STEP}'s last row.
 *
 * <p>The parameters are the layers' live arrays ({@link TrainingLayer#parameters}) named as PyTorch and the
 * library's model files name them ({@code weight_ih_l0}, {@code weight_ih_l0_reverse}, ...,
 * {@code head.weight}, {@code head.bias}); {@link #update} applies an optimiser and refreshes what the layers
 * derive from them. {@link #toModel()} and {@link #save} export the trained stack for inference.
 *
 * <p><b>Dropout between layers</b> ({@link #setDropout}), as PyTorch's {@code nn.GRU(dropout=p)}: in the training
 * forward each element of every layer's output sequence except the top layer's is zeroed with probability
 * {@code p} and the others scaled by {@code 1/(1-p)} (inverted dropout, so the exported inference stack, which
 * has no dropout, sees activations of the same expectation): {@code x_{k+1} = m ⊙ out_k}, {@code m} in
 * {@code {0, 1/(1-p)}}; the backward multiplies the gradient handed down by the same mask,
 * {@code dout_k = m ⊙ dx_{k+1}}. The masks are drawn from the {@link State}'s draws (after each layer's
 * forward), so a state made with the same draw seed drops the same elements.
 *
 * <p>A word-id model ({@link #of(Embedding, RecurrentModel, LinearHead, HeadOn)}) has an {@link Embedding} below
 * layer 0: it takes {@code [T][B]} ids ({@link #forward(int[], int, State, float[])}), its backward scatter-adds
 * layer 0's input gradient into the table's rows, and its file carries the table as {@code embedding.weight}.
 *
 * <p>Ternary layers draw their stochastic activations (TERNARY mode) from the {@link State}'s
 * {@link SplittableRandom} ({@link #newState(int, long)}), layer by layer and direction by direction in the
 * order of {@link #parameters()}. A ternary layer quantises its weights at every forward, so its backward
 * needs the last forward of the layer to have been its state's: a backward after another state's forward
 * throws IllegalStateException (dense layers have no such limit).
 *
 * <p>A training model belongs to one training loop (one thread): updates change the weights in place.
 * Streams live in {@link State}s; a backward differentiates the last forward of the state it is given,
 * whatever other states ran in between (ternary layers aside, above).
 */
public final class TrainingModel {
    /** Which rows of the last layer's output sequence the head maps. */
    public enum HeadOn {
        /** Only the last, {@code output[T-1]} (PyTorch's {@code output[-1]}): one head output per sequence, {@code [B][K]}. */
        LAST_STEP,
        /** Every {@code output[t]}: {@code [T][B][K]}. */
        EVERY_STEP
    }

    /** The draw seed of {@link #newState(int)}. */
    public static final long DEFAULT_DRAW_SEED = 0;

    private final StackedLayer[][] layers;   // [layer][direction]
    private final ParameterGradients[][] gradients;
    private final int directions;
    private final LinearHead head;
    private final HeadOn headOn;
    private final Embedding embedding;   // the input of word-id models, else null
    private final List<Parameter> parameters;
    private float dropout;

    private TrainingModel(Embedding embedding, StackedLayer[][] layers, LinearHead head, HeadOn headOn) {
        this.embedding = embedding;
        this.layers = layers;
        this.directions = layers[0].length;
        this.head = head;
        this.headOn = headOn;
        this.gradients = new ParameterGradients[layers.length][directions];
        List<Parameter> all = new ArrayList<>();
        if (embedding != null) {
            all.add(new Parameter("embedding.weight", embedding.weight(), embedding.parameters().get(0).gradient()));
        }
        for (int k = 0; k < layers.length; k++) {
            for (int d = 0; d < directions; d++) {
                gradients[k][d] = layers[k][d].newGradients();
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                for (Parameter p : layers[k][d].parameters(gradients[k][d])) {
                    all.add(new Parameter(p.name() + suffix, p.value(), p.gradient()));
                }
            }
        }
        for (Parameter p : head.parameters()) {
            all.add(new Parameter("head." + p.name(), p.value(), p.gradient()));
        }
        this.parameters = List.copyOf(all);
    }

    /**
     * A training model of {@code model}'s layers, one or two directions (their weights copied: {@code model}
     * stays usable and may be closed; a ternary layer's trits and scales become its master weights, see
     * {@link TernaryTrainingLayer#of}), and {@code head} (used as it is: its weights are trained in place).
     *
     * @throws IllegalArgumentException for a head whose input size is not the model's output size
     *                                  ({@code D*H} of the last layer), or a layer the kernels cannot train
     */
    public static TrainingModel of(RecurrentModel model, LinearHead head, HeadOn headOn) {
        return of(null, model, head, headOn);
    }

    /**
     * A word-id model: {@code embedding}'s rows are the first layer's input, then {@code model}'s layers and
     * {@code head} as {@link #of(RecurrentModel, LinearHead, HeadOn)} (the embedding, like the head, trained in
     * place; its table is the first parameter, {@code embedding.weight}). It runs on ids,
     * {@link #forward(int[], int, State, float[])}.
     *
     * @param embedding null for a model of float inputs
     * @throws IllegalArgumentException also for an embedding whose width {@code D} is not the first layer's {@code I}
     */
    public static TrainingModel of(Embedding embedding, RecurrentModel model, LinearHead head, HeadOn headOn) {
        checkArguments("model", model, head, headOn);
        if (embedding != null && embedding.dimension() != model.layer(0, 0).inputSize()) {
            throw new IllegalArgumentException("embedding has D = " + embedding.dimension() + ", expected the first layer's I = "
                    + model.layer(0, 0).inputSize());
        }
        checkHead(head, model.outputSize());
        StackedLayer[][] grid = new StackedLayer[model.numLayers()][model.directions()];
        for (int k = 0; k < grid.length; k++) {
            for (int d = 0; d < grid[k].length; d++) {
                RecurrentLayer layer = model.layer(k, d);
                TernaryWeights ternary = layer.ternaryWeights();
                grid[k][d] = ternary != null
                        ? StackedLayer.of(TernaryTrainingLayer.of(ternary, Blases.get()))
                        : new StackedLayer.Dense(TrainingLayer.of(layer));
            }
        }
        return new TrainingModel(embedding, grid, head, headOn);
    }

    /**
     * A training model of the given layers, in PyTorch's order as {@link RecurrentModel#of}: layer 0
     * forward, (layer 0 reverse,) layer 1 forward, ...; {@link TrainingLayer}s and {@link TernaryTrainingLayer}s
     * alike. The layers and {@code head} are used as they are (trained in place, not copied); each may appear
     * once.
     *
     * @throws IllegalArgumentException when sizes do not chain (layer {@code k+1}'s input size must be
     *                                  {@code directions * H} of layer {@code k}; both directions of a layer one
     *                                  cell type and size; the head's input size {@code directions * H} of the
     *                                  last layer), or a layer is null or given twice
     */
    public static TrainingModel of(boolean bidirectional, List<? extends TrainableLayer> layersInOrder, LinearHead head,
                                   HeadOn headOn) {
        checkArguments("layersInOrder", layersInOrder, head, headOn);
        int directions = bidirectional ? 2 : 1;
        if (layersInOrder.isEmpty() || layersInOrder.size() % directions != 0) {
            throw new IllegalArgumentException("layersInOrder: expected a positive multiple of " + directions
                    + " layers, got " + layersInOrder.size());
        }
        Set<TrainableLayer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        StackedLayer[][] grid = new StackedLayer[layersInOrder.size() / directions][directions];
        for (int k = 0; k < grid.length; k++) {
            for (int d = 0; d < directions; d++) {
                int at = k * directions + d;
                TrainableLayer layer = layersInOrder.get(at);
                if (layer == null) {
                    throw new IllegalArgumentException("layersInOrder[" + at + "] is null");
                }
                if (!seen.add(layer)) {
                    throw new IllegalArgumentException("layersInOrder[" + at + "] is given twice: each layer trains its own weights");
                }
                grid[k][d] = StackedLayer.of(layer);
            }
            TrainableLayer first = grid[k][0].layer();
            if (directions == 2) {
                TrainableLayer reverse = grid[k][1].layer();
                if (reverse.getClass() != first.getClass() || reverse.cellType() != first.cellType()
                        || reverse.inputSize() != first.inputSize() || reverse.hiddenSize() != first.hiddenSize()) {
                    throw new IllegalArgumentException("layer " + k + ": reverse direction is " + describe(reverse)
                            + ", forward is " + describe(first) + "; both directions of a layer must be alike");
                }
            }
            if (k > 0 && first.inputSize() != directions * grid[k - 1][0].layer().hiddenSize()) {
                throw new IllegalArgumentException("layer " + k + " has input size " + first.inputSize() + ", expected "
                        + directions + " * H of layer " + (k - 1) + " = " + directions * grid[k - 1][0].layer().hiddenSize());
            }
        }
        checkHead(head, directions * grid[grid.length - 1][0].layer().hiddenSize());
        return new TrainingModel(null, grid, head, headOn);
    }

    private static String describe(TrainableLayer layer) {
        return layer.getClass().getSimpleName() + " " + layer.cellType() + " I=" + layer.inputSize() + ", H=" + layer.hiddenSize();
    }

    private static void checkArguments(String layersName, Object layers, LinearHead head, HeadOn headOn) {
        if (layers == null || head == null || headOn == null) {
            throw new IllegalArgumentException((layers == null ? layersName : head == null ? "head" : "headOn") + " is null");
        }
    }

    private static void checkHead(LinearHead head, int outputSize) {
        if (head.hiddenSize() != outputSize) {
            throw new IllegalArgumentException("head takes " + head.hiddenSize() + " inputs, expected the model's output size "
                    + outputSize);
        }
    }

    /** {@link #newState(int, long)} with {@link #DEFAULT_DRAW_SEED}. */
    public State newState(int batch) {
        return newState(batch, DEFAULT_DRAW_SEED);
    }

    /**
     * Zero states for {@code batch} streams, one per layer and direction, with the buffers between the
     * layers; {@code drawSeed} seeds the stochastic activations of ternary layers (unused otherwise).
     */
    public State newState(int batch, long drawSeed) {
        Checks.positive("batch", batch);
        return new State(this, batch, new SplittableRandom(drawSeed));
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
        if (embedding != null) {
            throw new IllegalStateException("this model takes word ids: forward(int[] ids, ...)");
        }
        Checks.positive("steps", steps);
        int batch = state.batch;
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, batch, layers[0][0].layer().inputSize());
        checkHeadRows("output", output, steps, batch);
        forwardChecked(input, steps, state, output);
    }

    /**
     * The training forward of a word-id model ({@link #of(Embedding, RecurrentModel, LinearHead, HeadOn)}):
     * the embedding's rows of {@code ids} are the first layer's input, then as {@link #forward(float[], int, State, float[])}.
     *
     * @param ids {@code [T][B]} time-major word ids in {@code [0, V)}
     * @throws IllegalArgumentException for a wrong length or an id outside {@code [0, V)} (naming its index),
     *                                  before the state changes
     * @throws IllegalStateException    for a model without an embedding
     */
    public void forward(int[] ids, int steps, State state, float[] output) {
        checkState(state);
        if (embedding == null) {
            throw new IllegalStateException("this model takes float inputs: forward(float[] input, ...)");
        }
        Checks.positive("steps", steps);
        int batch = state.batch;
        Checks.ints("ids", ids, "[T=%d][B=%d]", steps, batch);
        embedding.checkIds(ids, ids.length);
        checkHeadRows("output", output, steps, batch);
        state.reserve(steps);
        System.arraycopy(ids, 0, state.ids, 0, ids.length);
        embedding.gather(ids, ids.length, state.embedded);
        forwardChecked(state.embedded, steps, state, output);
    }

    private void forwardChecked(float[] input, int steps, State state, float[] output) {
        int batch = state.batch;
        state.reserve(steps);
        state.steps = 0;
        float[] x = input;
        for (int k = 0; k < layers.length; k++) {
            forwardLayer(k, x, steps, state);
            x = state.outputs[k];
            boolean drop = dropout > 0 && k + 1 < layers.length;
            state.droppedWith[k] = drop ? dropout : 0f;
            if (drop) {
                state.reserveDropout(k);
                x = dropOut(state.outputs[k], state.keep[k], state.dropped[k], state.draws);
            }
        }
        head.forward(x, headFrom(steps, batch), headRows(steps, batch), output, 0);
        state.steps = steps;
    }

    // dropped = keep ⊙ out, each keep[i] drawn 0 with probability p, else 1/(1-p)
    private float[] dropOut(float[] out, float[] keep, float[] dropped, SplittableRandom draws) {
        float scale = 1f / (1f - dropout);
        for (int i = 0; i < out.length; i++) {
            keep[i] = draws.nextFloat() < dropout ? 0f : scale;
            dropped[i] = keep[i] * out[i];
        }
        return dropped;
    }

    /**
     * The probability {@code p} in [0, 1) that the training forward zeroes an element of a layer's output
     * before the layer above reads it (see the class comment; 0, the default, for none). Applies to the
     * following forwards; a model of one layer has nothing to drop. Not saved in model files: a training setting.
     */
    public void setDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout p = " + p + ", expected 0 <= p < 1");
        }
        this.dropout = (float) p;
    }

    /** The dropout probability between layers ({@link #setDropout}). */
    public double dropout() {
        return dropout;
    }

    // Layer k over x: one direction writes its [T][B][H] output straight into outputs[k]; two run the reverse
    // direction on the reversed sequence, and their outputs are interleaved into [T][B][2H] rows.
    private void forwardLayer(int k, float[] x, int steps, State state) {
        StackedLayer forward = layers[k][0];
        if (directions == 1) {
            forward.forward(x, steps, state.layers[k][0], state.outputs[k], state.draws);
            return;
        }
        int batch = state.batch;
        int input = forward.layer().inputSize();
        int hidden = forward.layer().hiddenSize();
        Bidirectional b = state.bidirectional[k];
        forward.forward(x, steps, state.layers[k][0], b.forwardOutput, state.draws);
        reverseSteps(x, b.reversedInput, steps, batch * input);
        layers[k][1].forward(b.reversedInput, steps, state.layers[k][1], b.reverseOutput, state.draws);
        float[] out = state.outputs[k];
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                int row = t * batch + s, reversed = (steps - 1 - t) * batch + s;   // (t, s) in the reverse direction's order
                System.arraycopy(b.forwardOutput, row * hidden, out, 2 * row * hidden, hidden);
                System.arraycopy(b.reverseOutput, reversed * hidden, out, (2 * row + 1) * hidden, hidden);
            }
        }
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
        checkHeadRows("dOutput", dOutput, steps, batch);
        for (int k = 0; k < layers.length; k++) {
            for (int d = 0; d < directions; d++) {
                layers[k][d].requireTrace(state.layers[k][d]);
            }
        }
        int top = layers.length - 1;
        int rows = headRows(steps, batch);
        // The head keeps the input of ITS last forward, which may have been another state's: run it again on
        // this state's top outputs (O(rows*H*K), small beside the layers) so that its backward is this state's.
        head.forward(state.outputs[top], headFrom(steps, batch), rows, state.headOutput, 0);
        head.backward(dOutput, 0, rows, state.dTop, 0);
        for (int k = top; k >= 0; k--) {
            if (k < top && state.droppedWith[k] > 0) {
                // through x_{k+1} = m ⊙ out_k: dout_k = m ⊙ dx_{k+1}, with the mask of the forward
                float[] d = state.dInputs[k];
                float[] keep = state.keep[k];
                for (int i = 0; i < d.length; i++) {
                    d[i] *= keep[i];
                }
            }
            // Layer k's output gradient: the head's (every row, or the last row alone), or the dX of layer k+1.
            float[] dOutputs = k < top ? state.dInputs[k] : headOn == HeadOn.EVERY_STEP ? state.dTop : null;
            float[] dLastRow = k == top && headOn == HeadOn.LAST_STEP ? state.dTop : null;
            backwardLayer(k, dOutputs, dLastRow, k > 0 ? state.dInputs[k - 1] : state.dEmbedded, steps, state);
        }
        if (embedding != null) {
            embedding.scatterAdd(state.ids, state.ids.length, state.dEmbedded);
        }
    }

    // Layer k's backward for dL/d(output rows) dOutputs [T][B][D*H] or, at the top of a LAST_STEP model,
    // dL/d(output[T-1]) dLastRow [B][D*H]; writes dL/d(its input) into dInput [T][B][I] unless null.
    private void backwardLayer(int k, float[] dOutputs, float[] dLastRow, float[] dInput, int steps, State state) {
        StackedLayer forward = layers[k][0];
        if (directions == 1) {
            // output[T-1] is h_T: its gradient enters as dFinalH
            forward.backward(state.layers[k][0], dOutputs, dLastRow, dInput, gradients[k][0]);
            return;
        }
        int batch = state.batch;
        int hidden = forward.layer().hiddenSize();
        int input = forward.layer().inputSize();
        Bidirectional b = state.bidirectional[k];
        float[] dFinalH = null;
        if (dOutputs != null) {
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < batch; s++) {
                    int row = t * batch + s, reversed = (steps - 1 - t) * batch + s;
                    System.arraycopy(dOutputs, 2 * row * hidden, b.dForwardOutput, row * hidden, hidden);
                    System.arraycopy(dOutputs, (2 * row + 1) * hidden, b.dReverseOutput, reversed * hidden, hidden);
                }
            }
        } else {
            // output[T-1] = [forward h_T | the reverse direction's first output]: the forward half enters as
            // dFinalH, the reverse half as the gradient of the reverse direction's step 0 (its other steps: 0).
            dFinalH = b.dForwardFinal;
            Arrays.fill(b.dReverseOutput, 0f);
            for (int s = 0; s < batch; s++) {
                System.arraycopy(dLastRow, 2 * s * hidden, dFinalH, s * hidden, hidden);
                System.arraycopy(dLastRow, (2 * s + 1) * hidden, b.dReverseOutput, s * hidden, hidden);
            }
        }
        forward.backward(state.layers[k][0], dOutputs != null ? b.dForwardOutput : null, dFinalH,
                dInput == null ? null : b.dForwardInput, gradients[k][0]);
        layers[k][1].backward(state.layers[k][1], b.dReverseOutput, null, dInput == null ? null : b.dReverseInput,
                gradients[k][1]);
        if (dInput != null) {
            int width = batch * input;
            for (int t = 0; t < steps; t++) {
                int at = t * width, reversed = (steps - 1 - t) * width;
                for (int i = 0; i < width; i++) {
                    dInput[at + i] = b.dForwardInput[at + i] + b.dReverseInput[reversed + i];
                }
            }
        }
    }

    // to[t] = from[T-1-t], each step `width` floats
    private static void reverseSteps(float[] from, float[] to, int steps, int width) {
        for (int t = 0; t < steps; t++) {
            System.arraycopy(from, (steps - 1 - t) * width, to, t * width, width);
        }
    }

    private int headRows(int steps, int batch) {
        return headOn == HeadOn.LAST_STEP ? batch : steps * batch;
    }

    // The first float of the rows the head maps in the top output sequence [T][B][D*H]
    private int headFrom(int steps, int batch) {
        return headOn == HeadOn.LAST_STEP ? (steps - 1) * batch * head.hiddenSize() : 0;
    }

    private void checkHeadRows(String name, float[] array, int steps, int batch) {
        if (headOn == HeadOn.LAST_STEP) {
            Checks.floats(name, array, "[B=%d][K=%d]", batch, head.outputs());
        } else {
            Checks.floats(name, array, "[T=%d][B=%d][K=%d]", steps, batch, head.outputs());
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
        for (StackedLayer[] layer : layers) {
            for (StackedLayer direction : layer) {
                direction.parametersChanged();
            }
        }
    }

    /** Sets every gradient to 0 (with the dense gradients a restricted layer keeps beside its pool's). */
    public void zeroGradients() {
        for (ParameterGradients[] layer : gradients) {
            for (ParameterGradients g : layer) {
                g.zero();
            }
        }
        Gradients.zero(head.parameters());
        if (embedding != null) {
            Gradients.zero(embedding.parameters());
        }
    }

    /**
     * Every trained array with its gradient, layers first in PyTorch's order and names ({@code weight_ih_l0},
     * ..., {@code weight_ih_l0_reverse}, ..., {@code weight_ih_l1}, ...), then the head's.
     */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The inference stack with the current weights (copied), both directions of a bidirectional one; the
     * caller closes it. Its forward computes the outputs of this model's training forward (to float
     * rounding; a ternary layer's TERNARY activations are deterministic there, stochastic here).
     */
    public RecurrentModel toModel() {
        List<RecurrentLayer> built = new ArrayList<>(layers.length * directions);
        try {
            for (StackedLayer[] layer : layers) {
                for (StackedLayer direction : layer) {
                    built.add(direction.toLayer());
                }
            }
            return RecurrentModel.of(directions == 2, built);
        } catch (RuntimeException e) {
            for (RecurrentLayer layer : built) {
                layer.close();
            }
            throw e;
        }
    }

    /** The input embedding of a word-id model, trained in place; null for a model of float inputs. */
    public Embedding embedding() {
        return embedding;
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

    public boolean bidirectional() {
        return directions == 2;
    }

    public int directions() {
        return directions;
    }

    /**
     * Writes the stack as an rnnkernels model file ({@link ModelFiles}, readable by {@link ModelFiles#load}
     * for inference) with the head as the extra tensors {@code head.weight [K][D*H]}, {@code head.bias [K]}
     * and {@link #headOn()} in the metadata, atomically.
     */
    public void save(Path file) throws IOException {
        save(file, Map.of(), Map.of());
    }

    // save with more tensors and metadata in the same file (a checkpoint's optimiser state).
    void save(Path file, Map<String, Tensor> moreTensors, Map<String, String> moreMetadata) throws IOException {
        Map<String, Tensor> extra = new LinkedHashMap<>(moreTensors);
        if (embedding != null) {
            extra.put("embedding.weight", new Tensor(new long[] {embedding.vocabularySize(), embedding.dimension()},
                    embedding.weight()));
        }
        extra.put("head.weight", new Tensor(new long[] {head.outputs(), head.hiddenSize()}, head.weight()));
        extra.put("head.bias", new Tensor(new long[] {head.outputs()}, head.bias()));
        Map<String, String> metadata = new LinkedHashMap<>(moreMetadata);
        metadata.put("head_on", headOn.name());
        try (RecurrentModel model = toModel()) {
            ModelFiles.save(model, extra, metadata, file);
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
        Embedding embedding = null;
        if (tensors.contains("embedding.weight")) {
            Tensor table = tensors.get("embedding.weight");
            if (table.rank() != 2) {
                throw new SafeTensorsException(file, "embedding.weight", "embedding.weight " + table + ": expected [V][D]");
            }
            embedding = Embedding.of((int) table.dim(0), (int) table.dim(1), table.data());
        }
        try (RecurrentModel model = ModelFiles.load(file)) {
            LinearHead head = LinearHead.of((int) weight.dim(1), (int) weight.dim(0), weight.data(), bias.data());
            try {
                return of(embedding, model, head, headOn);
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
        Checks.open(state);
    }

    // A bidirectional layer's sequences in the order each direction runs them, [T][B][..] (grown with the state).
    private static final class Bidirectional {
        final float[] reversedInput;     // the layer's input, time-reversed, [T][B][I]
        final float[] forwardOutput;     // [T][B][H]
        final float[] reverseOutput;     // in the reverse direction's order
        final float[] dForwardOutput;
        final float[] dReverseOutput;
        final float[] dForwardFinal;     // [B][H]: LAST_STEP's dL/dh_T of the forward direction
        final float[] dForwardInput;     // [T][B][I], null for layer 0 (no dX wanted) unless an embedding takes it
        final float[] dReverseInput;

        Bidirectional(int steps, int batch, int input, int hidden, boolean wantsDInput) {
            int rows = Math.multiplyExact(steps, batch);
            reversedInput = new float[Math.multiplyExact(rows, input)];
            forwardOutput = new float[Math.multiplyExact(rows, hidden)];
            reverseOutput = new float[forwardOutput.length];
            dForwardOutput = new float[forwardOutput.length];
            dReverseOutput = new float[forwardOutput.length];
            dForwardFinal = new float[batch * hidden];
            dForwardInput = wantsDInput ? new float[reversedInput.length] : null;
            dReverseInput = wantsDInput ? new float[reversedInput.length] : null;
        }
    }

    /**
     * The streams of one batch through every layer and direction of a {@link TrainingModel}: each one's
     * {@link TrainingState} (a ternary layer's {@link TernaryTrainingState}), the sequences passed between
     * the layers (grown to the longest call) and the draws of ternary layers. A {@link RecurrentState}:
     * {@link #close()} drops every workspace and closes the layers' states with it.
     */
    public static final class State implements RecurrentState {
        private final TrainingModel owner;
        private final RecurrentState[][] layers;   // [layer][direction]
        private final int batch;
        private final SplittableRandom draws;
        private final float[][] outputs;   // layer k's [T][B][D*H_k]
        private final float[][] dInputs;   // dL/d(input of layer k+1) = dL/d(output of layer k)
        private final float[][] keep;      // dropout's mask after layer k: 0 or 1/(1-p), [T][B][D*H_k]
        private final float[][] dropped;   // keep ⊙ outputs[k]: layer k+1's input when dropping
        private final float[] droppedWith; // the p of the last forward's mask after layer k (0: none)
        private final Bidirectional[] bidirectional;   // per layer, two directions only
        private int[] ids;                 // word-id models: the last forward's ids [T][B]
        private float[] embedded;          // their rows, layer 0's input [T][B][D]
        private float[] dEmbedded;         // dL/d(those rows)
        private float[] dTop;              // the head's dH
        private float[] headOutput;        // scratch for the head's forward in the backward
        private int capacity;
        private int steps;
        private boolean closed;

        private State(TrainingModel owner, int batch, SplittableRandom draws) {
            this.owner = owner;
            this.batch = batch;
            this.draws = draws;
            StackedLayer[][] model = owner.layers;
            this.layers = new RecurrentState[model.length][owner.directions];
            for (int k = 0; k < model.length; k++) {
                for (int d = 0; d < owner.directions; d++) {
                    layers[k][d] = model[k][d].newState(batch, this);
                }
            }
            this.outputs = new float[model.length][];
            this.dInputs = new float[model.length][];
            this.keep = new float[model.length][];
            this.dropped = new float[model.length][];
            this.droppedWith = new float[model.length];
            this.bidirectional = new Bidirectional[model.length];
        }

        // The layers' output and gradient arrays hold exactly T*B*H floats (their forward/backward check
        // lengths), so they are reallocated when T changes; a training loop keeps T fixed.
        private void reserve(int steps) {
            if (steps == capacity) {
                return;
            }
            StackedLayer[][] model = owner.layers;
            int directions = owner.directions;
            for (int k = 0; k < model.length; k++) {
                TrainableLayer layer = model[k][0].layer();
                outputs[k] = new float[Math.multiplyExact(steps * batch, directions * layer.hiddenSize())];
                // dInputs[k] is layer k+1's dX: none above the top layer
                dInputs[k] = k + 1 < model.length ? new float[outputs[k].length] : null;
                keep[k] = dropped[k] = null;   // grown by the first forward that drops
                bidirectional[k] = directions == 1 ? null
                        : new Bidirectional(steps, batch, layer.inputSize(), layer.hiddenSize(), k > 0 || owner.embedding != null);
            }
            if (owner.embedding != null) {
                ids = new int[Math.multiplyExact(steps, batch)];
                embedded = new float[Math.multiplyExact(ids.length, owner.embedding.dimension())];
                dEmbedded = new float[embedded.length];
            }
            int topRows = owner.headOn == HeadOn.LAST_STEP ? batch : steps * batch;
            dTop = new float[Math.multiplyExact(topRows, owner.head.hiddenSize())];
            headOutput = new float[Math.multiplyExact(topRows, owner.head.outputs())];
            capacity = steps;
        }

        private void reserveDropout(int k) {
            if (keep[k] == null) {
                keep[k] = new float[outputs[k].length];
                dropped[k] = new float[outputs[k].length];
            }
        }

        // Layer k+1's input of the last forward that dropped after layer k (the tests compare it).
        float[] droppedOutput(int k) {
            return dropped[k];
        }

        // Layer k's output sequence of the last forward, [T][B][D*H_k], live (the tests compare it).
        float[] layerOutput(int k) {
            return outputs[k];
        }

        // dL/d(layer k's output sequence) of the last backward, below the top layer (the tests compare it).
        float[] layerOutputGradient(int k) {
            return dInputs[k];
        }

        /**
         * The {@link TrainingState} of layer {@code k}, direction {@code d}: its {@code h} (and {@code c}),
         * and for EGRU the backward's support. For a ternary layer, the training state inside its
         * {@link TernaryTrainingState}.
         */
        @Override
        public TrainingState layer(int k, int d) {
            Checks.layerDirection(k, d, layers.length, owner.directions);
            return owner.layers[k][d].core(layers[k][d]);
        }

        @Override
        public int batchSize() {
            return batch;
        }

        @Override
        public int numLayers() {
            return layers.length;
        }

        @Override
        public int directions() {
            return owner.directions;
        }

        /** Every layer and direction back to the zero state (new, independent sequences). */
        @Override
        public State reset() {
            Checks.open(this);
            for (RecurrentState[] layer : layers) {
                for (RecurrentState s : layer) {
                    s.reset();
                }
            }
            return this;
        }

        /** Drops every workspace; the state and its layers' states refuse use afterwards. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (int k = 0; k < layers.length; k++) {
                for (int d = 0; d < layers[k].length; d++) {
                    owner.layers[k][d].release(layers[k][d]);
                }
            }
            Arrays.fill(outputs, null);
            Arrays.fill(dInputs, null);
            Arrays.fill(keep, null);
            Arrays.fill(dropped, null);
            Arrays.fill(bidirectional, null);
            dTop = headOutput = embedded = dEmbedded = null;
            ids = null;
            capacity = steps = 0;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }
    }
}
