package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.CellType;
import org.rnnkernels.MiParameters;
import org.rnnkernels.PackedMatrix;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;

/**
 * Backpropagation through time for one {@link RecurrentLayer} (one direction), in float, with the
 * structure of the forward:
 * <ol>
 *   <li>a training {@link #forward}: the input projection of all {@code T} steps as ONE sgemm, then per
 *       step the recurrent product (the forward's packed panel product up to batch 64 with the Vector API,
 *       else BLAS) and a gate pass that keeps what the backward needs
 *       ({@link TrainingGates} lists it per cell) in the caller's {@link TrainingState};</li>
 *   <li>{@link #backward}, per step from the last: ONE fused pass over the gate derivatives
 *       ({@link TrainingGates#backward}, Vector API or scalar as {@code org.rnnkernels.simd.Simd} chose),
 *       giving {@code dGI_t = dL/d(W_ih x_t)} and {@code dGH_t = dL/d(W_hh h_t)}, then the state gradient
 *       {@code dh_t = direct_t + dGH_t W_hh}, by the same panel product on {@code W_hh^T} packed once, or
 *       by BLAS (sgemm, sgemv for one sample) where the forward would use BLAS;</li>
 *   <li>after the loop, each weight gradient of the whole sequence as ONE product over all
 *       {@code T*B} rows: {@code dW_ih += dGI^T X}, {@code dW_hh += dGH^T Hprev}, the input gradient
 *       {@code dX = dGI W_ih}, the bias gradients as column sums {@code dGI^T 1} (sgemv), and the MI
 *       vectors as sums over rows of {@code dPre * Wx * Uh} etc.</li>
 * </ol>
 * The gradients are those of {@code ReferenceBackward} (the double reference), including its
 * subgradient 0 at the kinks of {@code relu}, {@code hardtanh} and RAG's {@code S(v, q)}.
 *
 * <p>Truncated BPTT over a stream: run {@link #forward} and {@link #backward} chunk by chunk on the same
 * {@link TrainingState}; each chunk starts from the state the previous one left, held constant (its
 * gradient is returned as {@code dInitialH}/{@code dInitialC} and goes no further), and the parameter
 * gradients accumulate in one {@link ParameterGradients}.
 *
 * <p>Supported: RNN_TANH, RNN_RELU, LSTM, GRU, RAG_GRU, RAG_MINIMAL, RAG_LSTM, MI_RNN, MI_LSTM, MI_GRU.
 * EGRU and restricted (weight-shared) layers are refused for now.
 *
 * <p>Parameters: the layer holds its own copy of the weights, created once by {@link #of}.
 * {@link #parameters(ParameterGradients)} hands out those live arrays, paired with the gradients, to an
 * {@link Optimizer}; after the optimiser has changed them, {@link #parametersChanged()} refreshes what
 * is derived from them (the packed {@code W_hh} and {@code W_hh^T}, the folded biases), so training
 * never rebuilds the layer. {@link #toLayer()} exports the current weights as an inference layer.
 *
 * <p>Threads: all per-stream data lives in {@link TrainingState}, so several threads may run forward and
 * backward on states of their own; an optimiser step and {@link #parametersChanged()} must not overlap
 * them. The hot path allocates nothing after the workspace has grown to the longest call (apart from
 * wrapping the caller's {@code dInput} array once per backward call).
 */
public final class TrainingLayer {
    private final CellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final int width;
    // The live parameters (this layer's own copies): the optimiser writes them in place.
    private final float[] wIh;
    private final float[] wHh;
    private final float[] bIh;
    private final float[] bHh;
    private final boolean hasBias;
    private final MiParameters mi;
    private final MemorySegment wIhSegment;
    private final MemorySegment wHhSegment;
    // Derived from the parameters, refreshed by parametersChanged(). With the Vector API, W_hh packed for
    // the forward's h W_hh^T and W_hh^T packed for the backward's dGH W_hh (the forward's panel product:
    // OpenBLAS repacks W on every per-step call, twice as slow at B = 16); null with the scalar kernels,
    // which use BLAS.
    private PackedMatrix wHhPacked;
    private PackedMatrix wHhTransposedPacked;
    private GateParameters gateParameters;
    private final Blas blas;
    private final TrainingGates gates;
    private final boolean directPath;
    private final int cacheBlocks;

    private TrainingLayer(RecurrentLayer layer, Blas blas) {
        this.type = layer.cellType();
        this.inputSize = layer.inputSize();
        this.hiddenSize = layer.hiddenSize();
        this.width = type.gates() * hiddenSize;
        this.wIh = layer.weightIh();
        this.wHh = layer.weightHh();
        this.wIhSegment = MemorySegment.ofArray(wIh);
        this.wHhSegment = MemorySegment.ofArray(wHh);
        float[] layerBIh = layer.biasIh();
        this.hasBias = layerBIh != null;
        this.bIh = hasBias ? layerBIh : new float[width];
        this.bHh = hasBias ? layer.biasHh() : new float[width];
        this.mi = layer.miParameters();   // a copy
        this.blas = blas;
        this.gates = TrainingGates.get();
        this.directPath = TrainingGates.hasDirectPath(type);
        this.cacheBlocks = TrainingGates.cacheBlocks(type);
        parametersChanged();
    }

    /**
     * The live parameters, in PyTorch's names, each paired with its gradient in {@code gradients}:
     * {@code weight_ih, weight_hh}, {@code bias_ih, bias_hh} (absent for a layer built without biases,
     * whose biases stay zero) and, for the MI cells, {@code mi_alpha, mi_beta1, mi_beta2}. An optimiser
     * may change the values in place; call {@link #parametersChanged()} after it has.
     */
    public List<Parameter> parameters(ParameterGradients gradients) {
        checkGradients(gradients);
        List<Parameter> list = new ArrayList<>();
        list.add(new Parameter("weight_ih", wIh, gradients.dWIh));
        list.add(new Parameter("weight_hh", wHh, gradients.dWHh));
        if (hasBias) {
            list.add(new Parameter("bias_ih", bIh, gradients.dBIh));
            list.add(new Parameter("bias_hh", bHh, gradients.dBHh));
        }
        if (mi != null) {
            list.add(new Parameter("mi_alpha", mi.alpha(), gradients.dAlpha));
            list.add(new Parameter("mi_beta1", mi.beta1(), gradients.dBeta1));
            list.add(new Parameter("mi_beta2", mi.beta2(), gradients.dBeta2));
        }
        return List.copyOf(list);
    }

    /**
     * Refreshes what is derived from the parameters after they changed in place: repacks {@code W_hh}
     * and {@code W_hh^T} for the panel products (O(G*H*H), small beside a training step's
     * O(T*B*G*H*H)) and folds the biases again.
     */
    public void parametersChanged() {
        wHhPacked = PackedMatrix.packOrNull(wHh, width, hiddenSize);
        wHhTransposedPacked = wHhPacked == null ? null
                : PackedMatrix.packOrNull(transpose(wHh, width, hiddenSize), hiddenSize, width);
        gateParameters = new GateParameters(type, hiddenSize, bIh, bHh,
                mi == null ? null : mi.alpha(), mi == null ? null : mi.beta1(), mi == null ? null : mi.beta2());
    }

    /** {@link #toLayer(Blas)} with the default BLAS. */
    public RecurrentLayer toLayer() {
        return toLayer(Blases.get());
    }

    /** An inference layer with the current parameters (copied), for running or saving the trained layer. */
    public RecurrentLayer toLayer(Blas blas) {
        MiParameters miCopy = mi == null ? null
                : new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
        return RecurrentLayer.create(type, inputSize, hiddenSize, wIh, wHh, hasBias ? bIh : null, hasBias ? bHh : null,
                miCopy, blas);
    }

    /** {@link #of(RecurrentLayer, Blas)} with the default BLAS. */
    public static TrainingLayer of(RecurrentLayer layer) {
        return of(layer, Blases.get());
    }

    /**
     * The training form of {@code layer}, whose weights are copied (the layer stays usable and may be
     * closed). Throws IllegalArgumentException for an EGRU or a restricted layer (not supported yet).
     */
    public static TrainingLayer of(RecurrentLayer layer, Blas blas) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        if (layer.cellType().eventBased()) {
            throw new IllegalArgumentException("EGRU layers cannot be trained by the kernels yet (its backward is in the reference only)");
        }
        if (layer.restrictedWeights() != null) {
            throw new IllegalArgumentException("restricted (weight-shared) layers cannot be trained by the kernels yet");
        }
        return new TrainingLayer(layer, blas);
    }

    /** A zero state for {@code batch} streams, with its workspace (grown on use). */
    public TrainingState newState(int batch) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch = " + batch + ", expected > 0");
        }
        return new TrainingState(type, batch, hiddenSize, inputSize, cacheBlocks);
    }

    /** Zero gradients of this layer's parameters, to accumulate into. */
    public ParameterGradients newGradients() {
        return new ParameterGradients(type, inputSize, hiddenSize);
    }

    /**
     * Training forward of {@code steps >= 1} steps from the state in {@code state} (left holding the final
     * state), keeping the trace for {@link #backward}. Outputs are those of the inference forward (to
     * float rounding: the recurrent product may be summed in another order).
     *
     * @param input  {@code [T][B][I]} time-major, flattened (copied into the workspace)
     * @param output {@code [T][B][H]}, written
     */
    public void forward(float[] input, int steps, TrainingState state, float[] output) {
        checkState(state);
        if (steps < 1) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 1");
        }
        int batch = state.batch;
        long rows = (long) steps * batch;
        checkLength("input", input, rows * inputSize, "[T=" + steps + "][B=" + batch + "][I=" + inputSize + "]");
        checkLength("output", output, rows * hiddenSize, "[T=" + steps + "][B=" + batch + "][H=" + hiddenSize + "]");
        state.reserve(steps);
        state.steps = 0;
        int r = (int) rows;
        int bh = batch * hiddenSize;
        System.arraycopy(input, 0, state.x, 0, r * inputSize);
        // gi[T*B, G*H] = X[T*B, I] W_ih^T, biases added in the gate pass
        blas.sgemm(Transpose.NO, Transpose.YES, r, width, inputSize,
                1f, state.xSegment, 0, inputSize, wIhSegment, 0, inputSize, 0f, state.giSegment, 0, width);
        System.arraycopy(state.h, 0, state.hs, 0, bh);
        if (state.c != null) {
            System.arraycopy(state.c, 0, state.cs, 0, bh);
        }
        for (int t = 0; t < steps; t++) {
            // gh[B, G*H] = h_t W_hh^T
            if (wHhPacked != null && batch <= PackedMatrix.maxBatch()) {
                wHhPacked.multiply(batch, state.hs, t * bh, state.gh);
            } else if (batch == 1) {
                blas.sgemv(Transpose.NO, width, hiddenSize, 1f, wHhSegment, 0, hiddenSize,
                        state.hsSegment, (long) t * bh, 0f, state.ghSegment, 0);
            } else {
                blas.sgemm(Transpose.NO, Transpose.YES, batch, width, hiddenSize,
                        1f, state.hsSegment, (long) t * bh, hiddenSize, wHhSegment, 0, hiddenSize, 0f, state.ghSegment, 0, width);
            }
            gates.forward(gateParameters, state, t);
        }
        System.arraycopy(state.hs, bh, output, 0, r * hiddenSize);
        System.arraycopy(state.hs, r * hiddenSize, state.h, 0, bh);
        if (state.c != null) {
            System.arraycopy(state.cs, r * hiddenSize, state.c, 0, bh);
        }
        state.steps = steps;
    }

    /**
     * BPTT over the steps of the last {@link #forward} on {@code state}, for the loss whose gradients with
     * respect to the outputs are {@code dOutputs} ({@code dL/dh_t}, {@code [T][B][H]}; null means zeros) and,
     * beyond the last output, {@code dFinalH = dL/dh_T} and {@code dFinalC = dL/dc_T} ({@code [B][H]}; null
     * means zeros; {@code dFinalC} must be null for cells without a cell state).
     *
     * <p>Results: the parameter gradients are ADDED to {@code gradients} (from {@link #newGradients()});
     * {@code dInput [T][B][I]}, {@code dInitialH [B][H]} and {@code dInitialC [B][H]} (the state entering
     * the first step, held constant in truncated BPTT) are WRITTEN, each skipped when null. The trace stays,
     * so the backward may be repeated with other upstream gradients.
     */
    public void backward(TrainingState state, float[] dOutputs, float[] dFinalH, float[] dFinalC,
                         float[] dInput, float[] dInitialH, float[] dInitialC, ParameterGradients gradients) {
        checkState(state);
        int steps = state.steps;
        if (steps == 0) {
            throw new IllegalStateException("no training forward to differentiate: call forward on this state first");
        }
        int batch = state.batch;
        int rows = steps * batch;
        int bh = batch * hiddenSize;
        String tbh = "[T=" + steps + "][B=" + batch + "][H=" + hiddenSize + "]";
        String bhShape = "[B=" + batch + "][H=" + hiddenSize + "]";
        checkOptional("dOutputs", dOutputs, (long) rows * hiddenSize, tbh);
        checkOptional("dFinalH", dFinalH, bh, bhShape);
        checkOptional("dInput", dInput, (long) rows * inputSize, "[T=" + steps + "][B=" + batch + "][I=" + inputSize + "]");
        checkOptional("dInitialH", dInitialH, bh, bhShape);
        if (type.hasCellState()) {
            checkOptional("dFinalC", dFinalC, bh, bhShape);
            checkOptional("dInitialC", dInitialC, bh, bhShape);
        } else if (dFinalC != null || dInitialC != null) {
            throw new IllegalArgumentException((dFinalC != null ? "dFinalC" : "dInitialC") + " is given, but " + type
                    + " has no cell state: pass null");
        }
        checkGradients(gradients);

        fillOrCopy(dFinalH, state.dh, bh);
        if (state.c != null) {
            fillOrCopy(dFinalC, state.dc, bh);
        }
        for (int t = steps - 1; t >= 0; t--) {
            if (dOutputs != null) {
                addInto(dOutputs, t * bh, state.dh, bh);     // dL/dh_{t+1}: through the output and the later steps
            }
            gates.backward(gateParameters, state, t);
            stateGradient(state, t);
        }
        if (dInitialH != null) {
            System.arraycopy(state.dh, 0, dInitialH, 0, bh);
        }
        if (dInitialC != null) {
            System.arraycopy(state.dc, 0, dInitialC, 0, bh);
        }
        weightGradients(state, rows, dInput, gradients);
    }

    // dh_t = direct_t + dGH_t W_hh ([B, G*H] x [G*H, H]) into state.dh; the gate pass left direct_t in dhNext.
    private void stateGradient(TrainingState state, int t) {
        int batch = state.batch;
        int bh = batch * hiddenSize;
        if (wHhTransposedPacked != null && batch <= PackedMatrix.maxBatch()) {
            wHhTransposedPacked.multiply(batch, state.dGh, t * batch * width, state.dh);
            if (directPath) {
                addInto(state.dhNext, 0, state.dh, bh);
            }
            return;
        }
        float beta = directPath ? 1f : 0f;
        if (batch == 1) {
            blas.sgemv(Transpose.YES, width, hiddenSize, 1f, wHhSegment, 0, hiddenSize,
                    state.dGhSegment, (long) t * width, beta, state.dhNextSegment, 0);
        } else {
            blas.sgemm(Transpose.NO, Transpose.NO, batch, hiddenSize, width, 1f, state.dGhSegment, (long) t * batch * width,
                    width, wHhSegment, 0, hiddenSize, beta, state.dhNextSegment, 0, hiddenSize);
        }
        System.arraycopy(state.dhNext, 0, state.dh, 0, bh);
    }

    // The whole sequence's parameter (and input) gradients, one product per matrix over all T*B rows.
    private void weightGradients(TrainingState s, int rows, float[] dInput, ParameterGradients g) {
        if (dInput != null) {
            // dX[T*B, I] = dGI[T*B, G*H] W_ih[G*H, I]
            blas.sgemm(Transpose.NO, Transpose.NO, rows, inputSize, width, 1f, s.dGiSegment, 0, width,
                    wIhSegment, 0, inputSize, 0f, MemorySegment.ofArray(dInput), 0, inputSize);
        }
        // dW_ih[G*H, I] += dGI^T X ; dW_hh[G*H, H] += dGH^T Hprev (rows 0 .. T*B-1 of hs are h_0 .. h_{T-1})
        blas.sgemm(Transpose.YES, Transpose.NO, width, inputSize, rows, 1f, s.dGiSegment, 0, width,
                s.xSegment, 0, inputSize, 1f, g.dWIhSegment, 0, inputSize);
        blas.sgemm(Transpose.YES, Transpose.NO, width, hiddenSize, rows, 1f, s.dGhSegment, 0, width,
                s.hsSegment, 0, hiddenSize, 1f, g.dWHhSegment, 0, hiddenSize);
        if (!type.multiplicative()) {
            // db_ih += dGI^T 1 ; db_hh += dGH^T 1
            blas.sgemv(Transpose.YES, rows, width, 1f, s.dGiSegment, 0, width, s.onesSegment, 0, 1f, g.dBIhSegment, 0);
            blas.sgemv(Transpose.YES, rows, width, 1f, s.dGhSegment, 0, width, s.onesSegment, 0, 1f, g.dBHhSegment, 0);
            return;
        }
        // MI: both biases take dL/dpre, except MI-GRU's b_hn, inside u = r (gh_n + b_hn): it takes dGH_n.
        blas.sgemv(Transpose.YES, rows, width, 1f, s.dPreSegment, 0, width, s.onesSegment, 0, 1f, g.dBIhSegment, 0);
        int preColumns = type == CellType.MI_GRU ? 2 * hiddenSize : width;
        blas.sgemv(Transpose.YES, rows, preColumns, 1f, s.dPreSegment, 0, width, s.onesSegment, 0, 1f, g.dBHhSegment, 0);
        if (preColumns < width) {
            blas.sgemv(Transpose.YES, rows, width - preColumns, 1f, s.dGhSegment, preColumns, width, s.onesSegment, 0,
                    1f, g.dBHhSegment, preColumns);
        }
        // dalpha += sum dPre Wx U ; dbeta1 += sum dPre U ; dbeta2 += sum dPre Wx, U the Uh each row integrated
        int uOffset = (cacheBlocks - type.gates()) * hiddenSize;
        for (int r = 0; r < rows; r++) {
            miSums(s.dPre, s.gi, r * width, s.act, r * s.cacheWidth + uOffset, g.dAlpha, g.dBeta1, g.dBeta2, width);
        }
    }

    // One row of the MI sums; plain loops the JIT vectorizes.
    private static void miSums(float[] dPre, float[] wx, int row, float[] u, int uRow,
                               float[] dAlpha, float[] dBeta1, float[] dBeta2, int width) {
        for (int k = 0; k < width; k++) {
            float d = dPre[row + k];
            float du = d * u[uRow + k];
            dAlpha[k] += du * wx[row + k];
            dBeta1[k] += du;
            dBeta2[k] += d * wx[row + k];
        }
    }

    private static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = w[r * cols + k];
            }
        }
        return t;
    }

    private static void addInto(float[] from, int offset, float[] into, int n) {
        for (int i = 0; i < n; i++) {
            into[i] += from[offset + i];
        }
    }

    private static void fillOrCopy(float[] from, float[] into, int n) {
        if (from == null) {
            java.util.Arrays.fill(into, 0, n, 0f);
        } else {
            System.arraycopy(from, 0, into, 0, n);
        }
    }

    private void checkGradients(ParameterGradients gradients) {
        if (gradients == null) {
            throw new IllegalArgumentException("gradients is null, expected this layer's newGradients()");
        }
        if (gradients.type != type || gradients.inputSize != inputSize || gradients.hiddenSize != hiddenSize) {
            throw new IllegalArgumentException("gradients are for a " + gradients.type + " of I=" + gradients.inputSize
                    + ", H=" + gradients.hiddenSize + ", expected " + type + " of I=" + inputSize + ", H=" + hiddenSize);
        }
    }

    private void checkState(TrainingState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (state.type != type || state.hidden != hiddenSize || state.input != inputSize) {
            throw new IllegalArgumentException("state is a " + state.type + " training state of I=" + state.input + ", H="
                    + state.hidden + ", expected one of " + type + " with I=" + inputSize + ", H=" + hiddenSize
                    + " (from this layer's newState)");
        }
    }

    private static void checkOptional(String name, float[] array, long expected, String shape) {
        if (array != null) {
            checkLength(name, array, expected, shape);
        }
    }

    static void checkLength(String name, float[] array, long expected, String shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + shape + " = " + expected + " floats");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats, expected " + shape + " = " + expected);
        }
    }

    public CellType cellType() {
        return type;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }
}
