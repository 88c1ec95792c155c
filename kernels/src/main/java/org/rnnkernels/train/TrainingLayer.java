package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.PackedMatrix;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.cell.CellPasses;
import org.rnnkernels.cell.Egru;
import org.rnnkernels.cell.GateParameters;
import org.rnnkernels.cell.TrainingPass;
import org.rnnkernels.internal.Checks;

/**
 * Backpropagation through time for one {@link RecurrentLayer} (one direction), in float, with the
 * structure of the forward:
 * <ol>
 *   <li>a training {@link #forward}: the input projection of all {@code T} steps as ONE sgemm, then per
 *       step the recurrent product (the forward's packed panel product up to batch 64 with the Vector API,
 *       else BLAS) and the cell's training pass, which keeps what the backward needs (each cell's class in
 *       {@code org.rnnkernels.cell} lists it) in the caller's {@link TrainingState};</li>
 *   <li>{@link #backward}, per step from the last: ONE fused pass over the gate derivatives
 *       (the cell's training pass, Vector API or scalar as {@code org.rnnkernels.simd.Simd} chose),
 *       giving {@code dGI_t = dL/d(W_ih x_t)} and {@code dGH_t = dL/d(W_hh h_t)}, then the state gradient
 *       {@code dh_t = direct_t + dGH_t W_hh}, by the same panel product on {@code W_hh^T} packed once, or
 *       by BLAS (sgemm, sgemv for one sample) where the forward would use BLAS; every
 *       {@link #WEIGHT_BLOCK_ROWS} rows or so, {@code dW_hh += dGH^T Hprev} (and a wide input's
 *       {@code dW_ih += dGI^T X}) over the steps just finished, while their rows are in cache;</li>
 *   <li>after the loop, the rest of the sequence's gradients as ONE product each over all {@code T*B} rows
 *       (the weight gradients over the first steps' rows the blocks left; all of EGRU's): the input gradient
 *       {@code dX = dGI W_ih}, a narrow input's {@code dW_ih}, the bias gradients as column sums
 *       {@code dGI^T 1} (sgemv), and the MI vectors as sums over rows of {@code dPre * Wx * Uh} etc.</li>
 * </ol>
 * The gradients are those of {@code ReferenceBackward} (the double reference), including its
 * subgradient 0 at the kinks of {@code relu}, {@code hardtanh} and RAG's {@code S(v, q)}.
 *
 * <p>Truncated BPTT over a stream: run {@link #forward} and {@link #backward} chunk by chunk on the same
 * {@link TrainingState}; each chunk starts from the state the previous one left, held constant (its
 * gradient is returned as {@code dInitialH}/{@code dInitialC} and goes no further), and the parameter
 * gradients accumulate in one {@link ParameterGradients}.
 *
 * <p>Supported: every cell (RNN_TANH, RNN_RELU, LSTM, GRU, RAG_GRU, RAG_MINIMAL, RAG_LSTM, MI_RNN, MI_LSTM,
 * MI_GRU, EGRU) and the restricted (weight-shared) layers.
 *
 * <p>EGRU (CELLS.md): the Heaviside {@code o = Hv(c_pre - theta)} is differentiated with the pseudo-derivative
 * {@code gamma * max(0, 1 - s|c_pre - theta|)} ({@link #of(RecurrentLayer, double, double)}; defaults
 * {@value #DEFAULT_GAMMA}, {@value #DEFAULT_S}), as {@code ReferenceBackward}. The training forward uses the
 * dense recurrent product of the other cells (the packed panel product or BLAS), not the inference
 * forward's sparse column product, which is package-private to {@code org.rnnkernels}: one forward path for
 * every cell, and no change to the inference classes. (At low activity that costs: measured at H = 1024,
 * T = 100, B = 16, 3.6% activity, the dense training forward took about as long as the sparse backward.)
 * The backward exploits the sparsity: a unit that did not fire and whose
 * pseudo-derivative is 0 passes no gradient to its {@code y}, so the per-step state gradient
 * {@code dy_t = dGH_t W_hh} is computed only on the columns of {@code W_hh} of the units that need it
 * ({@link SparseProducts#supportProduct}, dot products with rows of {@code W_hh^T}; the dense product when
 * {@value #SPARSE_BELOW} (one sample) or {@value #SPARSE_BELOW_BATCHED} (several) or more of a step's
 * (sample, unit) pairs need it, and at the first step, whose
 * {@code dL/dy_0} is returned whole). The measured support is {@link TrainingState#lastBackwardSupport()}.
 * Likewise {@code dW_hh = dGH^T Y} with {@code Y} the sparse outputs: while fewer than
 * {@value #SPARSE_WEIGHTS_BELOW} of {@code Y} is nonzero it is summed over the nonzeros only
 * ({@link SparseProducts#sparseWeightGradient}), above that by the BLAS sgemm. Note that the default
 * pseudo-derivative's support {@code |c_pre - theta| < 1} holds for nearly every unit ({@code |c_pre| < 1},
 * thresholds well below 1), so its backward support is near 100%: a sparse backward needs a narrower one
 * (larger {@code s}) or {@code gamma = 0}.
 * Activity regularisation as EvNN trains sequential MNIST ({@link ActivityRegularization}, given to
 * {@link #of(RecurrentLayer, double, double, ActivityRegularization, Blas)}): each forward counts its activity
 * {@code a} and the backward adds {@code dL_act/do = 2 lambda (a - a*) / (T*B*H)} to every unit's {@code dL/do}.
 * The thresholds are a parameter ({@code egru_theta}); {@link #parametersChanged()} raises any below
 * {@link #MIN_THRESHOLD} to it: inference takes {@code theta >= 0} (EvNN's checkpoints may hold 0), but a
 * threshold trained down to 0 or below would fire every positive unit and stop being learned as one.
 *
 * <p>Restricted layers (CELLS.md "RRNN"): forward and backward run on the dense matrices the pool
 * expands to (the restricted forward's compact products would save the shared rows' work, but the
 * backward's products are over {@code G*H} rows either way); after the weight-gradient products of a
 * call, ONE pass folds the dense gradients into the pool rows they were sliced from, so a shared row
 * takes the sum over every gate block of both inputs. The parameters are the pool and the bias pool;
 * {@link #parametersChanged()} expands them again and {@link #toLayer()} exports a restricted layer.
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
public final class TrainingLayer implements TrainableLayer {
    /** EGRU's default pseudo-derivative height (CELLS.md). */
    public static final double DEFAULT_GAMMA = 0.7;
    /** EGRU's default pseudo-derivative slope: its support is {@code |c_pre - theta| < 1/s}. */
    public static final double DEFAULT_S = 1;
    /**
     * The smallest EGRU threshold {@link #parametersChanged()} lets through: an optimiser step may push
     * {@code theta} to or below 0, where the cell is not defined (every unit would fire at every
     * {@code c_pre > 0}); such values are raised to this.
     */
    public static final float MIN_THRESHOLD = 1e-3f;
    // EGRU: the support product is used while fewer than this fraction of a step's (sample, unit) pairs
    // need dL/dy; above, the dense product is cheaper. One sample: the dense product is bound by reading
    // W_hh, which the support product reads only in part. Several: the dense panel product uses each load of
    // W_hh for every sample, the support product for up to four. Measured (H = 1024, T = 100, noisy shared
    // machine): B = 1 wins at 44% support (103 vs 150 ms); B = 16 wins at 12% (724 vs 961 ms), loses at 44%
    // (1073 vs 702 ms).
    static final double SPARSE_BELOW = 0.7;
    static final double SPARSE_BELOW_BATCHED = 0.25;
    // EGRU: dW_hh from the nonzeros of y while fewer than this fraction of Hprev is nonzero (activity); above,
    // the BLAS sgemm dGH^T Y, which runs several times faster per multiply-add, is quicker.
    static final double SPARSE_WEIGHTS_BELOW = 0.15;

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
    // The cell's training pass, loaded once by the cell's kernel name; EGRU's sparse products
    private final TrainingPass pass;
    private final SparseProducts sparse;
    // A narrow input's products, chosen once: the projection when I <= ThinInputProducts.MAX_INPUTS (then with
    // W_ih^T [I][G*H], refreshed by parametersChanged(), else null), the weight gradient dW_ih (and its bias sum)
    // when I <= thin.maxGradientInputs(); the BLAS's otherwise
    private final ThinInputProducts thin;
    private final boolean thinProjection;
    private final boolean thinGradient;
    private final float[] wIhTransposed;
    private final boolean directPath;
    private final int cacheBlocks;
    // EGRU only (else null / 0): the live thresholds, the pseudo-derivative, W_hh^T [H][G*H] for the
    // support product, and the support fraction below which it is used
    private final float[] theta;
    private final float gamma;
    private final float slope;
    private final double sparseBelow;
    private final double sparseBelowBatched;
    private final double sparseWeightsBelow;
    private final ActivityRegularization activityRegularization;   // EGRU only (else NONE)
    private float[] wHhTransposed;   // W_hh^T, refreshed in place; EGRU's support product reads it
    // Restricted only (else null): the live pool and bias pool; wIh, wHh, bIh, bHh are their expansion
    private final float[] pool;
    private final float[] biasPool;
    private final double rate;
    private final int sharedRows;
    private final int privateRows;
    private final int poolRows;
    private final int poolColumns;

    private TrainingLayer(RecurrentLayer layer, Blas blas, float gamma, float slope, double sparseBelow,
                          double sparseBelowBatched, double sparseWeightsBelow, ActivityRegularization activityRegularization) {
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
        this.pass = CellPasses.trainingPass(type.description().kernel());
        this.sparse = SparseProducts.get();
        this.thin = ThinInputProducts.get();
        this.thinProjection = inputSize <= ThinInputProducts.MAX_INPUTS;
        this.thinGradient = inputSize <= thin.maxGradientInputs();
        this.wIhTransposed = thinProjection ? new float[wIh.length] : null;
        this.directPath = type.description().directPath();
        this.cacheBlocks = type.description().cacheBlocks();
        this.theta = layer.thresholds();   // a copy, null but for EGRU
        this.gamma = gamma;
        this.slope = slope;
        this.sparseBelow = sparseBelow;
        this.sparseBelowBatched = sparseBelowBatched;
        this.sparseWeightsBelow = sparseWeightsBelow;
        this.activityRegularization = activityRegularization;
        RestrictedWeights restricted = layer.restrictedWeights();
        this.pool = restricted == null ? null : restricted.pool();
        this.biasPool = restricted == null ? null : restricted.biasPool();
        this.rate = restricted == null ? 0 : restricted.rate();
        this.sharedRows = restricted == null ? 0 : restricted.sharedRows();
        this.privateRows = restricted == null ? 0 : restricted.privateRows();
        this.poolRows = restricted == null ? 0 : restricted.poolRows();
        this.poolColumns = restricted == null ? 0 : restricted.poolColumns();
        parametersChanged();
    }

    /**
     * The live parameters, in PyTorch's names, each paired with its gradient in {@code gradients}:
     * {@code weight_ih, weight_hh}, {@code bias_ih, bias_hh} (absent for a layer built without biases,
     * whose biases stay zero), for the MI cells {@code mi_alpha, mi_beta1, mi_beta2}, for EGRU
     * {@code egru_theta}. A restricted layer lists its pool instead of the dense matrices: {@code pool}
     * {@code [d_r][k]} and {@code bias_pool [d_r]} (absent without biases). An optimiser may change the
     * values in place; call {@link #parametersChanged()} after it has.
     */
    public List<Parameter> parameters(ParameterGradients gradients) {
        checkGradients(gradients);
        List<Parameter> list = new ArrayList<>();
        if (pool != null) {
            list.add(new Parameter("pool", pool, gradients.dPool));
            if (biasPool != null) {
                list.add(new Parameter("bias_pool", biasPool, gradients.dBiasPool));
            }
            return List.copyOf(list);
        }
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
        if (theta != null) {
            list.add(new Parameter("egru_theta", theta, gradients.dTheta));
        }
        return List.copyOf(list);
    }

    /**
     * Refreshes what is derived from the parameters after they changed in place: repacks {@code W_hh}
     * and {@code W_hh^T} for the panel products (O(G*H*H), small beside a training step's
     * O(T*B*G*H*H)) and folds the biases again. A restricted layer first expands its pool into the dense
     * matrices. EGRU: thresholds below {@link #MIN_THRESHOLD} are raised to it; a NaN or infinite threshold
     * throws IllegalStateException (naming the unit), before anything is changed.
     */
    public void parametersChanged() {
        if (theta != null) {
            for (int j = 0; j < hiddenSize; j++) {
                if (Float.isNaN(theta[j]) || Float.isInfinite(theta[j])) {
                    throw new IllegalStateException("egru_theta[" + j + "] = " + theta[j] + ": expected finite");
                }
            }
            for (int j = 0; j < hiddenSize; j++) {
                theta[j] = Math.max(theta[j], MIN_THRESHOLD);
            }
        }
        if (pool != null) {
            expandPool();
        }
        if (thinProjection) {
            transpose(wIh, width, inputSize, wIhTransposed);
        }
        // Refreshed in place after the first call: an update allocates nothing. The transpose itself only
        // for EGRU's support product; the packed W_hh^T is packed from W_hh directly.
        if (theta != null) {
            if (wHhTransposed == null) {
                wHhTransposed = new float[wHh.length];
            }
            transpose(wHh, width, hiddenSize, wHhTransposed);
        }
        if (gateParameters == null) {
            wHhPacked = PackedMatrix.packOrNull(wHh, width, hiddenSize);
            wHhTransposedPacked = wHhPacked == null ? null : PackedMatrix.packTransposedOrNull(wHh, width, hiddenSize);
            gateParameters = new GateParameters(type.description(), hiddenSize, bIh, bHh,
                    mi == null ? null : mi.alpha(), mi == null ? null : mi.beta1(), mi == null ? null : mi.beta2(),
                    theta, gamma, slope);
        } else {
            if (wHhPacked != null) {
                wHhPacked.repack(wHh);
                wHhTransposedPacked.repackTransposed(wHh);
            }
            gateParameters.refresh(bIh, bHh);
        }
    }

    // Pool row of unit u of gate block j for input h (recurrent) or x: RestrictedWeights' layout.
    private int poolRow(boolean recurrent, int block, int unit) {
        if (unit < sharedRows) {
            return unit;
        }
        return sharedRows + ((recurrent ? type.gates() : 0) + block) * privateRows + (unit - sharedRows);
    }

    // W_ih, W_hh, b_ih, b_hh (the live dense arrays) <- the matrices the pool expands to
    private void expandPool() {
        for (int j = 0; j < type.gates(); j++) {
            for (int u = 0; u < hiddenSize; u++) {
                int row = j * hiddenSize + u, xRow = poolRow(false, j, u), hRow = poolRow(true, j, u);
                System.arraycopy(pool, xRow * poolColumns, wIh, row * inputSize, inputSize);
                System.arraycopy(pool, hRow * poolColumns, wHh, row * hiddenSize, hiddenSize);
                if (biasPool != null) {
                    bIh[row] = biasPool[xRow];
                    bHh[row] = biasPool[hRow];
                }
            }
        }
    }

    /** {@link #toLayer(Blas)} with the default BLAS. */
    public RecurrentLayer toLayer() {
        return toLayer(Blases.get());
    }

    /** An inference layer with the current parameters (copied), for running or saving the trained layer. */
    public RecurrentLayer toLayer(Blas blas) {
        if (pool != null) {
            return RecurrentLayer.createRestricted(RestrictedWeights.of(type, inputSize, hiddenSize, rate, pool, biasPool), blas);
        }
        if (theta != null) {
            return RecurrentLayer.create(LayerWeights.of(CellType.EGRU, inputSize, hiddenSize)
                    .inputWeights(wIh)
                    .recurrentWeights(wHh)
                    .biases(hasBias ? bIh : null, hasBias ? bHh : null)
                    .thresholds(theta)
                    .build(), blas);
        }
        MiParameters miCopy = mi == null ? null
                : new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
        return RecurrentLayer.create(LayerWeights.of(type, inputSize, hiddenSize)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(hasBias ? bIh : null, hasBias ? bHh : null)
                .mi(miCopy)
                .build(), blas);
    }

    /** {@link #of(RecurrentLayer, Blas)} with the default BLAS. */
    public static TrainingLayer of(RecurrentLayer layer) {
        return of(layer, Blases.get());
    }

    /**
     * The training form of {@code layer}, whose weights are copied (the layer stays usable and may be
     * closed). An EGRU gets the default pseudo-derivative ({@link #DEFAULT_GAMMA}, {@link #DEFAULT_S}).
     */
    public static TrainingLayer of(RecurrentLayer layer, Blas blas) {
        return create(layer, DEFAULT_GAMMA, DEFAULT_S, blas, SPARSE_BELOW, SPARSE_BELOW_BATCHED, SPARSE_WEIGHTS_BELOW, false);
    }

    /** {@link #of(RecurrentLayer, double, double, Blas)} with the default BLAS. */
    public static TrainingLayer of(RecurrentLayer layer, double gamma, double s) {
        return of(layer, gamma, s, Blases.get());
    }

    /**
     * The training form of an EGRU {@code layer} whose backward takes the pseudo-derivative
     * {@code dHv/dv ~ gamma * max(0, 1 - s|v|)}: {@code gamma} finite and {@code >= 0} (0: the exact
     * derivative away from the jump, and the sparsest backward), {@code s} finite and {@code > 0} (the
     * support is {@code |v| < 1/s}). Throws IllegalArgumentException for other cells, which have no Heaviside.
     */
    public static TrainingLayer of(RecurrentLayer layer, double gamma, double s, Blas blas) {
        return create(layer, gamma, s, blas, SPARSE_BELOW, SPARSE_BELOW_BATCHED, SPARSE_WEIGHTS_BELOW, true);
    }

    /**
     * As {@link #of(RecurrentLayer, double, double, Blas)}, with EvNN's activity regularisation
     * {@code activity} ({@link ActivityRegularization}: {@code lambda (a - a*)^2} over each training forward)
     * added to whatever loss the caller differentiates: every {@link #backward} after a {@link #forward} takes
     * its gradient too, through the pseudo-derivative. {@link TrainingState#lastActivity()} and
     * {@link TrainingState#lastActivityLoss()} report it.
     */
    public static TrainingLayer of(RecurrentLayer layer, double gamma, double s, ActivityRegularization activity, Blas blas) {
        Checks.nonNull("activity", activity);
        return create(layer, gamma, s, blas, SPARSE_BELOW, SPARSE_BELOW_BATCHED, SPARSE_WEIGHTS_BELOW, true, activity);
    }

    // sparseBelow, sparseWeightsBelow: package-private for tests, which force the sparse products (2) or the
    // dense ones (0).
    static TrainingLayer create(RecurrentLayer layer, double gamma, double s, Blas blas, double sparseBelow,
                                double sparseBelowBatched, double sparseWeightsBelow, boolean pseudoDerivativeGiven) {
        return create(layer, gamma, s, blas, sparseBelow, sparseBelowBatched, sparseWeightsBelow, pseudoDerivativeGiven,
                ActivityRegularization.NONE);
    }

    static TrainingLayer create(RecurrentLayer layer, double gamma, double s, Blas blas, double sparseBelow,
                                double sparseBelowBatched, double sparseWeightsBelow, boolean pseudoDerivativeGiven,
                                ActivityRegularization activity) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        if (pseudoDerivativeGiven && !layer.cellType().eventBased()) {
            throw new IllegalArgumentException("gamma and s are for EGRU only, not " + layer.cellType());
        }
        if (!(gamma >= 0) || !Float.isFinite((float) gamma)) {
            throw new IllegalArgumentException("gamma = " + gamma + ", expected finite and >= 0");
        }
        if (!(s > 0) || !Float.isFinite((float) s) || (float) s == 0f) {
            throw new IllegalArgumentException("s = " + s + ", expected finite and > 0");
        }
        return new TrainingLayer(layer, blas, (float) gamma, (float) s, sparseBelow, sparseBelowBatched, sparseWeightsBelow,
                activity);
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
        return new ParameterGradients(type, inputSize, hiddenSize, poolRows, biasPool != null);
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
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        state.reserve(steps);
        state.steps = 0;
        int r = (int) rows;
        int bh = batch * hiddenSize;
        System.arraycopy(input, 0, state.x, 0, r * inputSize);
        // gi[T*B, G*H] = X[T*B, I] W_ih^T, biases added in the gate pass
        if (thinProjection) {
            thin.project(state.x, r, inputSize, wIhTransposed, width, state.gi);
        } else {
            blas.sgemm(Transpose.NO, Transpose.YES, r, width, inputSize,
                    1f, state.xSegment, 0, inputSize, wIhSegment, 0, inputSize, 0f, state.giSegment, 0, width);
        }
        System.arraycopy(state.h, 0, state.hs, 0, bh);
        if (state.c != null) {
            System.arraycopy(state.c, 0, state.cs, 0, bh);
        }
        for (int t = 0; t < steps; t++) {
            // gh[B, G*H] = h_t W_hh^T
            if (wHhPacked != null && batch <= PackedMatrix.maxBatch()) {
                wHhPacked.multiply(batch, state.hs, t * bh, state.gh, (t & 1) == 1);   // back and forth: see PackedMatrix
            } else if (batch == 1) {
                blas.sgemv(Transpose.NO, width, hiddenSize, 1f, wHhSegment, 0, hiddenSize,
                        state.hsSteps.at(t), 0, 0f, state.ghSegment, 0);
            } else {
                blas.sgemm(Transpose.NO, Transpose.YES, batch, width, hiddenSize,
                        1f, state.hsSteps.at(t), 0, hiddenSize, wHhSegment, 0, hiddenSize, 0f, state.ghSegment, 0, width);
            }
            pass.forward(gateParameters, state.trace, t);
        }
        if (theta != null) {
            regulariseActivity(state, r);
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
        checkBackwardArrays(type, inputSize, hiddenSize, steps, batch, dOutputs, dFinalH, dFinalC, dInput, dInitialH,
                dInitialC);
        checkGradients(gradients);

        fillOrCopy(dFinalH, state.dh, bh);
        if (state.c != null) {
            fillOrCopy(dFinalC, state.dc, bh);
        }
        boolean egru = theta != null;
        long neededPairs = egru ? scanSupport(state, steps - 1) : 0;
        double sparseUpTo = (batch == 1 ? sparseBelow : sparseBelowBatched) * bh;
        // The dense weight gradients are summed a block of steps at a time as the loop finishes them, while
        // their rows of dG, Hprev and X are still in cache (weightBlockSteps); steps summedTo .. steps-1 are done.
        // EGRU chooses its dW_hh product from the whole call's activity, after the loop.
        int blockSteps = egru ? steps : weightBlockSteps(batch);
        int summedTo = steps;
        float beta = pool != null ? 0f : 1f;
        for (int t = steps - 1; t >= 0; t--) {
            if (dOutputs != null) {
                addInto(dOutputs, t * bh, state.dh, bh);     // dL/dh_{t+1}: through the output and the later steps
            }
            pass.backward(gateParameters, state.trace, t);
            if (egru && t > 0) {
                // dL/dy_t is needed only where step t-1's unit fired or has a nonzero pseudo-derivative
                int needed = scanSupport(state, t - 1);
                neededPairs += needed;
                if (needed < sparseUpTo) {
                    sparse.supportProduct(wHhTransposed, state, t);
                    continue;
                }
            }
            stateGradient(state, t);
            if (t > 0 && summedTo - t == blockSteps) {
                denseWeightGradients(state, t * batch, summedTo * batch, summedTo == steps ? beta : 1f, gradients);
                summedTo = t;
            }
        }
        if (egru) {
            state.lastBackwardSupport = (double) neededPairs / ((long) rows * hiddenSize);
            state.lastPseudoDerivativeSupport = (double) state.pseudoPairs / ((long) rows * hiddenSize);
        }
        if (dInitialH != null) {
            System.arraycopy(state.dh, 0, dInitialH, 0, bh);
        }
        if (dInitialC != null) {
            System.arraycopy(state.dc, 0, dInitialC, 0, bh);
        }
        weightGradients(state, rows, summedTo * batch, dInput, gradients);
    }

    /**
     * EGRU: the call's activity {@code a}, the fraction of its {@code rows * H} outputs that fired ({@code y != 0}:
     * {@code y = c_pre > theta >= MIN_THRESHOLD} where it fired), and the activity regularisation's loss and
     * {@code dL/do} for the backward ({@link ActivityRegularization}).
     */
    private void regulariseActivity(TrainingState state, int rows) {
        int n = rows * hiddenSize, from = state.batch * hiddenSize;
        float[] y = state.hs;
        int fired = 0;
        for (int i = from; i < from + n; i++) {
            fired += y[i] != 0f ? 1 : 0;
        }
        double activity = (double) fired / n;
        state.lastActivity = activity;
        state.lastActivityLoss = activityRegularization.loss(activity);
        state.trace.activityGradient = (float) activityRegularization.gradient(activity, n);
    }

    /**
     * EGRU: marks the units of step {@code t} whose {@code dL/dy} the backward needs ({@code state.needed},
     * their union in {@code state.supportUnits}) and returns how many (sample, unit) pairs; counts those
     * with a nonzero pseudo-derivative into {@code state.pseudoPairs} (reset at the last step).
     */
    private int scanSupport(TrainingState s, int t) {
        int n = hiddenSize, cacheWidth = s.cacheWidth, cPre = Egru.C_PRE_BLOCK * n;
        if (t == s.steps - 1) {
            s.pseudoPairs = 0;
        }
        int pairs = 0;
        int pseudo = 0;
        int units = 0;
        for (int j = 0; j < n; j++) {
            boolean any = false;
            for (int b = 0; b < s.batch; b++) {
                float v = s.act[(t * s.batch + b) * cacheWidth + cPre + j];
                boolean need = Egru.needed(v, theta[j], gamma, slope);
                s.needed[b * n + j] = need;
                any |= need;
                pairs += need ? 1 : 0;
                pseudo += Egru.pseudoDerivativeNonzero(v, theta[j], gamma, slope) ? 1 : 0;
            }
            if (any) {
                s.supportUnits[units++] = j;
            }
        }
        s.supportUnitCount = units;
        s.pseudoPairs += pseudo;
        return pairs;
    }

    // dh_t = direct_t + dGH_t W_hh ([B, G*H] x [G*H, H]) into state.dh; the gate pass left direct_t in dhNext.
    private void stateGradient(TrainingState state, int t) {
        int batch = state.batch;
        int bh = batch * hiddenSize;
        if (wHhTransposedPacked != null && batch <= PackedMatrix.maxBatch()) {
            wHhTransposedPacked.multiply(batch, state.dGh, t * batch * width, state.dh, (t & 1) == 1);
            if (directPath) {
                addInto(state.dhNext, 0, state.dh, bh);
            }
            return;
        }
        float beta = directPath ? 1f : 0f;
        if (batch == 1) {
            blas.sgemv(Transpose.YES, width, hiddenSize, 1f, wHhSegment, 0, hiddenSize,
                    state.dGhSteps.at(t), 0, beta, state.dhNextSegment, 0);
        } else {
            blas.sgemm(Transpose.NO, Transpose.NO, batch, hiddenSize, width, 1f, state.dGhSteps.at(t), 0,
                    width, wHhSegment, 0, hiddenSize, beta, state.dhNextSegment, 0, hiddenSize);
        }
        System.arraycopy(state.dhNext, 0, state.dh, 0, bh);
    }

    /**
     * {@code C[m, n] = beta C + A^T B} over {@code rows} rows of {@code A [rows, m]} and {@code B [rows, n]} (a weight
     * gradient: {@code dW += dG^T X}), as sgemms over blocks of rows under the BLAS's in-place bound
     * ({@link Blas#inPlaceMultiplyAdds}), the first with {@code beta} and the rest adding. One call over all
     * {@code T*B} rows is past that bound at the training shapes (LSTM 64x64x100: 256 x 64 x 6400 = 2^26.6
     * multiply-adds), and OpenBLAS then copies its heap operands off-heap whole (dG, 6.5 MB there) for every
     * call; blocks of rows ({@link Blas#inPlaceRowBlock}, as the input projection's) run on the heap arrays.
     */
    private void sumOverRows(int m, int n, int fromRow, int toRow, MemorySegment a, MemorySegment b, float beta,
                             MemorySegment c) {
        int block = Math.min(blas.inPlaceRowBlock((long) m * n), toRow - fromRow);
        for (int first = fromRow; first < toRow; first += block) {
            int count = Math.min(block, toRow - first);
            blas.sgemm(Transpose.YES, Transpose.NO, m, n, count, 1f, a, (long) first * m, m,
                    b, (long) first * n, n, first == fromRow ? beta : 1f, c, 0, n);
        }
    }

    /**
     * Steps per block of the backward's dense weight gradients ({@link #denseWeightGradients}): about
     * {@link #WEIGHT_BLOCK_ROWS} rows, whole steps, at least one.
     */
    private static int weightBlockSteps(int batch) {
        return Math.max(1, WEIGHT_BLOCK_ROWS / batch);
    }

    /**
     * Rows of dG and Hprev per sgemm of the backward's {@code dW += dG^T Hprev}, summed as the steps finish: the rows
     * just written are still in L2 (GRU 64x64: 256 rows of dGH and Hprev, 256 KB), where one product over all
     * {@code T*B} rows after the loop reads 6.5 MB back from memory. Measured on a Zen 4 (the training step, forward,
     * backward and Adam, one thread, 5 x 1 s rounds): GRU 64x64x100 9.2 -> 8.2 ms (its dW_hh 3.0 ms after the loop),
     * LSTM 64x64x100 11.4 -> 10.4-10.9, GRU 16x256x100 22.4 -> 21.2; 128 rows (two steps at B = 64) and 512 to 1024
     * rows were slower than 256.
     */
    static final int WEIGHT_BLOCK_ROWS = 256;

    /**
     * {@code dW_hh += dGH^T Hprev} and, for a wide input, {@code dW_ih += dGI^T X}, over rows {@code fromRow ..
     * toRow-1}, the first product of the call with {@code beta}.
     */
    private void denseWeightGradients(TrainingState s, int fromRow, int toRow, float beta, ParameterGradients g) {
        boolean restricted = pool != null;
        if (!thinGradient) {
            sumOverRows(width, inputSize, fromRow, toRow, s.dGiSegment, s.xSegment, beta,
                    restricted ? g.callWIhSegment : g.dWIhSegment);
        }
        sumOverRows(width, hiddenSize, fromRow, toRow, s.dGhSegment, s.hsSegment, beta,
                restricted ? g.callWHhSegment : g.dWHhSegment);
    }

    // The whole sequence's parameter (and input) gradients, one product per matrix over all T*B rows, but the dense
    // weight gradients' rows summedFrom .. rows-1, which the backward's loop summed in blocks.
    private void weightGradients(TrainingState s, int rows, int summedFrom, float[] dInput, ParameterGradients g) {
        if (dInput != null) {
            // dX[T*B, I] = dGI[T*B, G*H] W_ih[G*H, I]
            blas.sgemm(Transpose.NO, Transpose.NO, rows, inputSize, width, 1f, s.dGiSegment, 0, width,
                    wIhSegment, 0, inputSize, 0f, MemorySegment.ofArray(dInput), 0, inputSize);
        }
        // A restricted layer's products write this call's dense gradients (beta 0), folded into the pool below.
        boolean restricted = pool != null;
        float beta = restricted ? 0f : 1f;
        // dW_ih[G*H, I] += dGI^T X ; dW_hh[G*H, H] += dGH^T Hprev (rows 0 .. T*B-1 of hs are h_0 .. h_{T-1};
        // for EGRU the sparse y, whose zeros the BLAS product does not skip)
        // A narrow input's bias sum dGI^T 1 comes from the same pass over dGI as its dW_ih
        boolean biasWithThin = thinGradient && !type.multiplicative();
        if (thinGradient) {
            thinWeightGradient(s, rows, biasWithThin, beta, restricted ? g.callWIh : g.dWIh);
        }
        if (theta != null && listNonzeros(s, rows) < sparseWeightsBelow * rows * hiddenSize) {
            // EGRU sums every row here (the backward's loop summed none): a wide dW_ih by sgemm, dW_hh from y's nonzeros
            if (!thinGradient) {
                sumOverRows(width, inputSize, 0, rows, s.dGiSegment, s.xSegment, beta,
                        restricted ? g.callWIhSegment : g.dWIhSegment);
            }
            sparse.sparseWeightGradient(s);
            addTransposed(s.dWHhT, hiddenSize, width, g.dWHh);
        } else {
            // the rows the backward's blocks left: 0 .. summedFrom-1 (all of them when it summed none)
            denseWeightGradients(s, 0, summedFrom, summedFrom == rows ? beta : 1f, g);
        }
        if (!type.multiplicative()) {
            // db_ih += dGI^T 1 ; db_hh += dGH^T 1, the same sum where dGH is dGI (TrainingState.sharedProductGradients)
            float[] biasSums = s.dWIhT;
            int at = inputSize * width;
            if (!biasWithThin) {
                blas.sgemv(Transpose.YES, rows, width, 1f, s.dGiSegment, 0, width, s.onesSegment, 0, 0f, s.biasSumSegment, 0);
                biasSums = s.biasSum;
                at = 0;
            }
            addBiasSums(biasSums, at, beta, restricted ? g.callBIh : g.dBIh);
            if (s.sharedProductGradients) {
                addBiasSums(biasSums, at, beta, restricted ? g.callBHh : g.dBHh);
            } else {
                blas.sgemv(Transpose.YES, rows, width, 1f, s.dGhSegment, 0, width, s.onesSegment, 0, beta,
                        restricted ? g.callBHhSegment : g.dBHhSegment, 0);
            }
            if (theta != null) {
                // dtheta += dThetaRows^T 1
                blas.sgemv(Transpose.YES, rows, hiddenSize, 1f, s.dThetaRowsSegment, 0, hiddenSize, s.onesSegment, 0,
                        1f, g.dThetaSegment, 0);
            }
            if (restricted) {
                foldIntoPool(g);
            }
            return;
        }
        // MI: both biases take dL/dpre, except MI-GRU's b_hn, inside u = r (gh_n + b_hn): it takes dGH_n.
        blas.sgemv(Transpose.YES, rows, width, 1f, s.dPreSegment, 0, width, s.onesSegment, 0, 1f, g.dBIhSegment, 0);
        int preColumns = type.description().splitCandidate() ? 2 * hiddenSize : width;   // MI-GRU
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

    // dB[j] = beta dB[j] + sums[at + j], j < G*H (beta 0 or 1: a restricted call's own sums, or accumulated)
    private void addBiasSums(float[] sums, int at, float beta, float[] dB) {
        for (int j = 0; j < width; j++) {
            dB[j] = (beta == 0f ? 0f : dB[j]) + sums[at + j];
        }
    }

    /**
     * {@code dW_ih = beta dW_ih + dGI^T X} by the narrow input's products, and with {@code withBias} the bias sum
     * {@code dGI^T 1} from the same pass into {@code s.dWIhT}'s last row.
     */
    private void thinWeightGradient(TrainingState s, int rows, boolean withBias, float beta, float[] dW) {
        if (s.dWIhT == null) {
            s.dWIhT = new float[(inputSize + 1) * width];
        }
        thin.weightGradient(s.dGi, s.x, rows, inputSize, width, withBias, s.dWIhT);
        if (beta == 0f) {
            java.util.Arrays.fill(dW, 0f);
        }
        addTransposed(s.dWIhT, inputSize, width, dW);
    }

    /**
     * EGRU: lists the nonzeros of {@code Hprev} (rows {@code 0 .. rows-1} of {@code hs}: {@code y_0 .. y_{T-1}})
     * by unit into {@code s.yStart, s.yRows}; returns how many there are.
     */
    private static int listNonzeros(TrainingState s, int rows) {
        int n = s.hidden;
        if (s.yStart == null) {
            s.yStart = new int[n + 1];
        }
        int[] start = s.yStart;
        java.util.Arrays.fill(start, 0);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                start[j + 1] += s.hs[r * n + j] != 0f ? 1 : 0;
            }
        }
        for (int j = 0; j < n; j++) {
            start[j + 1] += start[j];
        }
        int nonzeros = start[n];
        if (s.yRows.length < nonzeros) {
            s.yRows = new int[nonzeros];
        }
        if (s.dWHhT == null) {
            s.dWHhT = new float[n * s.width];
        }
        int[] next = s.supportUnits;   // free during the weight gradients: the fill position of each unit
        System.arraycopy(start, 0, next, 0, n);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                if (s.hs[r * n + j] != 0f) {
                    s.yRows[next[j]++] = r;
                }
            }
        }
        return nonzeros;
    }

    // w[k][j] += t[j][k] for t [rows][cols]: in 32 x 32 blocks, so that both sides stay in L1
    private static void addTransposed(float[] t, int rows, int cols, float[] w) {
        for (int j0 = 0; j0 < rows; j0 += 32) {
            for (int k0 = 0; k0 < cols; k0 += 32) {
                int j1 = Math.min(rows, j0 + 32), k1 = Math.min(cols, k0 + 32);
                for (int k = k0; k < k1; k++) {
                    for (int j = j0; j < j1; j++) {
                        w[k * rows + j] += t[j * cols + k];
                    }
                }
            }
        }
    }

    /**
     * ONE pass over a call's dense gradients: every entry is added to its dense accumulator and to the pool
     * entry it was sliced from, so a shared pool row sums every gate block of both inputs ({@code x} over
     * its first {@code I} columns, {@code h} over its first {@code H}), and each bias likewise.
     */
    private void foldIntoPool(ParameterGradients g) {
        for (int j = 0; j < type.gates(); j++) {
            for (int u = 0; u < hiddenSize; u++) {
                int row = j * hiddenSize + u, xRow = poolRow(false, j, u), hRow = poolRow(true, j, u);
                addTwice(g.callWIh, row * inputSize, g.dWIh, g.dPool, xRow * poolColumns, inputSize);
                addTwice(g.callWHh, row * hiddenSize, g.dWHh, g.dPool, hRow * poolColumns, hiddenSize);
                g.dBIh[row] += g.callBIh[row];
                g.dBHh[row] += g.callBHh[row];
                if (g.dBiasPool != null) {
                    g.dBiasPool[xRow] += g.callBIh[row];
                    g.dBiasPool[hRow] += g.callBHh[row];
                }
            }
        }
    }

    // dense[at + i] += call[at + i] and pool[poolAt + i] += call[at + i]; a plain loop the JIT vectorizes
    private static void addTwice(float[] call, int at, float[] dense, float[] pool, int poolAt, int n) {
        for (int i = 0; i < n; i++) {
            float v = call[at + i];
            dense[at + i] += v;
            pool[poolAt + i] += v;
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

    // t [cols][rows] = w [rows][cols]^T
    private static void transpose(float[] w, int rows, int cols, float[] t) {
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = w[r * cols + k];
            }
        }
    }

    private static void addInto(float[] from, int offset, float[] into, int n) {
        for (int i = 0; i < n; i++) {
            into[i] += from[offset + i];
        }
    }

    /**
     * The backward's array arguments (shared with {@link TernaryTrainingLayer}): each absent (null) or of its
     * shape, and {@code dFinalC}/{@code dInitialC} only for cells with a cell state.
     */
    static void checkBackwardArrays(CellType type, int inputSize, int hiddenSize, int steps, int batch,
                                    float[] dOutputs, float[] dFinalH, float[] dFinalC, float[] dInput,
                                    float[] dInitialH, float[] dInitialC) {
        long rows = (long) steps * batch;
        Checks.optionalFloats("dOutputs", dOutputs, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        Checks.optionalFloats("dFinalH", dFinalH, "[B=%d][H=%d]", batch, hiddenSize);
        Checks.optionalFloats("dInput", dInput, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        Checks.optionalFloats("dInitialH", dInitialH, "[B=%d][H=%d]", batch, hiddenSize);
        if (type.hasCellState()) {
            Checks.optionalFloats("dFinalC", dFinalC, "[B=%d][H=%d]", batch, hiddenSize);
            Checks.optionalFloats("dInitialC", dInitialC, "[B=%d][H=%d]", batch, hiddenSize);
        } else if (dFinalC != null || dInitialC != null) {
            throw new IllegalArgumentException((dFinalC != null ? "dFinalC" : "dInitialC") + " is given, but " + type
                    + " has no cell state: pass null");
        }
    }

    // The upstream gradient from the caller, or zeros.
    static void fillOrCopy(float[] from, float[] into, int n) {
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
        if (gradients.poolRows != poolRows || (gradients.dBiasPool != null) != (biasPool != null)) {
            throw new IllegalArgumentException("gradients are for a " + describe(gradients.poolRows, gradients.dBiasPool != null)
                    + " layer, expected " + describe(poolRows, biasPool != null) + " (from this layer's newGradients)");
        }
    }

    private static String describe(int poolRows, boolean biasPool) {
        return poolRows == 0 ? "dense" : "restricted (pool of " + poolRows + " rows" + (biasPool ? "" : ", no bias pool") + ")";
    }

    private void checkState(TrainingState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        Checks.open(state);
        if (state.type != type || state.hidden != hiddenSize || state.input != inputSize) {
            throw new IllegalArgumentException("state is a " + state.type + " training state of I=" + state.input + ", H="
                    + state.hidden + ", expected one of " + type + " with I=" + inputSize + ", H=" + hiddenSize
                    + " (from this layer's newState)");
        }
    }

    @Override
    public CellType cellType() {
        return type;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    @Override
    public int hiddenSize() {
        return hiddenSize;
    }
}
