package org.rnnkernels.lightrnn;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Gradients;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.ParameterGradients;
import org.rnnkernels.train.TrainingLayer;
import org.rnnkernels.train.TrainingState;
import org.rnnkernels.internal.Checks;

/**
 * Trains a {@link LightRnn} language model (CELLS.md, "LightRNN"), whose shared recurrent part is a stack of
 * one or more layers of one direction (any cell {@link TrainingLayer} trains: EGRU and restricted layers
 * included), on {@code B} independent streams of words, by truncated backpropagation through time. The loss of a call over {@code T} words per stream is
 * the mean over its {@code T*B} words:
 * <pre>
 * L = -1/(T*B) sum_{t, b} log P(w_t^b),   log P(w_t) = log softmax(Yr h^c_{t-1})[row(w_t)] + log softmax(Yc h^r_t)[col(w_t)]
 * </pre>
 * with the softmaxes masked as {@link LightRnn} masks them for empty cells and {@code h^r}, {@code h^c} the last
 * layer's outputs, so {@code exp(L)} is the model's perplexity on those words.
 *
 * <p>Structure of a {@link #forwardBackward} call:
 * <ol>
 *   <li>the shared stack is one {@link TrainingLayer} per layer, each run over the {@code 2T} half-steps: the first
 *       on the input {@code [2T][B][E]} gathered from the tables ({@code Xr[row(w_t)]} at half-step {@code 2t},
 *       {@code Xc[col(w_t)]} at {@code 2t+1}), layer {@code k} on the outputs of layer {@code k-1}, so each
 *       backward is the existing one;</li>
 *   <li>the output layer is two softmax layers over all {@code T*B} words at once:
 *       {@code Z_r = H_c Yr^T} and {@code Z_c = H_r Yc^T}, ONE sgemm each, with {@code H_c} the rows
 *       {@code h^c_{t-1}} and {@code H_r} the rows {@code h^r_t} (copied out of the last layer's output);</li>
 *   <li>{@code dZ = (softmax(Z) - onehot) / (T*B)} in one vectorized pass per row ({@link SoftmaxGradient}
 *       after the masked log-sum-exp of {@link LogSumExp}), written over {@code Z};</li>
 *   <li>{@code dYr += dZ_r^T H_c}, {@code dYc += dZ_c^T H_r} and {@code dH_c = dZ_r Yr}, {@code dH_r = dZ_c Yc},
 *       ONE sgemm each; {@code dH} goes to the last layer's half-step outputs ({@code h^r_t} is output {@code 2t},
 *       {@code h^c_{t-1}} output {@code 2t-1}); the backward runs from the last layer down, each layer's input
 *       gradient being the output gradient of the layer below, and the first layer's input gradient
 *       {@code [2T][B][E]} is scatter-added into the rows of {@code dXr} and {@code dXc}.</li>
 * </ol>
 * The stack's layers are {@link TrainingLayer}s driven here rather than a {@link org.rnnkernels.train.TrainingModel}:
 * that class trains a stack under a {@link org.rnnkernels.train.LinearHead} applied to each output row, while
 * LightRNN's two softmaxes read the outputs interleaved (row softmax on {@code h^c_{t-1}}, column softmax on
 * {@code h^r_t}) and send their gradients back to alternate half-steps; the per-layer loop is a few lines.
 * Truncated BPTT: every layer's state (and {@code h^c} for the first word's row softmax) carries from call to
 * call and is held constant at the start of each (its gradient is dropped); {@link #resetState()} starts the
 * streams again from zero.
 *
 * <p>Gradients are ADDED to those of {@link #parameters()} (as PyTorch's {@code .grad}): zero them
 * ({@link Gradients#zero}) before a step; {@link Gradients#clipGradNorm} and {@link Adam} work on the list.
 * {@link #export()} gives the inference {@link LightRnn}. {@link #evaluate} scores words without gradients
 * and accumulates the reallocation costs ({@link WordCellCosts}) that {@link Reallocation} turns into a new {@link WordTable},
 * set by {@link #setWordTable}: the tables are tied to rows and columns, not to words, so they stay.
 *
 * <p>Not thread-safe: the parameters change in place under an optimiser and the workspaces live here.
 * A call allocates nothing of its size once the workspaces fit {@code T} (they are remade when {@code T}
 * changes: a layer takes arrays of exact size), apart from each layer's backward wrapping its input
 * gradient (the layers' training forms refresh their packed weights in place after they changed).
 */
public final class LightRnnTrainer {
    private final int embedding;
    private final int hidden;             // the last layer's H: the output tables' width
    private final int batch;
    private final int rows;
    private final int columns;
    private final Blas blas;
    private final LogSumExp lse = LogSumExp.get();
    private final SoftmaxGradient softmax = SoftmaxGradient.get();

    // Parameters (values updated in place by an optimiser) and their gradients.
    private final float[] xr;             // [R][E]
    private final float[] xc;             // [C][E]
    private final float[] yr;             // [R][H]
    private final float[] yc;             // [C][H]
    private final float[] dXr;
    private final float[] dXc;
    private final float[] dYr;
    private final float[] dYc;
    private final MemorySegment yrSegment;
    private final MemorySegment ycSegment;
    private final MemorySegment dYrSegment;
    private final MemorySegment dYcSegment;
    private final List<Parameter> parameters;

    // The stack, bottom first: each layer's training form, the live arrays of its parameters (W_ih, W_hh, ...
    // as TrainingLayer.parameters lists them), their values when the layer last refreshed, its gradients
    // and its state over the B streams.
    private final TrainingLayer[] layers;
    private final float[][][] layerValues;
    private final float[][][] layerBuilt;
    private final ParameterGradients[] gradients;
    private final TrainingState[] states;
    private final float[] lastH;          // [B][H]: h^c after the last word, the first word's row-softmax input

    private WordTable table;
    // Softmax masks, 0 or -infinity, as LightRnn's: rowMask [R] for empty rows (null if none); cellMask [R][C]
    // for the empty cells, read for rows that are not full.
    private float[] rowMask;
    private float[] cellMask;
    private boolean[] rowFull;

    // Workspaces for T = workspaceSteps words per stream (n = T*B rows).
    private int workspaceSteps;
    private float[] input;                // [2T][B][E]
    private float[][] outputs;            // [layer][2T][B][H_k]: the last layer's give h^r, h^c
    private float[] dOutputs;             // [2T][B][H]: dL/d(the last layer's outputs)
    private float[][] dHidden;            // [layer < last][2T][B][H_k]: dL/d(layer k's outputs), layer k+1's dInput
    private float[] dInput;               // [2T][B][E]
    private float[] hc;                   // [n][H]: h^c_{t-1}
    private float[] hr;                   // [n][H]: h^r_t
    private float[] dHc;
    private float[] dHr;
    private float[] zr;                   // [n][R]: logits, then dL/dlogits
    private float[] zc;                   // [n][C]
    private MemorySegment hcSegment;
    private MemorySegment hrSegment;
    private MemorySegment dHcSegment;
    private MemorySegment dHrSegment;
    private MemorySegment zrSegment;
    private MemorySegment zcSegment;

    // The layers' weights are copied into their training forms (the caller's layers stay the caller's).
    private LightRnnTrainer(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, List<RecurrentLayer> stack,
                            int batch, Blas blas) {
        this.embedding = stack.get(0).inputSize();
        this.hidden = stack.get(stack.size() - 1).hiddenSize();
        this.batch = batch;
        this.rows = table.rows();
        this.columns = table.columns();
        this.blas = blas;
        this.xr = xr;
        this.xc = xc;
        this.yr = yr;
        this.yc = yc;
        this.dXr = new float[xr.length];
        this.dXc = new float[xc.length];
        this.dYr = new float[yr.length];
        this.dYc = new float[yc.length];
        this.yrSegment = MemorySegment.ofArray(yr);
        this.ycSegment = MemorySegment.ofArray(yc);
        this.dYrSegment = MemorySegment.ofArray(dYr);
        this.dYcSegment = MemorySegment.ofArray(dYc);

        List<Parameter> list = new ArrayList<>();
        list.add(new Parameter("xr", xr, dXr));
        list.add(new Parameter("xc", xc, dXc));
        list.add(new Parameter("yr", yr, dYr));
        list.add(new Parameter("yc", yc, dYc));
        int count = stack.size();
        this.layers = new TrainingLayer[count];
        this.layerValues = new float[count][][];
        this.layerBuilt = new float[count][][];
        this.gradients = new ParameterGradients[count];
        this.states = new TrainingState[count];
        // Each training layer keeps its own (live) copies of the weights: those arrays become the parameters
        // the optimiser changes in place.
        for (int k = 0; k < count; k++) {
            layers[k] = TrainingLayer.of(stack.get(k), blas);
            gradients[k] = layers[k].newGradients();
            List<Parameter> layerParameters = layers[k].parameters(gradients[k]);
            layerValues[k] = new float[layerParameters.size()][];
            layerBuilt[k] = new float[layerParameters.size()][];
            for (int i = 0; i < layerParameters.size(); i++) {
                Parameter p = layerParameters.get(i);
                layerValues[k][i] = p.value();
                layerBuilt[k][i] = p.value().clone();
                list.add(new Parameter(p.name() + "_l" + k, p.value(), p.gradient()));
            }
            states[k] = layers[k].newState(batch);
        }
        this.lastH = new float[batch * hidden];
        this.parameters = List.copyOf(list);
        setMasks(table);
    }

    /**
     * A trainer of the paper's model, one shared cell of {@code type}: {@link #create(List, WordTable, int, int, int, long)}
     * of {@code List.of(type)}.
     */
    public static LightRnnTrainer create(CellType type, WordTable table, int embedding, int hidden, int batch, long seed) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        return create(List.of(type), table, embedding, hidden, batch, seed);
    }

    /**
     * A trainer of a stack of {@code cells.size()} layers, layer {@code k} of cell {@code cells.get(k)}, each
     * with {@code H = hidden} (the first reading the embeddings of size {@code E = embedding}), with fresh
     * parameters drawn from {@code seed} ({@link SplittableRandom}, in this order): each layer from the first
     * as PyTorch initialises one ({@code W_ih, W_hh, b_ih, b_hh} uniform in {@code [-1/sqrt(H), 1/sqrt(H)]};
     * for the multiplicative-integration cells {@code alpha = 1}, {@code beta1 = beta2 = 0.5}), the input
     * tables {@code Xr, Xc} uniform in {@code [-1, 1]} and the output tables {@code Yr, Yc} uniform in
     * {@code [-1/sqrt(H), 1/sqrt(H)]} (as {@code nn.Linear}). (Other stacks, restricted or EGRU layers, other
     * sizes per layer: {@link #of(WordTable, float[], float[], float[], float[], RecurrentModel, int)}.)
     *
     * @param cells any cells but EGRU, whose thresholds have no default here
     * @param batch {@code B}, the number of independent streams every call takes
     */
    public static LightRnnTrainer create(List<CellType> cells, WordTable table, int embedding, int hidden, int batch,
                                         long seed) {
        if (cells == null || cells.isEmpty()) {
            throw new IllegalArgumentException("cells is " + (cells == null ? "null" : "empty") + ", expected one cell type a layer");
        }
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        Checks.positive("embedding", embedding);
        Checks.positive("hidden", hidden);
        Checks.positive("batch", batch);
        for (int k = 0; k < cells.size(); k++) {
            CellType type = cells.get(k);
            if (type == null) {
                throw new IllegalArgumentException("cells[" + k + "] is null");
            }
            if (type.eventBased()) {
                throw new IllegalArgumentException(type + " cannot be drawn here: the trainer has no default for its"
                        + " thresholds (give an EGRU layer made by RecurrentLayer.createEgru to LightRnnTrainer.of)");
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float bound = (float) (1 / Math.sqrt(hidden));
        List<RecurrentLayer> stack = new ArrayList<>();
        try {
            for (int k = 0; k < cells.size(); k++) {
                CellType type = cells.get(k);
                int input = k == 0 ? embedding : hidden;
                int width = Math.multiplyExact(type.gates(), hidden);
                float[] wIh = uniform(random, Math.multiplyExact(width, input), bound);
                float[] wHh = uniform(random, Math.multiplyExact(width, hidden), bound);
                float[] bIh = uniform(random, width, bound);
                float[] bHh = uniform(random, width, bound);
                MiParameters mi = type.multiplicative() ? MiParameters.initial(width) : null;
                stack.add(RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                        .inputWeights(wIh)
                        .recurrentWeights(wHh)
                        .biases(bIh, bHh)
                        .mi(mi)
                        .build(), Blases.get()));
            }
            float[] xr = uniform(random, Math.multiplyExact(table.rows(), embedding), 1f);
            float[] xc = uniform(random, Math.multiplyExact(table.columns(), embedding), 1f);
            float[] yr = uniform(random, Math.multiplyExact(table.rows(), hidden), bound);
            float[] yc = uniform(random, Math.multiplyExact(table.columns(), hidden), bound);
            return new LightRnnTrainer(table, xr, xc, yr, yc, stack, batch, Blases.get());
        } finally {
            for (RecurrentLayer layer : stack) {
                layer.close();      // the trainer holds copies
            }
        }
    }

    /**
     * A trainer of the paper's model, one shared {@code layer}:
     * {@link #of(WordTable, float[], float[], float[], float[], RecurrentModel, int)} of a stack of it (the layer
     * stays the caller's).
     */
    public static LightRnnTrainer of(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                     RecurrentLayer layer, int batch) {
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        return of(table, xr, xc, yr, yc, List.of(layer), batch);
    }

    /**
     * A trainer starting from given parameters, all copied: the tables as {@link LightRnn#create} takes them
     * and every layer's weights read from {@code stack} (which stays the caller's). A layer without biases
     * stays without ({@link TrainingLayer}); an EGRU layer gets {@link TrainingLayer}'s default pseudo-derivative;
     * a restricted layer trains its pool.
     *
     * @throws IllegalArgumentException for a null argument, a bidirectional stack, a table of the wrong shape
     *                                  (naming it and the expected {@code [R, E]} etc.) or a batch below 1
     */
    public static LightRnnTrainer of(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                     RecurrentModel stack, int batch) {
        if (stack == null) {
            throw new IllegalArgumentException("stack is null");
        }
        LightRnn.checkOneDirection(stack);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int k = 0; k < stack.numLayers(); k++) {
            layers.add(stack.layer(k, 0));
        }
        return of(table, xr, xc, yr, yc, layers, batch);
    }

    /**
     * A trainer starting from an inference model's parameters and word table (all copied; {@code model} stays
     * usable): to train on a model read by a model file.
     */
    public static LightRnnTrainer of(LightRnn model, int batch) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        return of(model.wordTable(), model.xr(), model.xc(), model.yr(), model.yc(), model.stack(), batch);
    }

    private static LightRnnTrainer of(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                      List<RecurrentLayer> stack, int batch) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        Checks.positive("batch", batch);
        int e = stack.get(0).inputSize();
        int h = stack.get(stack.size() - 1).hiddenSize();
        Checks.floats("xr", xr, "[R=%d][E=%d]", table.rows(), e);
        Checks.floats("xc", xc, "[C=%d][E=%d]", table.columns(), e);
        Checks.floats("yr", yr, "[R=%d][H=%d]", table.rows(), h);
        Checks.floats("yc", yc, "[C=%d][H=%d]", table.columns(), h);
        return new LightRnnTrainer(table, xr.clone(), xc.clone(), yr.clone(), yc.clone(), stack, batch, Blases.get());
    }

    /**
     * The optimiser changes the layers' weights in place; each training layer whose values changed then
     * refreshes what it derives from them ({@link TrainingLayer#parametersChanged()}: the packed {@code W_hh},
     * the folded biases, a restricted layer's dense matrices). A change is detected by comparing with the
     * values of the last refresh: a pass over the weights, far less than a step.
     */
    private void refreshTrainingLayers() {
        for (int k = 0; k < layers.length; k++) {
            if (unchanged(k)) {
                continue;
            }
            layers[k].parametersChanged();
            for (int i = 0; i < layerValues[k].length; i++) {
                System.arraycopy(layerValues[k][i], 0, layerBuilt[k][i], 0, layerValues[k][i].length);
            }
        }
    }

    private boolean unchanged(int layer) {
        for (int i = 0; i < layerValues[layer].length; i++) {
            if (!Arrays.equals(layerValues[layer][i], layerBuilt[layer][i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * One forward and backward over {@code T} words of each stream: the gradients of the mean loss are added
     * to {@link #parameters()}, the streams advance past the words.
     *
     * @param words {@code [T][B]} time-major word ids, {@code words[t*B + b]} the {@code t}-th word of stream {@code b}
     * @param steps {@code T >= 1}
     * @return the mean of {@code -log P} over the {@code T*B} words, in nats (summed in double)
     * @throws IllegalArgumentException for a wrong length or a word outside {@code [0, V)} (naming its
     *                                  index); nothing has changed then
     */
    public double forwardBackward(int[] words, int steps) {
        checkWords(words, steps);
        refreshTrainingLayers();
        forwardLogits(words, steps);
        int n = steps * batch;
        double loss = softmaxGradients(words, n, 1f / n);

        // dYr[R,H] += dZr^T Hc ; dYc[C,H] += dZc^T Hr
        blas.sgemm(Transpose.YES, Transpose.NO, rows, hidden, n, 1f, zrSegment, 0, rows, hcSegment, 0, hidden,
                1f, dYrSegment, 0, hidden);
        blas.sgemm(Transpose.YES, Transpose.NO, columns, hidden, n, 1f, zcSegment, 0, columns, hrSegment, 0, hidden,
                1f, dYcSegment, 0, hidden);
        // dHc[n,H] = dZr Yr ; dHr[n,H] = dZc Yc
        blas.sgemm(Transpose.NO, Transpose.NO, n, hidden, rows, 1f, zrSegment, 0, rows, yrSegment, 0, hidden,
                0f, dHcSegment, 0, hidden);
        blas.sgemm(Transpose.NO, Transpose.NO, n, hidden, columns, 1f, zcSegment, 0, columns, ycSegment, 0, hidden,
                0f, dHrSegment, 0, hidden);

        // dL/d(output 2t) = dHr_t ; dL/d(output 2t-1) = dHc_t for t >= 1; output 2T-1 (the last h^c) feeds
        // the next call only, and dHc_0 (the state entering the call) is dropped: truncated BPTT.
        int bh = batch * hidden;
        for (int t = 0; t < steps; t++) {
            System.arraycopy(dHr, t * bh, dOutputs, 2 * t * bh, bh);
            if (t > 0) {
                System.arraycopy(dHc, t * bh, dOutputs, (2 * t - 1) * bh, bh);
            }
        }
        Arrays.fill(dOutputs, (2 * steps - 1) * bh, 2 * steps * bh, 0f);
        // From the last layer down: layer k's input gradient is the output gradient of layer k-1.
        float[] dOut = dOutputs;
        for (int k = layers.length - 1; k >= 0; k--) {
            float[] dIn = k == 0 ? dInput : dHidden[k - 1];
            layers[k].backward(states[k], dOut, null, null, dIn, null, null, gradients[k]);
            dOut = dIn;
        }

        // dXr[row(w_t)] += dx_{2t} ; dXc[col(w_t)] += dx_{2t+1}, the first layer's input gradients
        int be = batch * embedding;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int w = words[t * batch + b];
                addInto(dInput, 2 * t * be + b * embedding, dXr, table.rowUnchecked(w) * embedding, embedding);
                addInto(dInput, (2 * t + 1) * be + b * embedding, dXc, table.colUnchecked(w) * embedding, embedding);
            }
        }
        return loss;
    }

    /**
     * Scores {@code T} words of each stream without gradients (the streams advance past them, as in
     * {@link #forwardBackward}), and, unless {@code costs} is null, adds every word's reallocation costs to it
     * ({@link ReallocationSums} or {@link ReallocationCosts}).
     *
     * @param words as {@link #forwardBackward}
     * @return the mean of {@code -log P} over the {@code T*B} words
     * @throws IllegalArgumentException for costs of another shape, or sums begun under other output tables
     *                                  ({@link ReallocationSums}); nothing has changed then
     */
    public double evaluate(int[] words, int steps, WordCellCosts costs) {
        checkWords(words, steps);
        if (costs != null) {
            costs.checkFor(table.vocabularySize(), rows, columns, hidden);
            costs.beginOccurrences(yr, yc);
        }
        refreshTrainingLayers();
        forwardLogits(words, steps);
        int n = steps * batch;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int w = words[i];
            int row = table.rowUnchecked(w);
            int col = table.colUnchecked(w);
            loss += rowLogSumExp(i) - zr[i * rows + row];
            loss += columnLogSumExp(i, row) - zc[i * columns + col];
            if (costs != null) {
                // The paper's costs, over every row and every column (no mask: a cell's cost must not depend
                // on the allocation being replaced).
                costs.add(w, zr, i * rows, hc, i * hidden, lse.logSumExp(zr, i * rows, rows),
                        zc, i * columns, hr, i * hidden, lse.logSumExp(zc, i * columns, columns));
            }
        }
        return loss / n;
    }

    // The stack's training forward over the 2T half-steps, then Z_r = H_c Yr^T and Z_c = H_r Yc^T.
    private void forwardLogits(int[] words, int steps) {
        reserve(steps);
        int be = batch * embedding;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int w = words[t * batch + b];
                System.arraycopy(xr, table.rowUnchecked(w) * embedding, input, 2 * t * be + b * embedding, embedding);
                System.arraycopy(xc, table.colUnchecked(w) * embedding, input, (2 * t + 1) * be + b * embedding, embedding);
            }
        }
        float[] x = input;
        for (int k = 0; k < layers.length; k++) {
            layers[k].forward(x, 2 * steps, states[k], outputs[k]);
            x = outputs[k];
        }
        float[] output = x;
        // Hc_t = h^c_{t-1}: lastH for t = 0, the last layer's output 2t-1 after; Hr_t = h^r_t: its output 2t.
        int bh = batch * hidden;
        System.arraycopy(lastH, 0, hc, 0, bh);
        for (int t = 0; t < steps; t++) {
            if (t > 0) {
                System.arraycopy(output, (2 * t - 1) * bh, hc, t * bh, bh);
            }
            System.arraycopy(output, 2 * t * bh, hr, t * bh, bh);
        }
        System.arraycopy(output, (2 * steps - 1) * bh, lastH, 0, bh);
        int n = steps * batch;
        blas.sgemm(Transpose.NO, Transpose.YES, n, rows, hidden, 1f, hcSegment, 0, hidden, yrSegment, 0, hidden,
                0f, zrSegment, 0, rows);
        blas.sgemm(Transpose.NO, Transpose.YES, n, columns, hidden, 1f, hrSegment, 0, hidden, ycSegment, 0, hidden,
                0f, zcSegment, 0, columns);
    }

    // Over every word i: loss += lse(z) - z[target] for both softmaxes, and z <- scale * (softmax(z) - onehot).
    private double softmaxGradients(int[] words, int n, float scale) {
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int w = words[i];
            int row = table.rowUnchecked(w);
            int col = table.colUnchecked(w);
            int r0 = i * rows;
            float rowLse = rowLogSumExp(i);
            loss += rowLse - zr[r0 + row];
            if (rowMask == null) {
                softmax.scaledSoftmax(zr, r0, rows, rowLse, scale);
            } else {
                softmax.scaledSoftmax(zr, r0, rows, rowMask, 0, rowLse, scale);
            }
            zr[r0 + row] -= scale;

            int c0 = i * columns;
            float columnLse = columnLogSumExp(i, row);
            loss += columnLse - zc[c0 + col];
            if (rowFull[row]) {
                softmax.scaledSoftmax(zc, c0, columns, columnLse, scale);
            } else {
                softmax.scaledSoftmax(zc, c0, columns, cellMask, row * columns, columnLse, scale);
            }
            zc[c0 + col] -= scale;
        }
        return loss * scale;
    }

    // lse over the rows that hold a word, of word i's row logits
    private float rowLogSumExp(int i) {
        return rowMask == null ? lse.logSumExp(zr, i * rows, rows) : lse.logSumExp(zr, i * rows, rows, rowMask, 0);
    }

    // lse over the occupied cells of table row `row`, of word i's column logits
    private float columnLogSumExp(int i, int row) {
        return rowFull[row] ? lse.logSumExp(zc, i * columns, columns)
                : lse.logSumExp(zc, i * columns, columns, cellMask, row * columns);
    }

    private static void addInto(float[] from, int fromOffset, float[] into, int intoOffset, int n) {
        for (int i = 0; i < n; i++) {
            into[intoOffset + i] += from[fromOffset + i];
        }
    }

    private void reserve(int steps) {
        if (steps == workspaceSteps) {
            return;
        }
        int n = Math.multiplyExact(steps, batch);
        input = new float[Math.multiplyExact(2 * n, embedding)];
        dInput = new float[input.length];
        outputs = new float[layers.length][];
        dHidden = new float[layers.length - 1][];
        for (int k = 0; k < layers.length; k++) {
            outputs[k] = new float[Math.multiplyExact(2 * n, layers[k].hiddenSize())];
            if (k < layers.length - 1) {
                dHidden[k] = new float[outputs[k].length];
            }
        }
        dOutputs = new float[Math.multiplyExact(2 * n, hidden)];
        hc = new float[n * hidden];
        hr = new float[n * hidden];
        dHc = new float[n * hidden];
        dHr = new float[n * hidden];
        zr = new float[Math.multiplyExact(n, rows)];
        zc = new float[Math.multiplyExact(n, columns)];
        hcSegment = MemorySegment.ofArray(hc);
        hrSegment = MemorySegment.ofArray(hr);
        dHcSegment = MemorySegment.ofArray(dHc);
        dHrSegment = MemorySegment.ofArray(dHr);
        zrSegment = MemorySegment.ofArray(zr);
        zcSegment = MemorySegment.ofArray(zc);
        workspaceSteps = steps;
    }

    private void setMasks(WordTable table) {
        WordTable.Masks masks = table.masks();
        this.table = table;
        this.rowFull = masks.rowFull();
        this.rowMask = masks.rowMask();
        this.cellMask = masks.cellMask();
    }

    /**
     * Places the words anew (e.g. {@link Reallocation}'s result); every table keeps its values, since they
     * belong to rows and columns. The streams' state is kept.
     *
     * @throws IllegalArgumentException for a table of another vocabulary size or shape
     */
    public void setWordTable(WordTable table) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        if (table.vocabularySize() != this.table.vocabularySize() || table.rows() != rows || table.columns() != columns) {
            throw new IllegalArgumentException("table is " + table + ", expected V=" + this.table.vocabularySize() + " in "
                    + rows + " x " + columns);
        }
        setMasks(table);
    }

    /**
     * Zero costs for this model's vocabulary, table shape and hidden size, for {@link #evaluate}: the sums
     * form, memory linear in {@code V} ({@link ReallocationSums}).
     */
    public ReallocationSums newCosts() {
        return new ReallocationSums(table.vocabularySize(), rows, columns, hidden);
    }

    /** Back to the zero state for every stream (the start of new streams). */
    public void resetState() {
        for (TrainingState state : states) {
            state.reset();
        }
        Arrays.fill(lastH, 0f);
    }

    /**
     * Every parameter with its gradient, the arrays this trainer computes with: {@code xr [R][E]},
     * {@code xc [C][E]}, {@code yr [R][H]}, {@code yc [C][H]}, then every layer's as {@link TrainingLayer#parameters}
     * lists them, with the suffix {@code _l{k}}: {@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0},
     * {@code bias_hh_l0} (and {@code mi_alpha_l0}, {@code mi_beta1_l0}, {@code mi_beta2_l0} for
     * multiplicative-integration cells, {@code egru_theta_l0} for EGRU, {@code pool_l0}, {@code bias_pool_l0} for
     * a restricted layer), {@code weight_ih_l1}, ... in PyTorch's layout.
     */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The inference model with the current parameters and word table (copied: training on does not
     * change it). The caller closes it.
     */
    public LightRnn export() {
        refreshTrainingLayers();      // e.g. EGRU thresholds an optimiser pushed below the minimum
        List<RecurrentLayer> stack = new ArrayList<>();
        try {
            for (TrainingLayer layer : layers) {
                stack.add(layer.toLayer(blas));
            }
            return LightRnn.create(table, xr, xc, yr, yc, RecurrentModel.of(false, stack), blas);
        } catch (RuntimeException e) {
            for (RecurrentLayer layer : stack) {
                layer.close();
            }
            throw e;
        }
    }

    private void checkWords(int[] words, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 1");
        }
        long expected = (long) steps * batch;
        String shape = "[T=" + steps + "][B=" + batch + "]";
        if (words == null) {
            throw new IllegalArgumentException("words is null, expected " + shape + " = " + expected + " word ids");
        }
        if (words.length != expected) {
            throw new IllegalArgumentException("words has " + words.length + " ids, expected " + shape + " = " + expected);
        }
        int vocabulary = table.vocabularySize();
        for (int i = 0; i < words.length; i++) {
            if (words[i] < 0 || words[i] >= vocabulary) {
                throw new IllegalArgumentException("words[" + i + "] (t=" + i / batch + ", b=" + i % batch + ") = " + words[i]
                        + ", expected a word id in [0, V=" + vocabulary + ")");
            }
        }
    }

    private static float[] uniform(SplittableRandom random, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    /** The current word table. */
    public WordTable wordTable() {
        return table;
    }

    /** The number of layers of the shared stack. */
    public int numLayers() {
        return layers.length;
    }

    /**
     * The cell of layer {@code k} (0 the first).
     *
     * @throws IllegalArgumentException for {@code k} outside {@code [0, numLayers())}
     */
    public CellType cellType(int k) {
        if (k < 0 || k >= layers.length) {
            throw new IllegalArgumentException("cellType(" + k + "): the stack has " + layers.length + " layer(s)");
        }
        return layers[k].cellType();
    }

    /** {@code E}. */
    public int embeddingSize() {
        return embedding;
    }

    /** {@code H}, the last layer's hidden size and the width of the output tables. */
    public int hiddenSize() {
        return hidden;
    }

    /** {@code B}, the streams every call takes. */
    public int batchSize() {
        return batch;
    }
}
