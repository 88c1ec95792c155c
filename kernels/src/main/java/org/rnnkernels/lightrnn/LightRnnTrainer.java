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
import org.rnnkernels.train.TorchInit;

/**
 * Trains a {@link LightRnn} language model (CELLS.md, "LightRNN") on {@code B} independent streams of
 * words, by truncated backpropagation through time. The loss of a call over {@code T} words per stream is
 * the mean over its {@code T*B} words:
 * <pre>
 * L = -1/(T*B) sum_{t, b} log P(w_t^b),   log P(w_t) = log softmax(Yr h^c_{t-1})[row(w_t)] + log softmax(Yc h^r_t)[col(w_t)]
 * </pre>
 * with the softmaxes masked as {@link LightRnn} masks them for empty cells, so {@code exp(L)} is the
 * model's perplexity on those words.
 *
 * <p>Structure of a {@link #forwardBackward} call:
 * <ol>
 *   <li>the shared cell is ONE {@link TrainingLayer} over {@code 2T} half-steps, its input {@code [2T][B][E]}
 *       gathered from the tables ({@code Xr[row(w_t)]} at half-step {@code 2t}, {@code Xc[col(w_t)]} at
 *       {@code 2t+1}), so its backward is the existing one;</li>
 *   <li>the output layer is two softmax layers over all {@code T*B} words at once:
 *       {@code Z_r = H_c Yr^T} and {@code Z_c = H_r Yc^T}, ONE sgemm each, with {@code H_c} the rows
 *       {@code h^c_{t-1}} and {@code H_r} the rows {@code h^r_t} (copied out of the layer's output);</li>
 *   <li>{@code dZ = (softmax(Z) - onehot) / (T*B)} in one vectorized pass per row ({@link SoftmaxGradient}
 *       after the masked log-sum-exp of {@link LogSumExp}), written over {@code Z};</li>
 *   <li>{@code dYr += dZ_r^T H_c}, {@code dYc += dZ_c^T H_r} and {@code dH_c = dZ_r Yr}, {@code dH_r = dZ_c Yc},
 *       ONE sgemm each; {@code dH} goes to the half-step outputs ({@code h^r_t} is output {@code 2t},
 *       {@code h^c_{t-1}} output {@code 2t-1}) and the layer's backward returns the input gradient
 *       {@code [2T][B][E]}, scatter-added into the rows of {@code dXr} and {@code dXc}.</li>
 * </ol>
 * Truncated BPTT: the state (and {@code h^c} for the first word's row softmax) carries from call to call
 * and is held constant at the start of each (its gradient is dropped); {@link #resetState()} starts the
 * streams again from zero.
 *
 * <p>Gradients are ADDED to those of {@link #parameters()} (as PyTorch's {@code .grad}): zero them
 * ({@link Gradients#zero}) before a step; {@link Gradients#clipGradNorm} and {@link Adam} work on the list.
 * {@link #export()} gives the inference {@link LightRnn}. {@link #evaluate} scores words without gradients
 * and accumulates the {@link ReallocationCosts} that {@link Reallocation} turns into a new {@link WordTable},
 * set by {@link #setWordTable}: the tables are tied to rows and columns, not to words, so they stay.
 *
 * <p>Not thread-safe: the parameters change in place under an optimiser and the workspaces live here.
 * A call allocates nothing of its size once the workspaces fit {@code T} (they are remade when {@code T}
 * changes: the layer takes arrays of exact size), apart from the layer's backward wrapping its input
 * gradient (the cell's training form refreshes its packed weights in place after they changed).
 */
public final class LightRnnTrainer {
    private final CellType type;
    private final int embedding;
    private final int hidden;
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
    private final float[][] cellValues;   // W_ih, W_hh, b_ih, b_hh (, alpha, beta1, beta2)
    private final float[][] cellBuilt;    // their values when the training layer was last built
    private final ParameterGradients cellGradients;
    private final List<Parameter> parameters;

    private final TrainingLayer training;
    private final TrainingState state;
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
    private float[] output;               // [2T][B][H]
    private float[] dOutputs;             // [2T][B][H]
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

    private LightRnnTrainer(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc, CellType type,
                            float[][] cellValues, int embedding, int hidden, int batch, Blas blas) {
        this.type = type;
        this.embedding = embedding;
        this.hidden = hidden;
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
        // The training layer is built once and keeps its own (live) copies of the cell's weights: those
        // arrays become the parameters the optimiser changes in place.
        MiParameters mi = type.multiplicative() ? new MiParameters(cellValues[4], cellValues[5], cellValues[6]) : null;
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(type, embedding, hidden)
                .inputWeights(cellValues[0])
                .recurrentWeights(cellValues[1])
                .biases(cellValues[2], cellValues[3])
                .mi(mi)
                .build(), blas)) {
            this.training = TrainingLayer.of(layer, blas);
        }
        this.cellGradients = training.newGradients();
        List<Parameter> cellParameters = training.parameters(cellGradients);   // W_ih, W_hh, b_ih, b_hh (, MI)
        this.cellValues = new float[cellParameters.size()][];
        this.cellBuilt = new float[cellParameters.size()][];
        for (int i = 0; i < cellValues.length; i++) {
            this.cellValues[i] = cellParameters.get(i).value();
            this.cellBuilt[i] = cellValues[i].clone();
        }
        this.state = training.newState(batch);
        this.lastH = new float[batch * hidden];

        List<Parameter> list = new ArrayList<>();
        list.add(new Parameter("xr", xr, dXr));
        list.add(new Parameter("xc", xc, dXc));
        list.add(new Parameter("yr", yr, dYr));
        list.add(new Parameter("yc", yc, dYc));
        for (Parameter p : cellParameters) {
            list.add(new Parameter(p.name() + "_l0", p.value(), p.gradient()));
        }
        this.parameters = List.copyOf(list);
        setMasks(table);
    }

    /**
     * A trainer with fresh parameters drawn from {@code seed} ({@link SplittableRandom}, in this order):
     * the cell as PyTorch initialises one ({@code W_ih, W_hh, b_ih, b_hh} uniform in
     * {@code [-1/sqrt(H), 1/sqrt(H)]}; for the multiplicative-integration cells {@code alpha = 1},
     * {@code beta1 = beta2 = 0.5}), the input tables {@code Xr, Xc} uniform in {@code [-1, 1]} and the
     * output tables {@code Yr, Yc} uniform in {@code [-1/sqrt(H), 1/sqrt(H)]} (as {@code nn.Linear}).
     *
     * @param type  any cell {@link TrainingLayer} trains (not EGRU, not restricted)
     * @param batch {@code B}, the number of independent streams every call takes
     */
    public static LightRnnTrainer create(CellType type, WordTable table, int embedding, int hidden, int batch, long seed) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        Checks.positive("embedding", embedding);
        Checks.positive("hidden", hidden);
        Checks.positive("batch", batch);
        if (type.eventBased()) {
            throw new IllegalArgumentException(type + " cannot be LightRNN's shared cell here: the trainer builds the cell"
                    + " from dense GRU-layout weights without thresholds (train EGRU with TrainingLayer)");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int width = Math.multiplyExact(type.gates(), hidden);
        float bound = TorchInit.bound(hidden);
        TorchInit.Weights w = TorchInit.weights(type, embedding, hidden, random);
        float[][] cell = type.multiplicative()
                ? withMi(w.weightIh(), w.weightHh(), w.biasIh(), w.biasHh(), MiParameters.initial(width))
                : new float[][] {w.weightIh(), w.weightHh(), w.biasIh(), w.biasHh()};
        float[] xr = TorchInit.uniform(random, Math.multiplyExact(table.rows(), embedding), 1f);
        float[] xc = TorchInit.uniform(random, Math.multiplyExact(table.columns(), embedding), 1f);
        float[] yr = TorchInit.uniform(random, Math.multiplyExact(table.rows(), hidden), bound);
        float[] yc = TorchInit.uniform(random, Math.multiplyExact(table.columns(), hidden), bound);
        return new LightRnnTrainer(table, xr, xc, yr, yc, type, cell, embedding, hidden, batch, Blases.get());
    }

    /**
     * A trainer starting from given parameters, all copied: the tables as {@link LightRnn#create} takes them
     * and the cell's weights read from {@code layer} (which stays the caller's; a layer without biases
     * gets zero biases, trained from there).
     *
     * @throws IllegalArgumentException for a null argument, a table of the wrong shape (naming it and the
     *                                  expected {@code [R, E]} etc.), a batch below 1, or a cell the kernels
     *                                  cannot train (EGRU, restricted)
     */
    public static LightRnnTrainer of(WordTable table, float[] xr, float[] xc, float[] yr, float[] yc,
                                     RecurrentLayer layer, int batch) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        if (layer == null) {
            throw new IllegalArgumentException("layer is null");
        }
        Checks.positive("batch", batch);
        if (layer.cellType().eventBased() || layer.restrictedWeights() != null) {
            throw new IllegalArgumentException("a " + (layer.restrictedWeights() != null ? "restricted " : "") + layer.cellType()
                    + " layer cannot be LightRNN's shared cell here: the trainer keeps the cell as dense weights"
                    + " (train EGRU and restricted layers with TrainingLayer)");
        }
        int e = layer.inputSize();
        int h = layer.hiddenSize();
        Checks.floats("xr", xr, "[R=%d][E=%d]", table.rows(), e);
        Checks.floats("xc", xc, "[C=%d][E=%d]", table.columns(), e);
        Checks.floats("yr", yr, "[R=%d][H=%d]", table.rows(), h);
        Checks.floats("yc", yc, "[C=%d][H=%d]", table.columns(), h);
        CellType type = layer.cellType();
        int width = type.gates() * h;
        float[] bIh = layer.biasIh();
        float[] bHh = layer.biasHh();
        bIh = bIh == null ? new float[width] : bIh;
        bHh = bHh == null ? new float[width] : bHh;
        float[][] cell = type.multiplicative()
                ? withMi(layer.weightIh(), layer.weightHh(), bIh, bHh, layer.miParameters())
                : new float[][] {layer.weightIh(), layer.weightHh(), bIh, bHh};
        return new LightRnnTrainer(table, xr.clone(), xc.clone(), yr.clone(), yc.clone(), type, cell, e, h, batch,
                Blases.get());
    }

    private static float[][] withMi(float[] wIh, float[] wHh, float[] bIh, float[] bHh, MiParameters mi) {
        return new float[][] {wIh, wHh, bIh, bHh, mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone()};
    }

    /**
     * The optimiser changes the cell's weights in place; the training layer then refreshes what it derives
     * from them ({@link TrainingLayer#parametersChanged()}: the packed {@code W_hh}, the folded biases). A
     * change is detected by comparing with the values of the last refresh: a pass over the weights, far
     * less than a step.
     */
    private void refreshTrainingLayer() {
        if (unchanged()) {
            return;
        }
        training.parametersChanged();
        for (int i = 0; i < cellValues.length; i++) {
            System.arraycopy(cellValues[i], 0, cellBuilt[i], 0, cellValues[i].length);
        }
    }

    private boolean unchanged() {
        for (int i = 0; i < cellValues.length; i++) {
            if (!Arrays.equals(cellValues[i], cellBuilt[i])) {
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
        refreshTrainingLayer();
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
        training.backward(state, dOutputs, null, null, dInput, null, null, cellGradients);

        // dXr[row(w_t)] += dx_{2t} ; dXc[col(w_t)] += dx_{2t+1}
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
     * ({@link ReallocationCosts}).
     *
     * @param words as {@link #forwardBackward}
     * @return the mean of {@code -log P} over the {@code T*B} words
     */
    public double evaluate(int[] words, int steps, ReallocationCosts costs) {
        checkWords(words, steps);
        if (costs != null && (costs.vocabularySize() != table.vocabularySize() || costs.rows() != rows
                || costs.columns() != columns)) {
            throw new IllegalArgumentException("costs are for V=" + costs.vocabularySize() + " in " + costs.rows() + " x "
                    + costs.columns() + ", expected V=" + table.vocabularySize() + " in " + rows + " x " + columns);
        }
        refreshTrainingLayer();
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
                costs.add(w, zr, i * rows, lse.logSumExp(zr, i * rows, rows), zc, i * columns,
                        lse.logSumExp(zc, i * columns, columns));
            }
        }
        return loss / n;
    }

    // The layer's training forward over the 2T half-steps, then Z_r = H_c Yr^T and Z_c = H_r Yc^T.
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
        training.forward(input, 2 * steps, state, output);
        // Hc_t = h^c_{t-1}: lastH for t = 0, output 2t-1 after; Hr_t = h^r_t: output 2t.
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
        output = new float[Math.multiplyExact(2 * n, hidden)];
        dOutputs = new float[output.length];
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

    /** Zero costs for this model's vocabulary and table shape, for {@link #evaluate}. */
    public ReallocationCosts newCosts() {
        return new ReallocationCosts(table.vocabularySize(), rows, columns);
    }

    /** Back to the zero state for every stream (the start of new streams). */
    public void resetState() {
        state.reset();
        Arrays.fill(lastH, 0f);
    }

    /**
     * Every parameter with its gradient, the arrays this trainer computes with: {@code xr [R][E]},
     * {@code xc [C][E]}, {@code yr [R][H]}, {@code yc [C][H]}, then the cell's {@code weight_ih_l0},
     * {@code weight_hh_l0}, {@code bias_ih_l0}, {@code bias_hh_l0} (and {@code mi_alpha_l0}, {@code mi_beta1_l0},
     * {@code mi_beta2_l0} for multiplicative-integration cells) in PyTorch's layout.
     */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The inference model with the current parameters and word table (copied: training on does not
     * change it). The caller closes it.
     */
    public LightRnn export() {
        MiParameters mi = type.multiplicative() ? new MiParameters(cellValues[4], cellValues[5], cellValues[6]) : null;
        RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(type, embedding, hidden)
                .inputWeights(cellValues[0])
                .recurrentWeights(cellValues[1])
                .biases(cellValues[2], cellValues[3])
                .mi(mi)
                .build(), blas);
        return LightRnn.create(table, xr, xc, yr, yc, layer, blas);
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

    /** The current word table. */
    public WordTable wordTable() {
        return table;
    }

    public CellType cellType() {
        return type;
    }

    /** {@code E}. */
    public int embeddingSize() {
        return embedding;
    }

    /** {@code H}. */
    public int hiddenSize() {
        return hidden;
    }

    /** {@code B}, the streams every call takes. */
    public int batchSize() {
        return batch;
    }
}
