package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.cell.CellPasses;
import org.rnnkernels.cell.GateParameters;
import org.rnnkernels.cell.TrainingPass;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.ternary.TernaryWeights;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.internal.Slices;

/**
 * HitNet training of a ternary LSTM or GRU (CELLS.md "HitNet"; {@code HitNetTrainingReference} is the
 * double reference): float master weights {@code w}, used in the forward as {@code W_hat = alpha_k * t(w)}
 * exactly as the inference {@link TernaryLayer} uses them ({@link Ternarizer}'s rule, bit for bit), and
 * the straight-through estimators (STE) in the backward:
 * <ul>
 *   <li>weights: {@code dL/dw := dL/dW_hat} (the standard TWN/HitNet STE: the ternariser, scale included,
 *       passes the gradient unchanged);</li>
 *   <li>activations ({@link TernaryLayer.Activations#TERNARY}): the inputs {@code x_t} and the state
 *       {@code h_{t-1}} fed into the products are ternarised by the layer's {@link ActivationQuantizer}:
 *       {@link ActivationQuantizer#THRESHOLD} (the default) {@code a(v) = sign(v) * [|v| > delta]}, the
 *       deployed layer's own rule, so the training forward IS the forward of {@link #toInference()} (to float
 *       rounding); {@link ActivationQuantizer#STOCHASTIC} {@code a(v) = sign(v) * [u < min(|v|, 1)]} with
 *       {@code u} uniform in {@code [0, 1)} (unbiased: {@code E[a] = v} on {@code [-1, 1]}), deployed at
 *       {@code delta = 0.5}. Both with {@code da/dv := [|v| <= 1]} (hardtanh's derivative).
 *       {@link TernaryLayer.Activations#FLOAT}: the activations enter as they are.</li>
 * </ul>
 * Gates {@code sigm(lambda * pre)}, {@code tanh(lambda * pre)} as in {@link TernaryLayer}.
 *
 * <p>Draws (STOCHASTIC only; THRESHOLD and FLOAT draw nothing). A forward takes {@code uniforms [T][B][I+H]}
 * from the caller, or a {@link SplittableRandom} from which it draws exactly that array in that order with
 * {@code nextFloat()}: for step {@code t} and sample {@code b}, entries {@code 0 .. I-1} decide {@code a(x_t)}, entries {@code I .. I+H-1} decide
 * {@code a(h_{t-1})}. The reference takes the same array, so kernel and reference share their draws.
 *
 * <p>Structure (that of {@link TrainingLayer}, whose gate passes it reuses):
 * <ol>
 *   <li>each {@link #forward} first quantises the current master weights ({@code O(G*H*(I+H))}, against the
 *       {@code O(T*B*G*H*(I+H))} of the products): the trits {@code t} as floats, {@code W_hat} for the
 *       backward, and the biases times {@code lambda}; so after an optimiser step nothing needs refreshing
 *       by hand: the next forward sees the new weights;</li>
 *   <li>the input projection of all {@code T*B} rows as ONE sgemm per scale block (one per matrix with
 *       {@link Ternarizer.Scaling#PER_MATRIX}), {@code gi = (lambda alpha_k) (A_x T_k^T)}, then per step the
 *       recurrent product likewise and the cell's fused training pass (Vector API or scalar).
 *       The products multiply the trits as floats, {@code alpha_k} and {@code lambda} applied once, as
 *       sgemm's scalar: in TERNARY mode every partial sum is an integer of magnitude at most {@code I}
 *       (or {@code H}), exact in float below {@code 2^24}, so the dot products are exact whatever the
 *       summation order and equal the inference layer's popcount dots; in FLOAT mode they are float sums
 *       of {@code +-x}, rounded as any float product;</li>
 *   <li>{@link #backward} per step from the last: the gate derivatives in ONE fused pass
 *       (the cell's training pass) giving {@code dGI, dGH} (gradients of {@code lambda * gi},
 *       {@code lambda * gh} without bias), then {@code dh_t = direct_t + [|h_t| <= 1] (lambda dGH_t W_hat_hh)}
 *       by BLAS (the mask in TERNARY mode only); after the loop ONE sgemm per matrix over all {@code T*B}
 *       rows: {@code dw_ih += lambda dGI^T A_x}, {@code dw_hh += lambda dGH^T A_h}, biases
 *       {@code lambda dG^T 1} (sgemv), {@code dX = [|x| <= 1] (lambda dGI W_hat_ih)}.</li>
 * </ol>
 * The activation ternarisation is a scalar loop ({@code O(T*B*(I+H))}, small against the products).
 *
 * <p>Optimisers: {@link #parameters(ParameterGradients)} pairs the live master arrays with a
 * {@link ParameterGradients} from {@link #newGradients()}, for {@link Adam} or {@link Sgd}, which update
 * the masters in place. {@link #toInference()} exports the trained layer as a ternary {@link RecurrentLayer}.
 *
 * <p>Not thread-safe: the master weights change in place under an optimiser and each forward re-quantises
 * them into this layer, so one training loop owns a layer (as a {@link LinearHead}). A backward
 * differentiates the weights of the forward that filled its state; if another forward (on any state)
 * re-quantised the layer since, the backward throws IllegalStateException. Steady-state calls allocate
 * nothing (apart from wrapping the caller's {@code dInput} array once per backward call).
 */
public final class TernaryTrainingLayer implements TrainableLayer {
    private final CellType type;
    private final TernaryLayer.Activations activations;
    private final ActivationQuantizer quantizer;
    private final boolean ternary;
    // TERNARY activations drawn (STOCHASTIC), else thresholded at delta (THRESHOLD)
    private final boolean stochastic;
    private final int inputSize;
    private final int hiddenSize;
    private final int width;
    private final Ternarizer ternarizer;
    private final int scaleBlocks;
    private final float delta;
    private final float lambda;
    private final Blas blas;
    private final TrainingPass pass;
    private final boolean directPath;
    // Master weights: live, updated by an optimiser through parameters().
    private final float[] wIh;
    private final float[] wHh;
    private final float[] bIh;
    private final float[] bHh;
    // Quantised by every forward: trits as floats, W_hat = alpha_k * t, lambda * alpha_k per block.
    private final float[] tIh;
    private final float[] tHh;
    private final float[] wHatIh;
    private final float[] wHatHh;
    private final float[] productScaleIh;
    private final float[] productScaleHh;
    private final MemorySegment tIhSegment;
    private final MemorySegment tHhSegment;
    private final MemorySegment wHatIhSegment;
    private final MemorySegment wHatHhSegment;
    // T_ih's and T_hh's rows of scale block k (k * G*H/scaleBlocks on): the per-block products' operands, sliced once
    private final Slices tIhBlocks;
    private final Slices tHhBlocks;
    // Biases times lambda, packed as the gate passes read them (its array is rewritten by every forward).
    private final GateParameters parameters;
    private long generation;

    private TernaryTrainingLayer(CellType type, TernaryLayer.Activations activations, ActivationQuantizer quantizer,
                                 int inputSize, int hiddenSize, float[] wIh, float[] wHh, float[] bIh, float[] bHh,
                                 Ternarizer ternarizer, float delta, float lambda, Blas blas) {
        this.type = type;
        this.activations = activations;
        this.quantizer = quantizer;
        this.ternary = activations == TernaryLayer.Activations.TERNARY;
        this.stochastic = ternary && quantizer == ActivationQuantizer.STOCHASTIC;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.width = type.gates() * hiddenSize;
        this.ternarizer = ternarizer;
        this.scaleBlocks = ternarizer.scaling() == Ternarizer.Scaling.PER_MATRIX ? 1 : type.gates();
        this.delta = delta;
        this.lambda = lambda;
        this.blas = blas;
        this.pass = CellPasses.trainingPass(type.description().kernel());
        this.directPath = type.description().directPath();
        this.wIh = wIh.clone();
        this.wHh = wHh.clone();
        this.bIh = bIh == null ? new float[width] : bIh.clone();
        this.bHh = bHh == null ? new float[width] : bHh.clone();
        this.tIh = new float[wIh.length];
        this.tHh = new float[wHh.length];
        this.wHatIh = new float[wIh.length];
        this.wHatHh = new float[wHh.length];
        this.productScaleIh = new float[scaleBlocks];
        this.productScaleHh = new float[scaleBlocks];
        this.tIhSegment = MemorySegment.ofArray(tIh);
        this.tHhSegment = MemorySegment.ofArray(tHh);
        this.wHatIhSegment = MemorySegment.ofArray(wHatIh);
        this.wHatHhSegment = MemorySegment.ofArray(wHatHh);
        this.tIhBlocks = new Slices(tIhSegment, (long) width / scaleBlocks * inputSize, scaleBlocks);
        this.tHhBlocks = new Slices(tHhSegment, (long) width / scaleBlocks * hiddenSize, scaleBlocks);
        this.parameters = new GateParameters(type.description(), hiddenSize, new float[width], new float[width]);
    }

    /**
     * A layer from a float LSTM's or GRU's weights (copied: they become the master weights; without biases,
     * zero biases, still trained), with {@link ActivationQuantizer#THRESHOLD}, {@link Ternarizer#standard()},
     * {@code delta = 0.5}, {@code lambda = 1} and the default BLAS.
     */
    public static TernaryTrainingLayer create(LayerWeights weights, TernaryLayer.Activations activations) {
        return create(weights, activations, ActivationQuantizer.THRESHOLD, Ternarizer.standard(), TernaryLayer.DEFAULT_DELTA,
                TernaryLayer.DEFAULT_LAMBDA, Blases.get());
    }

    /**
     * As {@link #create(LayerWeights, TernaryLayer.Activations)}, with a chosen activation quantiser (THRESHOLD
     * with FLOAT activations), ternarizer, activation threshold {@code delta} (finite, {@code > 0}; that of
     * training and {@link #toInference()} with THRESHOLD, of {@link #toInference()} only with STOCHASTIC,
     * which needs {@code 0.5}), sloping factor {@code lambda} (finite, {@code > 0}) and BLAS.
     *
     * @throws IllegalArgumentException naming the argument: a cell other than LSTM and GRU, a weight or bias
     *                                  that is not finite, a bad quantiser, threshold, factor or BLAS
     */
    public static TernaryTrainingLayer create(LayerWeights weights, TernaryLayer.Activations activations,
                                              ActivationQuantizer quantizer, Ternarizer ternarizer, float delta,
                                              float lambda, Blas blas) {
        Checks.nonNull("weights", weights);
        CellType type = weights.cell();
        if (type != CellType.LSTM && type != CellType.GRU) {
            throw new IllegalArgumentException("weights: a " + type + " layer's, expected LSTM or GRU");
        }
        if (activations == null) {
            throw new IllegalArgumentException("activations is null, expected TERNARY or FLOAT");
        }
        float[] wIh = weights.inputWeights();
        float[] wHh = weights.recurrentWeights();
        float[] bIh = weights.inputBias();
        float[] bHh = weights.recurrentBias();
        finite("inputWeights (W_ih)", wIh);
        finite("recurrentWeights (W_hh)", wHh);
        if (bIh != null) {
            finite("b_ih", bIh);
            finite("b_hh", bHh);
        }
        if (ternarizer == null) {
            throw new IllegalArgumentException("ternarizer is null");
        }
        if (!(delta > 0) || Float.isInfinite(delta)) {
            throw new IllegalArgumentException("delta = " + delta + ", expected finite and > 0 (activation threshold)");
        }
        if (!(lambda > 0) || Float.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda = " + lambda + ", expected finite and > 0 (sloping factor)");
        }
        if (quantizer == null) {
            throw new IllegalArgumentException("quantizer is null, expected THRESHOLD or STOCHASTIC");
        }
        quantizer.check(activations, delta);
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        return new TernaryTrainingLayer(type, activations, quantizer, weights.inputSize(), weights.hiddenSize(), wIh, wHh,
                bIh, bHh, ternarizer, delta, lambda, blas);
    }

    /**
     * A layer to train further from an inference ternary layer's weights (a model file's, say): master weights
     * {@code alpha_k * t}, the biases, the activation quantiser, {@code delta} and {@code lambda} as given, and
     * the factor-0.7 ternarizer with the scaling the weights have (one scale or one per gate block). Its first forward uses the given
     * trits and scales exactly: in a block of {@code +-alpha} and {@code 0}, {@code Delta = 0.7 mean|w|} lies
     * below {@code alpha}, so the nonzero weights stay and the zeros go, and their mean is {@code alpha} again
     * (a sum of at most {@code 2^31} floats {@code alpha} is exact in double).
     */
    public static TernaryTrainingLayer of(TernaryWeights weights, Blas blas) {
        Checks.nonNull("weights", weights);
        CellType type = weights.cellType();
        int hidden = weights.weightHh().cols();
        Ternarizer.Scaling scaling = weights.weightIh().scales().length == 1
                ? Ternarizer.Scaling.PER_MATRIX : Ternarizer.Scaling.PER_GATE_BLOCK;
        LayerWeights master = LayerWeights.of(type, weights.weightIh().cols(), hidden)
                .inputWeights(weights.weightIh().toFloat())
                .recurrentWeights(weights.weightHh().toFloat())
                .biases(weights.biasIh(), weights.biasHh())
                .build();
        return create(master, weights.activations(), weights.quantizer(),
                new Ternarizer(Ternarizer.DEFAULT_FACTOR, scaling), weights.delta(), weights.lambda(), blas);
    }

    private static void finite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + values[i] + ", expected finite");
            }
        }
    }

    /** A zero state for {@code batch} streams, with its workspace (grown on use). */
    public TernaryTrainingState newState(int batch) {
        Checks.positive("batch", batch);
        return new TernaryTrainingState(type, ternary, batch, inputSize, hiddenSize, scaleBlocks);
    }

    /** Zero gradients of the master weights and biases ({@code dWIh, dWHh, dBIh, dBHh}), to accumulate into. */
    public ParameterGradients newGradients() {
        return new ParameterGradients(type, inputSize, hiddenSize);
    }

    /**
     * The trainable tensors with PyTorch's names, {@code weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0}:
     * each the LIVE master array of this layer paired with the matching array of {@code gradients}. An
     * optimiser built on them updates this layer in place; the next forward quantises the new values.
     */
    public List<Parameter> parameters(ParameterGradients gradients) {
        checkGradients(gradients);
        return List.of(new Parameter("weight_ih_l0", wIh, gradients.dWIh),
                new Parameter("weight_hh_l0", wHh, gradients.dWHh),
                new Parameter("bias_ih_l0", bIh, gradients.dBIh),
                new Parameter("bias_hh_l0", bHh, gradients.dBHh));
    }

    /**
     * The inference layer of the current master weights (a ternary {@link RecurrentLayer}, see
     * {@link TernaryLayer}): ternarised by this layer's {@link Ternarizer} (the trits and scales the
     * training forward uses), this layer's activation quantiser and threshold {@code delta}, {@code lambda}.
     * The caller owns it (close it when done).
     */
    public RecurrentLayer toInference() {
        int gates = type.gates();
        return RecurrentLayer.createTernary(new TernaryWeights(type, activations, quantizer,
                ternarizer.ternarize(wIh, width, inputSize, gates), ternarizer.ternarize(wHh, width, hiddenSize, gates),
                bIh, bHh, delta, lambda));
    }

    /**
     * Training forward, STOCHASTIC TERNARY mode with the caller's draws {@code uniforms [T][B][I+H]} (layout in
     * the class comment; each in {@code [0, 1)}), THRESHOLD and FLOAT modes with {@code uniforms} null. Starts from the state in
     * {@code state} and leaves the final state there, keeping the trace for {@link #backward}.
     *
     * @param input  {@code [T][B][I]} time-major, flattened (copied into the workspace)
     * @param output {@code [T][B][H]}, written
     */
    public void forward(float[] input, int steps, TernaryTrainingState state, float[] output, float[] uniforms) {
        checkForward(input, steps, state, output);
        if (stochastic) {
            long count = (long) steps * state.batch * (inputSize + hiddenSize);
            Checks.floats("uniforms", uniforms, "[T=%d][B=%d][I+H=%d]", steps, state.batch, inputSize + hiddenSize);
            for (int i = 0; i < count; i++) {
                if (!(uniforms[i] >= 0f && uniforms[i] < 1f)) {
                    throw new IllegalArgumentException("uniforms[" + i + "] = " + uniforms[i] + ", expected in [0, 1)");
                }
            }
        } else if (uniforms != null) {
            throw new IllegalArgumentException("uniforms given, but " + (ternary ? "THRESHOLD" : "FLOAT")
                    + " activations draw nothing: pass null");
        }
        run(input, steps, state, output, uniforms);
    }

    /**
     * As {@link #forward(float[], int, TernaryTrainingState, float[], float[])}, the draws taken from
     * {@code random} ({@code nextFloat()}, {@code T*B*(I+H)} of them in the layout's order) in STOCHASTIC TERNARY
     * mode; in THRESHOLD and FLOAT modes {@code random} is not used and may be null.
     */
    public void forward(float[] input, int steps, TernaryTrainingState state, float[] output, SplittableRandom random) {
        checkForward(input, steps, state, output);
        if (!stochastic) {
            run(input, steps, state, output, null);
            return;
        }
        if (random == null) {
            throw new IllegalArgumentException("random is null, expected a SplittableRandom for STOCHASTIC activations");
        }
        state.reserve(steps);
        int count = steps * state.batch * (inputSize + hiddenSize);
        float[] u = state.uniforms;
        for (int i = 0; i < count; i++) {
            u[i] = random.nextFloat();
        }
        run(input, steps, state, output, u);
    }

    private void checkForward(float[] input, int steps, TernaryTrainingState state, float[] output) {
        checkState(state);
        if (steps < 1) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 1");
        }
        long rows = (long) steps * state.batch;
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, state.batch, inputSize);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, state.batch, hiddenSize);
    }

    private void run(float[] input, int steps, TernaryTrainingState state, float[] output, float[] uniforms) {
        quantize();
        TrainingState s = state.core;
        state.reserve(steps);
        s.steps = 0;
        state.generation = generation;
        int batch = s.batch;
        int rows = steps * batch;
        int bh = batch * hiddenSize;
        int draws = inputSize + hiddenSize;
        System.arraycopy(input, 0, s.x, 0, rows * inputSize);
        MemorySegment ax = s.xSegment;
        if (ternary) {
            for (int r = 0; r < rows; r++) {
                quantizeActivations(s.x, r * inputSize, uniforms, r * draws, inputSize, state.ax, r * inputSize);
            }
            ax = state.axSegment;
        }
        // gi[T*B, G*H] = (lambda alpha_k) A_x T_ih^T, one sgemm per scale block; biases in the gate pass
        int blockRows = width / scaleBlocks;
        for (int k = 0; k < scaleBlocks; k++) {
            blas.sgemm(Transpose.NO, Transpose.YES, rows, blockRows, inputSize, productScaleIh[k], ax, 0, inputSize,
                    tIhBlocks.at(k), 0, inputSize, 0f, state.giBlocks.at(k), 0, width);
        }
        System.arraycopy(s.h, 0, s.hs, 0, bh);
        if (s.c != null) {
            System.arraycopy(s.c, 0, s.cs, 0, bh);
        }
        for (int t = 0; t < steps; t++) {
            Slices ah = s.hsSteps;
            if (ternary) {
                for (int b = 0; b < batch; b++) {
                    int r = t * batch + b;
                    quantizeActivations(s.hs, r * hiddenSize, uniforms, r * draws + inputSize, hiddenSize, state.ah,
                            r * hiddenSize);
                }
                ah = state.ahSteps;
            }
            // gh[B, G*H] = (lambda alpha_k) A_h,t T_hh^T
            for (int k = 0; k < scaleBlocks; k++) {
                if (batch == 1) {
                    blas.sgemv(Transpose.NO, blockRows, hiddenSize, productScaleHh[k], tHhBlocks.at(k), 0, hiddenSize,
                            ah.at(t), 0, 0f, state.ghBlocks.at(k), 0);
                } else {
                    blas.sgemm(Transpose.NO, Transpose.YES, batch, blockRows, hiddenSize, productScaleHh[k], ah.at(t), 0,
                            hiddenSize, tHhBlocks.at(k), 0, hiddenSize, 0f, state.ghBlocks.at(k), 0, width);
                }
            }
            pass.forward(parameters, s.trace, t);
        }
        System.arraycopy(s.hs, bh, output, 0, rows * hiddenSize);
        System.arraycopy(s.hs, rows * hiddenSize, s.h, 0, bh);
        if (s.c != null) {
            System.arraycopy(s.cs, rows * hiddenSize, s.c, 0, bh);
        }
        s.steps = steps;
    }

    // a(v[vOffset ..]) into a[aOffset ..]: drawn (STOCHASTIC) or thresholded (THRESHOLD)
    private void quantizeActivations(float[] v, int vOffset, float[] u, int uOffset, int n, float[] a, int aOffset) {
        if (stochastic) {
            sample(v, vOffset, u, uOffset, n, a, aOffset);
        } else {
            threshold(v, vOffset, n, delta, a, aOffset);
        }
    }

    // a_j = sign(v_j) * [|v_j| > delta], compared in float as the deployed layer's ternarisation
    // (TernaryKernels.ternarize) compares, so both get the same trits from the same v; NaN gives 0.
    private static void threshold(float[] v, int vOffset, int n, float delta, float[] a, int aOffset) {
        for (int j = 0; j < n; j++) {
            float x = v[vOffset + j];
            a[aOffset + j] = x > delta ? 1f : x < -delta ? -1f : 0f;
        }
    }

    // a_j = sign(v_j) * [u_j < min(|v_j|, 1)]: P(a = sign v) = min(|v|, 1), so E[a] = hardtanh(v).
    // Branch-free, as the draws make a branch unpredictable: for u, m in [0, 1], u < m exactly when u - m has
    // its sign bit set (u = m gives +0), so that bit, spread by the shift, masks copySign(1, v). NaN gives 0:
    // |NaN| is a positive NaN, min keeps it, and u - NaN is that NaN, sign bit clear.
    private static void sample(float[] v, int vOffset, float[] u, int uOffset, int n, float[] a, int aOffset) {
        for (int j = 0; j < n; j++) {
            float x = v[vOffset + j];
            int keep = Float.floatToRawIntBits(u[uOffset + j] - Math.min(Math.abs(x), 1f)) >> 31;
            a[aOffset + j] = Float.intBitsToFloat(keep & Float.floatToRawIntBits(Math.copySign(1f, x)));
        }
    }

    /**
     * Quantises the master weights ({@link Ternarizer}'s rule and summation order, so the trits and scales
     * are those {@link #toInference()} gets) and refreshes the scaled biases.
     */
    private void quantize() {
        generation++;      // first: a quantisation that throws half way still invalidates the traces made before it
        quantize("weight_ih_l0", wIh, inputSize, tIh, wHatIh, productScaleIh);
        quantize("weight_hh_l0", wHh, hiddenSize, tHh, wHatHh, productScaleHh);
        float[] bias = parameters.bias;
        int n = hiddenSize;
        boolean split = type.description().splitCandidate();
        int folded = split ? 2 * n : width;
        for (int k = 0; k < folded; k++) {
            bias[k] = lambda * (bIh[k] + bHh[k]);
        }
        if (split) {
            for (int j = 0; j < n; j++) {
                bias[2 * n + j] = lambda * bIh[2 * n + j];      // GRU's n block: [.., lambda b_in, lambda b_hn]
                bias[3 * n + j] = lambda * bHh[2 * n + j];
            }
        }
        for (int k = 0; k < width; k++) {
            if (!Float.isFinite(bIh[k]) || !Float.isFinite(bHh[k])) {
                throw new IllegalStateException("bias_" + (Float.isFinite(bIh[k]) ? "hh" : "ih") + "_l0[" + k
                        + "] is not finite: the master weights diverged");
            }
        }
    }

    // Per block: Delta = factor mean|w|, t = sign(w)[|w| > Delta], alpha = mean(|w| over |w| > Delta)
    private void quantize(String name, float[] w, int cols, float[] trits, float[] wHat, float[] productScale) {
        int perBlock = width / scaleBlocks * cols;
        for (int k = 0; k < scaleBlocks; k++) {
            int from = k * perBlock;
            int to = from + perBlock;
            double sumAbs = 0;
            for (int i = from; i < to; i++) {
                sumAbs += Math.abs((double) w[i]);
            }
            if (!Double.isFinite(sumAbs)) {
                throw new IllegalStateException(name + " has a non-finite value in rows " + (from / cols) + ".."
                        + (to / cols - 1) + ": the master weights diverged");
            }
            double threshold = ternarizer.factor() * (sumAbs / perBlock);
            double keptAbs = 0;
            long kept = 0;
            for (int i = from; i < to; i++) {
                double v = w[i];
                boolean keep = Math.abs(v) > threshold;
                trits[i] = keep ? (v > 0 ? 1f : -1f) : 0f;
                if (keep) {
                    keptAbs += Math.abs(v);
                    kept++;
                }
            }
            float alpha = kept == 0 ? 0f : (float) (keptAbs / kept);
            for (int i = from; i < to; i++) {
                wHat[i] = alpha * trits[i];
            }
            productScale[k] = lambda * alpha;
        }
    }

    /**
     * BPTT over the steps of the last {@link #forward} on {@code state}, with the STEs of the class comment,
     * for the loss whose gradients are {@code dOutputs = dL/dh_t} ({@code [T][B][H]}; null means zeros),
     * {@code dFinalH = dL/dh_T}, {@code dFinalC = dL/dc_T} ({@code [B][H]}; null means zeros; {@code dFinalC}
     * null for the GRU). The master-weight and bias gradients are ADDED to {@code gradients} (from
     * {@link #newGradients()}); {@code dInput [T][B][I]}, {@code dInitialH}, {@code dInitialC [B][H]} are
     * WRITTEN, each skipped when null. The trace stays, so the backward may be repeated.
     */
    public void backward(TernaryTrainingState state, float[] dOutputs, float[] dFinalH, float[] dFinalC,
                         float[] dInput, float[] dInitialH, float[] dInitialC, ParameterGradients gradients) {
        checkState(state);
        TrainingState s = state.core;
        int steps = s.steps;
        if (steps == 0) {
            throw new IllegalStateException("no training forward to differentiate: call forward on this state first");
        }
        requireCurrentTrace(state);
        int batch = s.batch;
        int rows = steps * batch;
        int bh = batch * hiddenSize;
        TrainingLayer.checkBackwardArrays(type, inputSize, hiddenSize, steps, batch, dOutputs, dFinalH, dFinalC, dInput,
                dInitialH, dInitialC);
        checkGradients(gradients);

        TrainingLayer.fillOrCopy(dFinalH, s.dh, bh);
        if (s.c != null) {
            TrainingLayer.fillOrCopy(dFinalC, s.dc, bh);
        }
        for (int t = steps - 1; t >= 0; t--) {
            if (dOutputs != null) {
                for (int i = 0; i < bh; i++) {
                    s.dh[i] += dOutputs[t * bh + i];          // dL/dh_{t+1}: through the output and the later steps
                }
            }
            pass.backward(parameters, s.trace, t);
            stateGradient(state, t);
        }
        if (dInitialH != null) {
            System.arraycopy(s.dh, 0, dInitialH, 0, bh);
        }
        if (dInitialC != null) {
            System.arraycopy(s.dc, 0, dInitialC, 0, bh);
        }
        weightGradients(state, rows, dInput, gradients);
    }

    /** Throws IllegalStateException when another forward re-quantised the weights since {@code state}'s. */
    void requireCurrentTrace(TernaryTrainingState state) {
        if (state.generation != generation) {
            throw new IllegalStateException("the layer re-quantised its weights in another forward since this state's "
                    + "forward: run forward and backward on one state before the next forward");
        }
    }

    // dh_t = direct_t + [|h_t| <= 1] (lambda dGH_t W_hat_hh), [B, G*H] x [G*H, H]; the gate pass left direct_t in dhNext
    private void stateGradient(TernaryTrainingState state, int t) {
        TrainingState s = state.core;
        int batch = s.batch;
        int bh = batch * hiddenSize;
        if (!ternary) {
            float beta = directPath ? 1f : 0f;
            product(s.dGhSteps.at(t), batch, beta, s.dhNextSegment);
            System.arraycopy(s.dhNext, 0, s.dh, 0, bh);
            return;
        }
        product(s.dGhSteps.at(t), batch, 0f, state.productSegment);
        float[] p = state.product;
        int h = t * bh;
        for (int i = 0; i < bh; i++) {
            float through = Math.abs(s.hs[h + i]) <= 1f ? p[i] : 0f;    // activation STE
            s.dh[i] = directPath ? s.dhNext[i] + through : through;
        }
    }

    // into = lambda dGH_t W_hat_hh + beta into (dGh: dL/dgh from step t's rows on)
    private void product(MemorySegment dGh, int batch, float beta, MemorySegment into) {
        if (batch == 1) {
            blas.sgemv(Transpose.YES, width, hiddenSize, lambda, wHatHhSegment, 0, hiddenSize,
                    dGh, 0, beta, into, 0);
        } else {
            blas.sgemm(Transpose.NO, Transpose.NO, batch, hiddenSize, width, lambda, dGh, 0, width,
                    wHatHhSegment, 0, hiddenSize, beta, into, 0, hiddenSize);
        }
    }

    private void weightGradients(TernaryTrainingState state, int rows, float[] dInput, ParameterGradients g) {
        TrainingState s = state.core;
        MemorySegment ax = ternary ? state.axSegment : s.xSegment;
        MemorySegment ah = ternary ? state.ahSegment : s.hsSegment;
        if (dInput != null) {
            // dX[T*B, I] = lambda dGI[T*B, G*H] W_hat_ih[G*H, I], then the activation STE [|x| <= 1]
            blas.sgemm(Transpose.NO, Transpose.NO, rows, inputSize, width, lambda, s.dGiSegment, 0, width,
                    wHatIhSegment, 0, inputSize, 0f, MemorySegment.ofArray(dInput), 0, inputSize);
            if (ternary) {
                int n = rows * inputSize;
                for (int i = 0; i < n; i++) {
                    if (!(Math.abs(s.x[i]) <= 1f)) {
                        dInput[i] = 0f;
                    }
                }
            }
        }
        // dw_ih += lambda dGI^T A_x ; dw_hh += lambda dGH^T A_h (weight STE: dL/dw := dL/dW_hat)
        blas.sgemm(Transpose.YES, Transpose.NO, width, inputSize, rows, lambda, s.dGiSegment, 0, width,
                ax, 0, inputSize, 1f, g.dWIhSegment, 0, inputSize);
        blas.sgemm(Transpose.YES, Transpose.NO, width, hiddenSize, rows, lambda, s.dGhSegment, 0, width,
                ah, 0, hiddenSize, 1f, g.dWHhSegment, 0, hiddenSize);
        // db_ih += lambda dGI^T 1 ; db_hh += lambda dGH^T 1
        blas.sgemv(Transpose.YES, rows, width, lambda, s.dGiSegment, 0, width, s.onesSegment, 0, 1f, g.dBIhSegment, 0);
        blas.sgemv(Transpose.YES, rows, width, lambda, s.dGhSegment, 0, width, s.onesSegment, 0, 1f, g.dBHhSegment, 0);
    }

    private void checkState(TernaryTrainingState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        Checks.open(state);
        if (state.core.type != type || state.hidden != hiddenSize || state.input != inputSize || state.ternary != ternary) {
            throw new IllegalArgumentException("state is a " + state.core.type + (state.ternary ? " TERNARY" : " FLOAT")
                    + " training state of I=" + state.input + ", H=" + state.hidden + ", expected one of " + type + " "
                    + activations + " with I=" + inputSize + ", H=" + hiddenSize + " (from this layer's newState)");
        }
    }

    private void checkGradients(ParameterGradients gradients) {
        if (gradients == null) {
            throw new IllegalArgumentException("gradients is null, expected this layer's newGradients()");
        }
        if (gradients.type != type || gradients.inputSize != inputSize || gradients.hiddenSize != hiddenSize) {
            throw new IllegalArgumentException("gradients are for a " + gradients.type + " of I=" + gradients.inputSize
                    + ", H=" + gradients.hiddenSize + ", expected " + type + " of I=" + inputSize + ", H=" + hiddenSize
                    + " (from this layer's newGradients())");
        }
    }

    public CellType cellType() {
        return type;
    }

    public TernaryLayer.Activations activations() {
        return activations;
    }

    /** How TERNARY activations are ternarised in training (and so deployed by {@link #toInference()}). */
    public ActivationQuantizer quantizer() {
        return quantizer;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** The sloping factor of the gates. */
    public float lambda() {
        return lambda;
    }

    /** The activation threshold (TERNARY mode): of training and deployment with THRESHOLD, of deployment with STOCHASTIC. */
    public float delta() {
        return delta;
    }

    public Ternarizer ternarizer() {
        return ternarizer;
    }
}
