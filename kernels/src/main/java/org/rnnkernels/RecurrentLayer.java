package org.rnnkernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.cell.Biases;
import org.rnnkernels.cell.CellDescription;
import org.rnnkernels.cell.GatePass;
import org.rnnkernels.internal.Checks;

/**
 * One recurrent layer (one direction) of any {@link CellType}, built from PyTorch-layout weights.
 *
 * <p>A sequence forward runs in three parts, the shape every cell shares:
 * <ol>
 *   <li>the input projection of all {@code T} steps as ONE matrix product,
 *       {@code gi[T*B, G*H] = X[T*B, I] * W_ih^T} (BLAS sgemm);</li>
 *   <li>per step, the recurrent product {@code gh[B, G*H] = h[B, H] * W_hh^T}: the packed
 *       {@link PanelProduct} up to batch 64 when the Vector API is on, BLAS otherwise; for EGRU the
 *       {@link ColumnProduct}, which reads only the columns of {@code W_hh} whose {@code y_j != 0};
 *       for a restricted layer ({@link #createRestricted}) the compact matrices of
 *       {@link RestrictedLayout}, whose shared rows are multiplied once and spread into every gate block;</li>
 *   <li>per step, the {@link GatePass}: from the pre-activations of all gate blocks to the new
 *       state, one sample row at a time while it is in L1, {@code h} updated in place in the state.</li>
 * </ol>
 * Nothing is allocated per step; scratch lives in the caller's {@link LayerState}. The same core
 * ({@code runPacked}) runs packed variable-length batches forward or in reverse for
 * {@link RecurrentModel}.
 *
 * <p>Threading: a layer is immutable after construction and may be shared by any number of
 * threads, each with its own {@link LayerState}. With {@link #newState(int)} the step loop runs
 * on the caller's thread and BLAS calls on OpenBLAS's own threads ({@code OpenBlas.setThreads});
 * with {@link #newState(int, int)} the state's own team of threads shares every part of a call.
 *
 * <p>Memory: {@code W_ih} and {@code W_hh} are copied once into 64-byte-aligned off-heap memory
 * that this layer owns; {@link #close()} frees it, after which the layer must not be used.
 * With the Vector API on, {@code W_hh} is also kept once more in the panel layout of
 * {@link PanelProduct} (on the heap), so the recurrent product streams it sequentially.
 *
 * <p>A restricted, weight-shared layer ({@link #createRestricted}) runs the same three parts on
 * compact matrices, whose products are spread over the gate blocks ({@link RestrictedLayout}).
 *
 * <p>NaN or infinity in inputs, states or weights propagates to the outputs; nothing is clamped
 * or zeroed silently.
 */
public final class RecurrentLayer implements AutoCloseable {
    private static final long ALIGNMENT = 64;
    // Split points of the gate pass between threads: a whole number of vectors at any width (16
    // floats, or the lane count of a wider machine), so no unit falls into a scalar tail that a
    // one-thread pass does not have.
    private static final int UNIT_ALIGNMENT = Math.max(16, org.rnnkernels.simd.Simd.vectorBits() / Float.SIZE);

    private final CellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final Arena arena;
    private final MemorySegment wIh;
    private final MemorySegment wHh;
    private final float[] wHhPanels;
    private final float[] bias;
    private final float[] bIh;      // as given, for export (the packed bias folds them); null without biases
    private final float[] bHh;
    private final MiParameters miParameters;   // MI cells only, as given
    private final float[] thresholds;           // EGRU only, as given
    // What the gate pass reads beside the biases: MI [alpha | beta1 | beta2], EGRU theta, else null
    private final float[] cellParameters;
    private final Blas blas;
    private final PanelProduct panels;
    private final ColumnProduct columns;        // EGRU only
    private final float[] wHhColumnTiles;       // EGRU only: W_hh in ColumnProduct's layout
    private final GatePass gates;   // the cell's, chosen once
    // A one-row input projection (streaming with B = 1) as sgemv: OpenBLAS's sgemm packs all of
    // W_ih on every call, where sgemv streams it once. Measured, GRU H = I = 256, step() on a loaded
    // machine: 230-340 us per step with sgemm, 43-70 us with sgemv. Not for the Java BLAS, whose
    // sgemm rows are what make streaming bit-identical to one call.
    private final boolean oneRowAsGemv;
    // Restricted hook: a weight-shared layer keeps the compact matrices of RestrictedLayout in wIh,
    // wHh and wHhPanels (productRows rows, not G*H); both null for a dense layer.
    private final RestrictedWeights restrictedWeights;
    private final RestrictedLayout restricted;
    private final int productRows;

    private RecurrentLayer(CellType type, int inputSize, int hiddenSize,
                           float[] wIh, float[] wHh, float[] bIh, float[] bHh, MiParameters mi, float[] thresholds, Blas blas,
                           RestrictedWeights restrictedWeights) {
        this.type = type;
        this.restrictedWeights = restrictedWeights;
        this.restricted = restrictedWeights == null ? null : new RestrictedLayout(restrictedWeights);
        this.productRows = restricted == null ? type.gates() * hiddenSize : restricted.compactRows();
        this.miParameters = mi == null ? null : new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
        this.thresholds = thresholds == null ? null : thresholds.clone();
        this.cellParameters = mi != null ? mi.packed() : this.thresholds;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.blas = blas;
        this.oneRowAsGemv = blas.info().implementation().equals("openblas");
        this.gates = CellKernels.gatePass(type);
        CellDescription cell = type.description();
        this.bias = Biases.pack(cell.gates(), hiddenSize, cell.splitCandidate(), bIh, bHh);
        this.bIh = bIh == null ? null : bIh.clone();
        this.bHh = bHh == null ? null : bHh.clone();
        // EGRU's product skips the zero columns of y: column tiles instead of row panels
        this.panels = type.eventBased() ? null : PanelProduct.get();
        this.wHhPanels = panels == null ? null : panels.pack(wHh, productRows, hiddenSize);
        this.columns = type.eventBased() ? ColumnProduct.get() : null;
        this.wHhColumnTiles = columns == null ? null : columns.pack(wHh, productRows, hiddenSize);
        this.arena = Arena.ofShared();
        this.wIh = offHeapCopy(arena, wIh);
        this.wHh = offHeapCopy(arena, wHh);
    }

    /** {@link #create(LayerWeights, Blas)} with the default BLAS ({@link Blases#get()}). */
    public static RecurrentLayer create(LayerWeights weights) {
        return create(weights, Blases.get());
    }

    /**
     * A layer of any dense cell from its checked weights ({@link LayerWeights}), copied into the
     * layer's own memory; {@code blas} does the input projection (and the recurrent product where
     * the panel kernel does not).
     */
    public static RecurrentLayer create(LayerWeights weights, Blas blas) {
        Checks.nonNull("weights", weights);
        Checks.nonNull("blas", blas);
        return new RecurrentLayer(weights.cell(), weights.inputSize(), weights.hiddenSize(),
                weights.inputWeightsShared(), weights.recurrentWeightsShared(), weights.inputBiasShared(),
                weights.recurrentBiasShared(), weights.miShared(), weights.thresholdsShared(), blas, null);
    }

    /**
     * This layer's weights as given (copies; a restricted layer's dense equivalent), which build an
     * equal layer: {@code RecurrentLayer.create(layer.weights())}.
     */
    public LayerWeights weights() {
        requireOpen();
        return LayerWeights.of(type, inputSize, hiddenSize)
                .inputWeights(weightIh()).recurrentWeights(weightHh()).biases(bIh, bHh)
                .mi(miParameters).thresholds(thresholds).build();
    }

    /**
     * A layer from PyTorch-layout weights, which are copied (the arrays stay the caller's).
     *
     * @param wIh {@code [G*H][I]} row-major, gate blocks in the cell's order
     * @param wHh {@code [G*H][H]}
     * @param bIh {@code [G*H]}, or null for a layer without biases ({@code bias=False})
     * @param bHh {@code [G*H]}, or null for a layer without biases
     */
    public static RecurrentLayer create(CellType type, int inputSize, int hiddenSize,
                                        float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        return create(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, Blases.get());
    }

    /** As {@link #create(CellType, int, int, float[], float[], float[], float[])}, with a chosen BLAS. */
    public static RecurrentLayer create(CellType type, int inputSize, int hiddenSize,
                                        float[] wIh, float[] wHh, float[] bIh, float[] bHh, Blas blas) {
        return create(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, null, blas);
    }

    /**
     * As {@link #create(CellType, int, int, float[], float[], float[], float[])}, for any cell:
     * {@code mi} is required by the multiplicative-integration cells ({@link CellType#multiplicative()})
     * and must be null for the others; {@code blas} does the input projection (and the recurrent
     * product where the panel kernel does not).
     */
    public static RecurrentLayer create(CellType type, int inputSize, int hiddenSize,
                                        float[] wIh, float[] wHh, float[] bIh, float[] bHh, MiParameters mi, Blas blas) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        if (type.eventBased()) {
            throw new IllegalArgumentException(type + " needs its thresholds: use createEgru");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        long rows = checkWeights(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh);
        if (type.multiplicative()) {
            if (mi == null) {
                throw new IllegalArgumentException("mi is null: " + type + " needs alpha, beta1 and beta2 [" + rows + "]");
            }
            Checks.floats("mi.alpha", mi.alpha(), "[%d]", rows);
            Checks.floats("mi.beta1", mi.beta1(), "[%d]", rows);
            Checks.floats("mi.beta2", mi.beta2(), "[%d]", rows);
        } else if (mi != null) {
            throw new IllegalArgumentException("mi is given, but " + type + " is not a multiplicative-integration cell");
        }
        return new RecurrentLayer(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, mi, null, blas, null);
    }

    // Sizes and PyTorch-layout weight shapes, for every cell; returns G*H.
    private static long checkWeights(CellType type, int inputSize, int hiddenSize,
                                     float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        long rows = (long) type.gates() * hiddenSize;
        Checks.floats("wIh", wIh, "[%d][%d]", rows, inputSize);
        Checks.floats("wHh", wHh, "[%d][%d]", rows, hiddenSize);
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException("bIh and bHh must both be given or both be null, got "
                    + (bIh == null ? "bIh null" : "bHh null"));
        }
        if (bIh != null) {
            Checks.floats("bIh", bIh, "[%d]", rows);
            Checks.floats("bHh", bHh, "[%d]", rows);
        }
        return rows;
    }

    /** As {@link #createEgru(int, int, float[], float[], float[], float[], float[], Blas)} with the default BLAS. */
    public static RecurrentLayer createEgru(int inputSize, int hiddenSize, float[] wIh, float[] wHh, float[] bIh, float[] bHh,
                                            float[] thresholds) {
        return createEgru(inputSize, hiddenSize, wIh, wHh, bIh, bHh, thresholds, Blases.get());
    }

    /**
     * An {@link CellType#EGRU} layer: GRU-layout weights (blocks {@code r, z, n}) and the per-unit
     * thresholds {@code theta [H]}, each finite and {@code > 0}. (Weights exported by EvNN order the
     * blocks {@code z, r, g}: reorder them to {@code r, z, n} first.)
     */
    public static RecurrentLayer createEgru(int inputSize, int hiddenSize, float[] wIh, float[] wHh, float[] bIh, float[] bHh,
                                            float[] thresholds, Blas blas) {
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        CellType type = CellType.EGRU;
        checkWeights(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh);
        Checks.floats("thresholds", thresholds, "[%d]", hiddenSize);
        for (int j = 0; j < hiddenSize; j++) {
            if (!(thresholds[j] > 0) || thresholds[j] == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("thresholds[" + j + "] = " + thresholds[j] + ", expected finite and > 0");
            }
        }
        return new RecurrentLayer(type, inputSize, hiddenSize, wIh, wHh, bIh, bHh, null, thresholds, blas, null);
    }

    /** {@link #createRestricted(RestrictedWeights, Blas)} with the default BLAS. */
    public static RecurrentLayer createRestricted(RestrictedWeights weights) {
        return createRestricted(weights, Blases.get());
    }

    /**
     * A restricted, weight-shared layer (CELLS.md "RRNN"): the same cell as the dense layer with
     * {@code weights}' dense equivalent, computed on compact matrices so that the shared rows are
     * multiplied once per step, not once per gate block ({@link RestrictedLayout}). It works wherever
     * a layer does (stacks, both directions, variable lengths, streaming, multi-thread states). With
     * no shared rows ({@code r = 0}) it computes exactly what the dense layer does, bit for bit.
     */
    public static RecurrentLayer createRestricted(RestrictedWeights weights, Blas blas) {
        if (weights == null) {
            throw new IllegalArgumentException("weights is null");
        }
        if (blas == null) {
            throw new IllegalArgumentException("blas is null");
        }
        return new RecurrentLayer(weights.cellType(), weights.inputSize(), weights.hiddenSize(),
                weights.compactIh(), weights.compactHh(), weights.biasIh(), weights.biasHh(), null, null, blas, weights);
    }

    /** A zero state for {@code batch} parallel streams, with its own scratch space; steps run on the caller's thread. */
    public LayerState newState(int batch) {
        return newState(batch, 1);
    }

    /**
     * A zero state whose steps are shared by {@code threads} threads: the caller and
     * {@code threads - 1} workers the state owns (close the state to stop them). Each step's
     * recurrent product is split by panels of {@code W_hh} (each thread streams its own part, which
     * then stays in its core's cache) and its gate pass by hidden units. With the Java BLAS the
     * results are bit-identical to one thread; with OpenBLAS they agree to float rounding (it sums
     * a row differently with the shape of the call, and above batch 64 or without the Vector API
     * the recurrent product is split by samples). The input projection is split by columns, so OpenBLAS
     * should then run single-threaded ({@code OpenBlas.setThreads(1)}): its own threads spin
     * after each call and would compete with these for the cores.
     */
    public LayerState newState(int batch, int threads) {
        Checks.positive("batch", batch);
        Checks.positive("threads", threads);
        LayerState.checkSize(type, batch, hiddenSize);     // before any worker thread starts
        return new LayerState(type, batch, hiddenSize, threads);
    }

    /**
     * Runs {@code steps} time steps. {@code state} holds the initial state on entry and the
     * final state on return.
     *
     * @param input  {@code [T][B][I]} time-major, flattened
     * @param output {@code [T][B][H]} time-major, flattened; written, never read
     */
    public void forward(float[] input, int steps, LayerState state, float[] output) {
        checkState(state);
        if (steps < 0) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 0");
        }
        int batch = state.batch;
        long rows = (long) steps * batch;
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        if (input == output) {
            throw new IllegalArgumentException("input and output are the same array");
        }
        requireOpen();
        runPacked(input, state.fullBatchSizes(steps), steps, false, state, output, hiddenSize, 0);
    }

    /**
     * As {@link #forward}, with the input projection already made: {@code projected} holds
     * {@code W_ih x} of every step and sample, WITHOUT {@code b_ih} (the layer adds its biases).
     * For inputs drawn from a fixed table (embeddings), whose rows can be projected once: one step
     * then skips its sgemm over {@code W_ih}, which OpenBLAS repacks on every call (measured ~150 us
     * for one row at GRU H = 256, more than the rest of the step).
     *
     * @param projected {@code [T][B][G*H]} time-major, flattened, gate blocks in the cell's order
     * @param output    {@code [T][B][H]}; written, never read
     */
    public void forwardProjected(float[] projected, int steps, LayerState state, float[] output) {
        checkState(state);
        if (steps < 0) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 0");
        }
        int batch = state.batch;
        long rows = (long) steps * batch;
        long width = (long) type.gates() * hiddenSize;
        Checks.floats("projected", projected, "[T=%d][B=%d][G*H=%d]", steps, batch, width);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        requireOpen();
        if (rows == 0) {
            return;
        }
        state.reserveInputProjection(rows * width);
        System.arraycopy(projected, 0, state.gi, 0, (int) (rows * width));
        if (spreads()) {
            restricted.reserve(state, 0, state.batch);   // the recurrent side's compact scratch (the input side is given)
        }
        runSteps((int) rows, state.fullBatchSizes(steps), steps, false, state, output, hiddenSize, 0);
    }

    /**
     * The core, over a packed sequence (PyTorch's {@code PackedSequence} layout): step {@code t}
     * has {@code batchSizes[t]} rows, samples {@code 0 .. batchSizes[t]-1} (so samples are sorted
     * by length, longest first, and {@code batchSizes} does not increase), and step {@code t}'s
     * rows follow step {@code t-1}'s in {@code input} ({@code I} floats a row) and {@code output}
     * (a row at {@code row * outputStride + outputColumn}, {@code H} floats).
     *
     * <p>{@code reverse} runs the steps from last to first: a sample's first step is its own last
     * valid one, started from its row of the state. Either way a sample's row of the state stops
     * changing after its last step, so on return the state holds every sample's state at the end
     * of its own sequence. Arguments are trusted (checked by the public callers).
     */
    void runPacked(float[] input, int[] batchSizes, int steps, boolean reverse, LayerState state,
                   float[] output, int outputStride, int outputColumn) {
        int rows = 0;
        for (int t = 0; t < steps; t++) {
            rows += batchSizes[t];
        }
        if (rows == 0) {
            return;
        }
        projectInputs(input, rows, state);
        runSteps(rows, batchSizes, steps, reverse, state, output, outputStride, outputColumn);
    }

    // runPacked after the input projection: state.gi holds it for all `rows` rows.
    private void runSteps(int rows, int[] batchSizes, int steps, boolean reverse, LayerState state,
                          float[] output, int outputStride, int outputColumn) {
        int width = type.gates() * hiddenSize;
        SplitStep step = state.splitStep;
        step.layer = this;
        step.state = state;
        int rowStart = reverse ? rows : 0;
        for (int i = 0; i < steps; i++) {
            int t = reverse ? steps - 1 - i : i;
            int active = batchSizes[t];
            if (reverse) {
                rowStart -= active;
            }
            step.rows = active;
            step.giOffset = rowStart * width;
            if (wHhColumnTiles != null) {
                state.gatherActive(active);   // which y_j the sparse product reads, before the team splits it
            }
            if (state.team == null) {
                stepPart(step, 0, 1);
            } else {
                state.team.run(step);
            }
            // h_t of the active samples: into the output rows of step t
            if (outputStride == hiddenSize) {
                System.arraycopy(state.h, 0, output, rowStart * hiddenSize + outputColumn, active * hiddenSize);
            } else {
                for (int b = 0; b < active; b++) {
                    System.arraycopy(state.h, b * hiddenSize, output, (rowStart + b) * outputStride + outputColumn, hiddenSize);
                }
            }
            if (!reverse) {
                rowStart += active;
            }
        }
        step.layer = null;         // nor this layer
    }

    /**
     * One time step for streaming use: exactly {@code forward(input, 1, state, output)}.
     *
     * @param input  {@code [B][I]}
     * @param output {@code [B][H]}, the new {@code h}
     */
    public void step(float[] input, LayerState state, float[] output) {
        forward(input, 1, state, output);
    }

    /**
     * {@code gi[T*B, G*H] = X[T*B, I] * W_ih^T}: the input side of every step in one product.
     *
     * <p>Streaming one step at a time gives exactly the bits of one sequence call when the BLAS
     * computes a row of C the same way whatever the number of rows (the Java BLAS does: each
     * element is one FMA chain over k). OpenBLAS does not: its edge kernels for the last
     * {@code M mod 16} rows sum in another order, so there the two agree to float rounding
     * (a few ulps), not bit for bit. {@code StreamingTest} checks both.
     */
    private void projectInputs(float[] input, int rows, LayerState state) {
        int width = type.gates() * hiddenSize;
        state.reserveInputProjection((long) rows * width);
        SplitProjection projection = state.splitProjection;
        projection.layer = this;
        projection.state = state;
        projection.input = state.inputSegment(input);
        projection.rows = rows;
        projection.output = state.giSegment;
        // Restricted hook: compact columns first (scratch also for the steps' compact products), spread below.
        RestrictedLayout.Scratch compact = spreads() ? restricted.reserve(state, rows, state.batch) : null;
        if (compact != null) {
            projection.output = compact.giSegment;
        }
        if (state.team == null) {
            projectColumns(projection, 0, 1);
        } else {
            state.team.run(projection);
        }
        projection.input = null;
        projection.output = null;
        if (compact != null) {
            restricted.spreadInputs(compact.gi, state.gi, rows);
        }
    }

    // Whether this is a restricted layer whose products are spread from compact scratch.
    private boolean spreads() {
        return restricted != null && restricted.spreads();
    }

    // Member m's columns of gi = X * W_ih^T (a block of the G*H gate rows of W_ih, or of a restricted
    // layer's compact rows), for all rows.
    // Split by columns, not rows: OpenBLAS sums a row differently depending on where it falls in
    // the call (edge kernels for the last M mod 16 rows), so a row split would change bits with the
    // thread count; column blocks of a multiple of 64 leave every element's arithmetic as it was.
    private void projectColumns(SplitProjection p, int member, int members) {
        int width = productRows;
        int from = columnSplit(member, members, width);
        int to = columnSplit(member + 1, members, width);
        if (to > from && p.rows == 1 && oneRowAsGemv) {
            blas.sgemv(Transpose.NO, to - from, inputSize, 1f, wIh, (long) from * inputSize, inputSize,
                    p.input, 0, 0f, p.output, from);
        } else if (to > from) {
            blas.sgemm(Transpose.NO, Transpose.YES, p.rows, to - from, inputSize,
                    1f, p.input, 0, inputSize, wIh, (long) from * inputSize, inputSize,
                    0f, p.output, from, width);
        }
    }

    private static int columnSplit(int member, int members, int width) {
        return member == members ? width : width * member / members / 64 * 64;
    }

    /** The input projection's arguments, for the members of a team. */
    static final class SplitProjection implements StepTeam.Work {
        RecurrentLayer layer;
        LayerState state;
        MemorySegment input;
        MemorySegment output;     // gi, or a restricted layer's compact scratch
        int rows;

        @Override
        public void run(int member) {
            layer.projectColumns(this, member, state.team.size());
        }
    }

    /**
     * Member {@code member} of {@code members}'s share of one step: its panels of the recurrent
     * product {@code gh[B, G*H] = h[B, H] * W_hh^T}, then (once every member's panels are done) its
     * hidden units of the gate pass. Unit ranges start at multiples of the vector length, so every
     * unit is computed as in a one-thread step.
     */
    private void stepPart(SplitStep s, int member, int members) {
        LayerState state = s.state;
        int batch = s.rows;
        int width = productRows;
        // Restricted hook: the product of the compact W_h goes to scratch, spread into gh below.
        float[] gh = spreads() ? state.restrictedScratch.gh : state.gh;
        MemorySegment ghSegment = spreads() ? state.restrictedScratch.ghSegment : state.ghSegment;
        if (wHhColumnTiles != null) {
            // EGRU: gh = W_hh y over the nonzero y_j only (lists from gatherActive)
            int tiles = columns.tiles(width);
            columns.multiply(wHhColumnTiles, width, hiddenSize, batch, state.h, state.active, state.activeCount, gh,
                    tiles * member / members, tiles * (member + 1) / members);
        } else if (wHhPanels != null && batch <= PanelProduct.MAX_BATCH) {
            int panelCount = panels.panels(width);
            panels.multiply(wHhPanels, width, hiddenSize, batch, state.h, 0, gh,
                    panelCount * member / members, panelCount * (member + 1) / members);
        } else {
            // Each member multiplies its own samples: gh[b0:b1, :] = h[b0:b1, :] * W_hh^T.
            int b0 = batch * member / members;
            int b1 = batch * (member + 1) / members;
            if (b1 - b0 == 1) {
                blas.sgemv(Transpose.NO, width, hiddenSize, 1f, wHh, 0, hiddenSize,
                        state.hSegment, (long) b0 * hiddenSize, 0f, ghSegment, (long) b0 * width);
            } else if (b1 > b0) {
                blas.sgemm(Transpose.NO, Transpose.YES, b1 - b0, width, hiddenSize,
                        1f, state.hSegment, (long) b0 * hiddenSize, hiddenSize, wHh, 0, hiddenSize,
                        0f, ghSegment, (long) b0 * width, width);
            }
        }
        if (members > 1) {
            state.team.barrier();
        }
        int from = unitSplit(member, members);
        int to = unitSplit(member + 1, members);
        if (spreads()) {
            restricted.spreadRecurrent(gh, state.gh, batch, from, to);   // restricted hook: this member's units
        }
        // h is updated in place: every member is past the product, which was its last reader.
        gates.apply(batch, hiddenSize, from, to,
                state.gi, s.giOffset, state.gh, bias, cellParameters, state.h, 0, state.h, 0, state.c);
    }

    // First hidden unit of member m's share: an even split rounded down to whole vectors.
    private int unitSplit(int member, int members) {
        if (member == members) {
            return hiddenSize;
        }
        return hiddenSize * member / members / UNIT_ALIGNMENT * UNIT_ALIGNMENT;
    }

    /** One step's arguments, set by the caller's loop and read by every member of a team. */
    static final class SplitStep implements StepTeam.Work {
        RecurrentLayer layer;
        LayerState state;
        int rows;
        int giOffset;

        @Override
        public void run(int member) {
            layer.stepPart(this, member, state.team.size());
        }
    }

    private void checkState(LayerState state) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        Checks.open(state);
        if (state.type != type || state.hidden != hiddenSize) {
            throw new IllegalArgumentException("state is a " + state.type + " state of [B=" + state.batch + "][H="
                    + state.hidden + "], expected a " + type + " state with H=" + hiddenSize);
        }
    }

    void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this " + type + " layer is closed");
        }
    }

    private static MemorySegment offHeapCopy(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * Float.BYTES, ALIGNMENT);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return segment;
    }

    public CellType cellType() {
        return type;
    }

    /** A copy of {@code W_ih}, {@code [G*H][I]}, as given (a restricted layer's dense equivalent). */
    public float[] weightIh() {
        requireOpen();
        return restrictedWeights != null ? restrictedWeights.weightIh() : wIh.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** A copy of {@code W_hh}, {@code [G*H][H]}, as given (a restricted layer's dense equivalent). */
    public float[] weightHh() {
        requireOpen();
        return restrictedWeights != null ? restrictedWeights.weightHh() : wHh.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** The pool of a restricted layer ({@link #createRestricted}), or null for a dense layer. */
    public RestrictedWeights restrictedWeights() {
        return restrictedWeights;
    }

    /** The multiplicative-integration parameters (copies), or null for the other cells. */
    public MiParameters miParameters() {
        return miParameters == null ? null
                : new MiParameters(miParameters.alpha().clone(), miParameters.beta1().clone(), miParameters.beta2().clone());
    }

    /** EGRU's thresholds {@code theta [H]} (a copy), or null for the other cells. */
    public float[] thresholds() {
        return thresholds == null ? null : thresholds.clone();
    }

    /** A copy of {@code b_ih}, or null for a layer without biases. */
    public float[] biasIh() {
        return bIh == null ? null : bIh.clone();
    }

    /** A copy of {@code b_hh}, or null for a layer without biases. */
    public float[] biasHh() {
        return bHh == null ? null : bHh.clone();
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Frees the off-heap weights. Must not race with a forward call on another thread. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
