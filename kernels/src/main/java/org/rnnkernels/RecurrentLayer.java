package org.rnnkernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.cell.GatePass;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.product.Activity;
import org.rnnkernels.product.CellStep;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.RecurrentProduct;
import org.rnnkernels.product.Scratch;
import org.rnnkernels.quant.Int8Weights;
import org.rnnkernels.quant.IntegerWeights;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * One recurrent layer (one direction) of any {@link CellType}: dense from PyTorch-layout weights
 * ({@link #create(LayerWeights)}, EGRU included), restricted and weight-shared ({@link #createRestricted}),
 * HitNet ternary ({@link #createTernary}, usually through {@code TernaryLayer.create}), integer RAG
 * ({@link #createInteger}, usually through {@code IntegerLayer}), int8-weight ({@link #createInt8}, usually through
 * {@code Int8Layer}).
 *
 * <p>A layer is three parts, chosen once when it is built, and one driver that knows none of them:
 * <ol>
 *   <li>the input projection of all {@code T} steps at once, {@code gi[T*B, G*H] = X[T*B, I] * W_ih^T}:
 *       the packed panel kernel where it tiles four samples (AVX-512), else one BLAS sgemm; a restricted
 *       layer's compact rows, spread into the gate blocks; a ternary product;
 *       an int8 product of the inputs quantised on entry;</li>
 *   <li>per step, the recurrent product {@code gh[B, G*H] = h[B, H] * W_hh^T}: the packed panel kernel when
 *       the Vector API is on (every batch on AVX-512, up to 64 on AVX2), BLAS otherwise; for EGRU the column-sparse product, which
 *       reads only the columns of {@code W_hh} whose {@code y_j != 0}; a restricted layer's compact
 *       product, whose shared rows are multiplied once and spread into every gate block; a ternary product;
 *       an int8 product into int32 accumulators;</li>
 *   <li>per step, the cell's {@link GatePass}: from the pre-activations of all gate blocks to the new
 *       state, one sample row at a time while it is in L1, {@code h} updated in place in the state; an
 *       integer layer's cell step instead, on its products' int32 accumulators.</li>
 * </ol>
 * The driver ({@code runPacked}) runs packed variable-length batches, forward or in reverse, for
 * {@link RecurrentModel}, streaming, and the thread team. Nothing is allocated per step: scratch lives
 * in the caller's {@link LayerState}, each part's own in the part the layer made for that state.
 *
 * <p>Threading: a layer is immutable after construction and may be shared by any number of
 * threads, each with its own {@link LayerState}. With {@link #newState(int)} the step loop runs
 * on the caller's thread and BLAS calls on OpenBLAS's own threads ({@code OpenBlas.setThreads});
 * with {@link #newState(int, int)} the state's own team of threads shares every part of a call: the
 * input projection by columns, then the steps either by samples (each member runs its own samples through
 * every step alone, no hand-off within the sequence: from {@value #MIN_SAMPLES_PER_MEMBER} samples a
 * member) or, for fewer samples, each step by weight panels and hidden units (two hand-offs a step).
 *
 * <p>Memory: a float layer copies {@code W_ih} and {@code W_hh} once into 64-byte-aligned off-heap
 * memory that it owns; {@link #close()} frees it, after which the layer must not be used (any layer
 * refuses calls once closed). With the Vector API on, {@code W_hh} is also kept once more in the panel
 * layout of the recurrent product (on the heap), so the product streams it sequentially; EGRU keeps it
 * in column tiles (and, from its first step dense enough to go to the panels, in panels too), a ternary layer its
 * two bit planes.
 *
 * <p>NaN or infinity in inputs, states or weights propagates to the outputs; nothing is clamped
 * or zeroed silently (a ternary layer with TERNARY activations reads a NaN as 0: no threshold passes it).
 */
public final class RecurrentLayer implements AutoCloseable {
    // Split points of the gate pass between threads: a whole number of vectors at any width (16
    // floats, or the lane count of a wider machine), so no unit falls into a scalar tail that a
    // one-thread pass does not have.
    private static final int UNIT_ALIGNMENT = Math.max(16, org.rnnkernels.simd.Simd.vectorBits() / Float.SIZE);

    /**
     * The fewest samples per member for which a team splits a call's steps by samples. Each member then
     * streams all of {@code W_hh} every step for its own samples, where the split by panels gives each member
     * half of it; but the step needs no hand-off at all (two a step by panels, each a wait for the slower
     * member). From four samples a member, the panel product's widest grouping (four samples per weight load),
     * the weight traffic per multiply-add is what one thread has.
     */
    static final int MIN_SAMPLES_PER_MEMBER = 4;

    /**
     * The fewest weights a step's product reads ({@link RecurrentProduct.Bound#weightReads}) for which a team shares
     * the step; a smaller step runs on the caller's thread alone, its workers idle (the same bits either way: no
     * product or gate pass depends on the split). A shared step costs two hand-offs and the cache lines of {@code h}
     * and {@code gh} moving between the cores, 1.5-5 us a step on Zen 5 (a GRU at B = 1, one thread and two
     * alternating in one JVM, every step shared: H = 64 0.6 against 2.3 us a step, H = 128 2.2 against 3.4), which
     * two threads win back from a product of ~130,000 weight reads: GRU B = 1, H = 192 (110,592 reads) 1.03-1.20x
     * slower shared, H = 256 (196,608) 0.77-0.97x; B = 7 (two tiles of four), H = 128 1.16x slower, H = 192 0.93x;
     * EGRU's column walk at H = 256 and 60% activity (~118,000) 1.17-1.29x slower, at H = 1024 and 5% (~157,000)
     * 0.81-1.00x, at H = 512 and 30% (~236,000) 0.72-0.77x.
     * A call's input projection is weighed the same way ({@link InputProjection.Bound#weightReads}): a streamed
     * step of a small layer (one row) then waits for no hand-off at all (GRU B = 1, H = 64, one step a call: 2.3-2.7
     * us shared against 1.2 alone). The system property {@code rnnkernels.sharedStepReads} sets another line (0:
     * everything shared, as the tests run their small layers, so that the shared path is what they check).
     */
    static final long DEFAULT_SHARED_STEP_READS = 128_000;
    static final long SHARED_STEP_READS = Long.getLong("rnnkernels.sharedStepReads", DEFAULT_SHARED_STEP_READS);

    private final CellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final Arena arena;          // the parts' off-heap weights; closing it closes the layer
    private final InputProjection projection;
    private final RecurrentProduct recurrent;
    private final GatePass gates;       // the cell's, chosen once; null when the parts bring their own cell step
    private final CellStep cellStep;    // integer layers: the cell step on the parts' own operands
    private final float[] bias;         // Biases.pack
    private final float[] cellParameters;
    private final LayerParts.Given given;

    private RecurrentLayer(LayerParts parts) {
        this.type = parts.type();
        this.inputSize = parts.inputSize();
        this.hiddenSize = parts.hiddenSize();
        this.arena = parts.arena();
        this.projection = parts.projection();
        this.recurrent = parts.recurrent();
        this.cellStep = parts.cellStep();
        this.gates = cellStep == null ? CellKernels.gatePass(type) : null;
        this.bias = parts.bias();
        this.cellParameters = parts.cellParameters();
        this.given = parts.given();
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
        return new RecurrentLayer(LayerParts.dense(weights.cell(), weights.inputSize(), weights.hiddenSize(),
                weights.inputWeightsShared(), weights.recurrentWeightsShared(), weights.inputBiasShared(),
                weights.recurrentBiasShared(), weights.miShared(), weights.thresholdsShared(), blas));
    }

    /**
     * This layer's weights as given (copies; a restricted layer's dense equivalent), which build an
     * equal layer: {@code RecurrentLayer.create(layer.weights())}. Throws for a ternary layer, as
     * {@link #weightIh()} does: its parameters are {@link #ternaryWeights()}.
     */
    public LayerWeights weights() {
        requireOpen();
        return LayerWeights.of(type, inputSize, hiddenSize)
                .inputWeights(weightIh()).recurrentWeights(weightHh()).biases(given.bIh(), given.bHh())
                .mi(given.mi()).thresholds(given.thresholds()).build();
    }

    /** {@link #createRestricted(RestrictedWeights, Blas)} with the default BLAS. */
    public static RecurrentLayer createRestricted(RestrictedWeights weights) {
        return createRestricted(weights, Blases.get());
    }

    /**
     * A restricted, weight-shared layer (CELLS.md "RRNN"): the same cell as the dense layer with
     * {@code weights}' dense equivalent, computed on compact matrices so that the shared rows are
     * multiplied once per step, not once per gate block ({@code product.RestrictedLayout}). It works wherever
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
        return new RecurrentLayer(LayerParts.restricted(weights, blas));
    }

    /**
     * A HitNet ternary layer ({@code org.rnnkernels.ternary.TernaryLayer}, whose {@code create} methods
     * build it from float or ternary weights): ternary input projection and recurrent product, the cell's
     * own gate pass, and {@code lambda} folded into the products' scales and the biases.
     */
    public static RecurrentLayer createTernary(TernaryWeights weights) {
        if (weights == null) {
            throw new IllegalArgumentException("weights is null");
        }
        return new RecurrentLayer(LayerParts.ternary(weights));
    }

    /**
     * An integer RAG layer (RAG-minimal, RAG-GRU, RAG-LSTM; usually through {@code IntegerLayer.create} or
     * {@code IntegerLayer.quantize}): int8 weights with a power-of-two scale per gate block, activations and
     * states in fixed point, products accumulated in int32 by the library's own kernel, and the cell step in
     * integer adds, max, min and shifts, bit-exact with the reference's integer cells. Its boundary is float:
     * inputs are quantised on entry (round half up, saturating), and {@code h} (and {@code c}) are kept in the
     * state as {@code v 2^-F}, exactly, so that it stacks in a {@link RecurrentModel} (an integer layer above
     * another of the same format reads its input exactly), runs both directions, variable lengths, streaming and
     * thread teams as the other layers do, and saves with {@code ModelFiles}. A state set from outside is
     * rounded to the grid and clamped to [-1, 1] when the next step reads it. NaN inputs count as 0.
     */
    public static RecurrentLayer createInteger(IntegerWeights weights) {
        Checks.nonNull("weights", weights);
        return new RecurrentLayer(LayerParts.integer(weights));
    }

    /**
     * An int8-weight layer ({@code org.rnnkernels.quant.Int8Layer}): the float cell's gate pass on products that
     * read int8 weights with a float scale per row, widened to float in registers (weight-only quantisation:
     * activations and states stay float). It agrees with the float layer of {@link Int8Weights#dequantize()}
     * to float rounding, the same bits with any number of threads, and works wherever a layer does.
     */
    public static RecurrentLayer createInt8(Int8Weights weights) {
        Checks.nonNull("weights", weights);
        return new RecurrentLayer(LayerParts.int8(weights));
    }

    /** A zero state for {@code batch} parallel streams, with its own scratch space; steps run on the caller's thread. */
    public LayerState newState(int batch) {
        return newState(batch, 1);
    }

    /**
     * A zero state whose steps are shared by {@code threads} threads: the caller and
     * {@code threads - 1} workers the state owns (close the state to stop them). Each step's
     * recurrent product is split by rows of {@code W_hh} (panels, rows of the column tiles, ternary rows: each
     * thread streams its own part, which then stays in its core's cache) and its gate pass by hidden
     * units. With the Java BLAS, with the Vector API on AVX-512 (both products the panel kernel) and for
     * ternary layers the results are bit-identical to one thread; where OpenBLAS computes a product they
     * agree to float rounding (it sums a row differently with the shape of the call, and above batch 64 on
     * AVX2 or without the Vector API the recurrent product is split by samples). The
     * input projection is split by columns, so OpenBLAS should then run single-threaded
     * ({@code OpenBlas.setThreads(1)}): its own threads spin after each call and would compete with
     * these for the cores.
     */
    public LayerState newState(int batch, int threads) {
        Checks.positive("batch", batch);
        Checks.positive("threads", threads);
        LayerState.checkSize(type, batch, hiddenSize);     // before any worker thread starts
        LayerState state = new LayerState(type, batch, hiddenSize, threads);
        binding(state);
        return state;
    }

    /**
     * A state of a model state, sharing its team ({@code team} null: none); {@code sparseInput}: its inputs are
     * the sparse outputs of an event-based layer below (the projection's sparse binding).
     */
    LayerState newState(int batch, StepTeam team, ModelState owner, boolean sparseInput) {
        LayerState state = new LayerState(type, batch, hiddenSize, team, owner);
        state.sparseInput = sparseInput;
        binding(state);
        return state;
    }

    /**
     * Runs {@code steps} time steps. {@code state} holds the initial state on entry and the
     * final state on return.
     *
     * @param input  {@code [T][B][I]} time-major, flattened
     * @param output {@code [T][B][H]} time-major, flattened; written, never read
     */
    public void forward(float[] input, int steps, LayerState state, float[] output) {
        checkCall(state, steps);
        int batch = state.batch;
        Checks.floats("input", input, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        if (input == output) {
            throw new IllegalArgumentException("input and output are the same array");
        }
        requireOpen();
        runPacked(state.inputView.of(input), state.fullBatchSizes(steps), steps, false, state,
                state.outputView.of(output), hiddenSize, 0);
    }

    /**
     * {@link #forward(float[], int, LayerState, float[])} on memory the caller owns, read and written
     * where it is (no copy): a heap segment, or native memory such as a buffer shared with other code.
     * Floats in the platform's byte order, 4-byte aligned; with a state of more than one thread, the
     * input must be readable by the state's workers (not a confined arena's).
     *
     * @param input  {@code [T][B][I]} floats, time-major
     * @param output {@code [T][B][H]} floats, time-major; written, never read; must not overlap {@code input}
     */
    public void forward(MemorySegment input, int steps, LayerState state, MemorySegment output) {
        checkCall(state, steps);
        int batch = state.batch;
        Checks.floats("input", input, false, state.team != null, "[T=%d][B=%d][I=%d]", steps, batch, inputSize);
        Checks.floats("output", output, true, false, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        Checks.disjoint("input", input, "output", output);
        requireOpen();
        runPacked(input, state.fullBatchSizes(steps), steps, false, state, output, hiddenSize, 0);
    }

    private void checkCall(LayerState state, int steps) {
        checkState(state);
        if (steps < 0) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 0");
        }
    }

    /**
     * As {@link #forward}, with the input projection already made: {@code projected} holds
     * {@code W_ih x} of every step and sample as this layer computes it, WITHOUT {@code b_ih} (the
     * layer adds its biases). For inputs drawn from a fixed table (embeddings), whose rows can be
     * projected once: one step then skips its product over {@code W_ih} (where OpenBLAS does it, an sgemm that
     * repacks {@code W_ih} on every call: measured ~150 us for one row at GRU H = 256, more than the rest of the step).
     *
     * @param projected {@code [T][B][G*H]} time-major, flattened, gate blocks in the cell's order
     * @param output    {@code [T][B][H]}; written, never read
     */
    public void forwardProjected(float[] projected, int steps, LayerState state, float[] output) {
        checkCall(state, steps);
        int batch = state.batch;
        long rows = (long) steps * batch;
        long width = (long) type.gates() * hiddenSize;
        Checks.floats("projected", projected, "[T=%d][B=%d][G*H=%d]", steps, batch, width);
        Checks.floats("output", output, "[T=%d][B=%d][H=%d]", steps, batch, hiddenSize);
        requireOpen();
        if (cellStep != null) {
            throw new UnsupportedOperationException("an integer layer projects its quantised inputs itself: call forward");
        }
        if (rows == 0) {
            return;
        }
        state.reserveInputProjection(rows * width);
        System.arraycopy(projected, 0, state.gi.array(), 0, (int) (rows * width));
        runAllSteps(binding(state), (int) rows, state.fullBatchSizes(steps), steps, false, state.outputView.of(output),
                hiddenSize, 0);
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

    /** One time step on the caller's memory: exactly {@code forward(input, 1, state, output)}. */
    public void step(MemorySegment input, LayerState state, MemorySegment output) {
        forward(input, 1, state, output);
    }

    /**
     * The driver, over a packed sequence (PyTorch's {@code PackedSequence} layout): step {@code t}
     * has {@code batchSizes[t]} rows, samples {@code 0 .. batchSizes[t]-1} (so samples are sorted
     * by length, longest first, and {@code batchSizes} does not increase), and step {@code t}'s
     * rows follow step {@code t-1}'s in {@code input} ({@code I} floats a row) and {@code output}
     * (a row at float {@code row * outputStride + outputColumn}, {@code H} floats).
     *
     * <p>{@code reverse} runs the steps from last to first: a sample's first step is its own last
     * valid one, started from its row of the state. Either way a sample's row of the state stops
     * changing after its last step, so on return the state holds every sample's state at the end
     * of its own sequence. Arguments are trusted (checked by the public callers).
     */
    void runPacked(MemorySegment input, int[] batchSizes, int steps, boolean reverse, LayerState state,
                   MemorySegment output, int outputStride, int outputColumn) {
        int rows = 0;
        for (int t = 0; t < steps; t++) {
            rows += batchSizes[t];
        }
        if (rows == 0) {
            return;
        }
        Binding binding = binding(state);
        projectInputs(binding, input, rows);
        runAllSteps(binding, rows, batchSizes, steps, reverse, output, outputStride, outputColumn);
    }

    // The steps after the input projection: by the team's members' own samples, or each step shared.
    private void runAllSteps(Binding binding, int rows, int[] batchSizes, int steps, boolean reverse,
                             MemorySegment output, int outputStride, int outputColumn) {
        LayerState state = binding.state;
        if (state.team == null || !splitsBySamples(state, output)) {
            runSteps(binding, rows, batchSizes, steps, reverse, output, outputStride, outputColumn, 0, state.batch);
            return;
        }
        SampleSplit split = binding.samples();
        split.call(rows, batchSizes, steps, reverse, output, outputStride, outputColumn);
        state.team.run(split.work);
        split.finish();
    }

    // By samples: a float layer (an integer layer's cell step reads its projection's own scratch), enough
    // samples for every member, and an output the workers may write (a confined arena's is the caller's alone).
    private boolean splitsBySamples(LayerState state, MemorySegment output) {
        int members = state.team.size();
        return cellStep == null && state.batch >= MIN_SAMPLES_PER_MEMBER * members
                && output.isAccessibleBy(state.team.worker(0));
    }

    // gi[rows, G*H] = X[rows, I] * W_ih^T: the input side of every step in one product, into state.gi.
    private void projectInputs(Binding binding, MemorySegment input, int rows) {
        LayerState state = binding.state;
        if (cellStep == null) {     // an integer layer's projection keeps int scratch of its own
            state.reserveInputProjection((long) rows * type.gates() * hiddenSize);
        }
        binding.projection.prepare(input, rows, state.gi);
        if (state.team == null || !state.team.worthSharing(binding.projection.weightReads(rows))) {
            binding.projection.project(0, 1);
        } else {
            state.team.run(binding.projectionWork);
        }
        binding.projection.finish();
    }

    /**
     * The steps after the input projection (in {@code binding.gi} for all {@code rows} rows of the call), for
     * the call's samples {@code sampleFrom .. sampleFrom+sampleCount-1}, which are samples {@code 0 ..} of
     * {@code binding.state}: all of them, or one member's share of a split by samples.
     */
    private void runSteps(Binding binding, int rows, int[] batchSizes, int steps, boolean reverse,
                          MemorySegment output, int outputStride, int outputColumn, int sampleFrom, int sampleCount) {
        LayerState state = binding.state;
        int width = type.gates() * hiddenSize;
        int rowStart = reverse ? rows : 0;        // the call's first row of step t
        for (int i = 0; i < steps; i++) {
            int t = reverse ? steps - 1 - i : i;
            int active = batchSizes[t];
            if (reverse) {
                rowStart -= active;
            }
            // this state's samples still running at step t: the first `mine` of its range
            int mine = Math.clamp(active - sampleFrom, 0, sampleCount);
            if (mine > 0) {
                int first = rowStart + sampleFrom;
                binding.rows = mine;
                binding.rowStart = first;
                binding.giOffset = first * width;
                binding.recurrent.prepare(mine);
                if (state.team == null || !state.team.worthSharing(binding.recurrent.weightReads(mine))) {
                    stepPart(binding, 0, 1);
                } else {
                    state.team.run(binding.stepWork);
                }
                // h_t of the running samples: into their output rows of step t
                if (outputStride == hiddenSize) {
                    MemorySegment.copy(state.h, 0, output, ValueLayout.JAVA_FLOAT,
                            ((long) first * hiddenSize + outputColumn) * Float.BYTES, mine * hiddenSize);
                } else {
                    for (int b = 0; b < mine; b++) {
                        MemorySegment.copy(state.h, b * hiddenSize, output, ValueLayout.JAVA_FLOAT,
                                ((long) (first + b) * outputStride + outputColumn) * Float.BYTES, hiddenSize);
                    }
                }
            }
            if (!reverse) {
                rowStart += active;
            }
        }
    }

    /**
     * Member {@code member} of {@code members}'s share of one step: its part of the recurrent product
     * {@code gh[B, G*H] = h[B, H] * W_hh^T}, then (once every member's part is done) its hidden units of
     * the gate pass. Unit ranges start at multiples of the vector length, so every unit is computed as
     * in a one-thread step.
     */
    private void stepPart(Binding binding, int member, int members) {
        LayerState state = binding.state;
        int rows = binding.rows;
        binding.recurrent.multiply(rows, member, members);
        if (members > 1) {
            state.team.barrier();
        }
        int from = unitSplit(member, members);
        int to = unitSplit(member + 1, members);
        binding.recurrent.finish(rows, from, to);
        // h is updated in place: every member is past the product, which was its last reader.
        if (binding.cell != null) {
            binding.cell.apply(rows, from, to, binding.rowStart);
        } else {
            gates.apply(rows, hiddenSize, from, to,
                    binding.gi.array(), binding.giOffset, state.gh, bias, cellParameters, state.h, 0, state.h, 0, state.c);
        }
    }

    // First hidden unit of member m's share: an even split rounded down to whole vectors.
    private int unitSplit(int member, int members) {
        if (member == members) {
            return hiddenSize;
        }
        return hiddenSize * member / members / UNIT_ALIGNMENT * UNIT_ALIGNMENT;
    }

    /** The state's binding to this layer: made when the state is, again if the state comes from another layer of its shape. */
    private Binding binding(LayerState state) {
        Binding binding = state.binding;
        if (binding == null || binding.layer != this) {
            binding = new Binding(this, state);
            state.binding = binding;
        }
        return binding;
    }

    /**
     * One state's side of this layer: the parts' per-state halves (their scratch), the team's work
     * for the two phases of a call, and the step's arguments, which every member of a team reads.
     */
    static final class Binding {
        final RecurrentLayer layer;
        final LayerState state;
        final InputProjection.Bound projection;
        final RecurrentProduct.Bound recurrent;
        final CellStep.Bound cell;     // null: the layer's gate pass
        final StepTeam.Work projectionWork;
        final StepTeam.Work stepWork;
        final Scratch gi;              // the call's input projection: the state's, or the whole state's for a member
        private SampleSplit samples;   // made on the first call split by samples
        int rows;
        int rowStart;
        int giOffset;

        Binding(RecurrentLayer layer, LayerState state) {
            this(layer, state, state.gi);
        }

        Binding(RecurrentLayer layer, LayerState state, Scratch gi) {
            this.layer = layer;
            this.state = state;
            this.gi = gi;
            int members = state.team == null ? 1 : state.team.size();
            this.projection = state.sparseInput ? layer.projection.bindSparse(members) : layer.projection.bind(members);
            RecurrentProduct.StepBuffers buffers = new RecurrentProduct.StepBuffers(state.batch, state.hidden,
                    state.h, state.hSegment, state.gh, state.ghSegment, state.activity, state.c);
            this.recurrent = layer.recurrent.bind(buffers);
            this.cell = layer.cellStep == null ? null : layer.cellStep.bind(projection, recurrent, buffers);
            this.projectionWork = member -> projection.project(member, state.team.size());
            this.stepWork = member -> layer.stepPart(this, member, state.team.size());
        }

        SampleSplit samples() {
            if (samples == null) {
                samples = new SampleSplit(this);
            }
            return samples;
        }
    }

    /**
     * A team's split of a call by samples: member {@code m} runs samples {@code from[m] .. from[m+1]-1} of the
     * state through every step in a state of its own (its {@code h}, {@code c}, {@code gh} and products' scratch;
     * the whole state's input projection), copied in from the whole state before the steps and back after.
     * Each sample is computed exactly as in a one-thread call: every grouping of samples in the products
     * gives each sample its own bits ({@code PanelProductTest}), and the gate pass is per sample.
     */
    static final class SampleSplit {
        final Binding whole;
        final int[] from;              // [members + 1]
        final Binding[] members;
        final Activity[] counts;       // the members' states' activity counters
        final StepTeam.Work work;
        // the call's arguments, set by call() before the team runs
        private int rows;
        private int[] batchSizes;
        private int steps;
        private boolean reverse;
        private MemorySegment output;
        private int outputStride;
        private int outputColumn;

        SampleSplit(Binding whole) {
            this.whole = whole;
            LayerState state = whole.state;
            int count = state.team.size();
            this.from = new int[count + 1];
            this.members = new Binding[count];
            this.counts = new Activity[count];
            for (int m = 0; m < count; m++) {
                from[m + 1] = state.batch * (m + 1) / count;
                LayerState own = new LayerState(state.type, from[m + 1] - from[m], state.hidden, null, null);
                members[m] = new Binding(whole.layer, own, state.gi);
                counts[m] = own.activity;
            }
            this.work = this::run;
        }

        void call(int rows, int[] batchSizes, int steps, boolean reverse, MemorySegment output, int outputStride,
                  int outputColumn) {
            this.rows = rows;
            this.batchSizes = batchSizes;
            this.steps = steps;
            this.reverse = reverse;
            this.output = output;
            this.outputStride = outputStride;
            this.outputColumn = outputColumn;
        }

        private void run(int member) {
            LayerState state = whole.state;
            LayerState own = members[member].state;
            int first = from[member], count = from[member + 1] - first, hidden = state.hidden;
            System.arraycopy(state.h, first * hidden, own.h, 0, count * hidden);
            if (state.c != null) {
                System.arraycopy(state.c, first * hidden, own.c, 0, count * hidden);
            }
            whole.layer.runSteps(members[member], rows, batchSizes, steps, reverse, output, outputStride, outputColumn,
                    first, count);
            System.arraycopy(own.h, 0, state.h, first * hidden, count * hidden);
            if (state.c != null) {
                System.arraycopy(own.c, 0, state.c, first * hidden, count * hidden);
            }
        }

        // On the caller, after the team: the members' activity counts join the whole state's.
        void finish() {
            output = null;
            batchSizes = null;
            whole.state.activity.absorb(counts);
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

    public CellType cellType() {
        return type;
    }

    /**
     * A copy of {@code W_ih}, {@code [G*H][I]}, as given (a restricted layer's dense equivalent).
     *
     * @throws UnsupportedOperationException for a ternary layer, which has no float weights: its
     *                                       weights are {@link #ternaryWeights()} (whose
     *                                       {@code TernaryMatrix.toFloat()} gives {@code alpha * t},
     *                                       without the layer's {@code lambda} and activation function)
     */
    public float[] weightIh() {
        return floatWeights(given.wIh(), true);
    }

    /** A copy of {@code W_hh}, {@code [G*H][H]}, as given; throws as {@link #weightIh()} does. */
    public float[] weightHh() {
        return floatWeights(given.wHh(), false);
    }

    private float[] floatWeights(MemorySegment weights, boolean inputSide) {
        requireOpen();
        if (given.restricted() != null) {
            return inputSide ? given.restricted().weightIh() : given.restricted().weightHh();
        }
        if (given.ternary() != null) {
            throw new UnsupportedOperationException("a ternary layer has no float weights: read ternaryWeights()");
        }
        if (given.integer() != null) {
            throw new UnsupportedOperationException("an integer layer has no float weights: read integerWeights()");
        }
        if (given.int8() != null) {
            throw new UnsupportedOperationException("an int8 layer has no float weights: read int8Weights() (its dequantize() gives them)");
        }
        return weights.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** The pool of a restricted layer ({@link #createRestricted}), or null for the other layers. */
    public RestrictedWeights restrictedWeights() {
        return given.restricted();
    }

    /**
     * The parameters of a ternary layer ({@link #createTernary}: its ternary matrices and scales, biases
     * as given, activations, {@code delta}, {@code lambda}), a new copy; null for the other layers.
     */
    public TernaryWeights ternaryWeights() {
        return given.ternary() == null ? null : given.ternary().get();
    }

    /** The parameters of an integer layer ({@link #createInteger}; immutable), or null for the other layers. */
    public IntegerWeights integerWeights() {
        return given.integer();
    }

    /** The parameters of an int8-weight layer ({@link #createInt8}; immutable), or null for the other layers. */
    public Int8Weights int8Weights() {
        return given.int8();
    }

    /** The multiplicative-integration parameters (copies), or null for the other cells. */
    public MiParameters miParameters() {
        MiParameters mi = given.mi();
        return mi == null ? null : new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
    }

    /** EGRU's thresholds {@code theta [H]} (a copy), or null for the other cells. */
    public float[] thresholds() {
        return LayerParts.copy(given.thresholds());
    }

    /** A copy of {@code b_ih} as given, or null for a layer without biases (and for an integer layer: see {@link #integerWeights()}). */
    public float[] biasIh() {
        return LayerParts.copy(given.bIh());
    }

    /** A copy of {@code b_hh} as given, or null for a layer without biases. */
    public float[] biasHh() {
        return LayerParts.copy(given.bHh());
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** Frees the off-heap weights; any later call throws. Must not race with a forward call on another thread. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
