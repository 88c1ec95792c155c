package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentState;
import org.rnnkernels.cell.TrainingTrace;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.internal.Slices;

/**
 * One stream (or batch of streams) through a {@link TrainingLayer}: the state {@code h [B][H]}
 * ({@code c [B][H]} for cells that have one), and the workspace in which a training forward keeps
 * what the backward needs, reused from call to call (it grows to the longest call seen, then a steady
 * stream allocates nothing).
 *
 * <p>Kept per call of {@link TrainingLayer#forward}, for {@code T} steps of {@code B} samples, rows
 * {@code r = t*B + b}:
 * <ul>
 *   <li>{@code x [T*B][I]}, a copy of the inputs (for {@code dW_ih = dGI^T X});</li>
 *   <li>{@code gi [T*B][G*H]}, the input projection {@code W_ih x} without bias (for MI's {@code Wx});</li>
 *   <li>{@code hs [(T+1)*B][H]}: {@code h_0 .. h_T}, so that rows {@code 0 .. T*B-1} are the
 *       {@code Hprev [T*B][H]} of {@code dW_hh = dGH^T Hprev}; {@code cs} likewise for cell states;</li>
 *   <li>{@code act [T*B][K*H]}: per cell, the activated gates or the pre-activations whose kinks the
 *       derivative tests (each cell's class in {@code org.rnnkernels.cell} lists them).</li>
 * </ul>
 * and the backward's {@code dGI, dGH [T*B][G*H]} (for MI cells also {@code dPre}, the gradient of each
 * pre-activation, which the biases and {@code alpha, beta1, beta2} take; for EGRU {@code dThetaRows
 * [T*B][H]}, each row's {@code dL/dtheta} term, and the support of the step whose {@code dL/dy} the
 * backward is computing: the units that fired or whose pseudo-derivative is nonzero).
 *
 * <p>EGRU: {@code h} is the sparse output {@code y} (the recurrent input) and {@code c} the internal state;
 * the sparse {@code dW_hh} keeps the nonzeros of {@code y} listed by unit and a {@code [H][G*H]} scratch
 * ({@code dWHhT}), made on first use.
 *
 * <p>The state carries across calls like a {@code LayerState}: a forward starts from {@code h}
 * ({@code c}) and leaves the final state there, so consecutive chunks of a stream are truncated BPTT
 * (each chunk's backward holds the state entering it constant). Belongs to one caller: not thread-safe.
 *
 * <p>A {@link RecurrentState} of one layer and one direction: {@link #close()} drops the workspace, and a
 * closed state refuses use. The state of a layer inside a {@link TrainingModel.State} or a
 * {@link TernaryTrainingState} is closed with it; closing it alone does nothing.
 */
public final class TrainingState implements RecurrentState {
    // The state this one is part of (closed with it), or null
    private RecurrentState owner;
    private boolean closed;
    final CellType type;
    final int batch;
    final int hidden;
    final int input;
    final int width;     // G*H
    final int cacheWidth; // K*H
    final float[] h;
    final float[] c;
    // Per step scratch: the recurrent product W_hh h (raw), the carried dL/dh and dL/dc, the next dL/dh.
    final float[] gh;
    final MemorySegment ghSegment;
    final float[] dh;
    final float[] dhNext;
    final MemorySegment dhNextSegment;
    final float[] dc;
    // One call's bias sum dGI^T 1 [G*H], beside the layer's accumulated gradients
    final float[] biasSum;
    final MemorySegment biasSumSegment;
    // Whether dGH is dGI, one array: cells whose pre-activations take the two products' sum and nothing
    // else of them (gi + gh + biases: RNN, LSTM, the RAG cells but RAG-GRU), so that dL/dgh = dL/dgi. Not
    // a cell with a split candidate (GRU's r (gh_n + b_hn)) or with multiplicative integration. The cell's
    // backward then writes the same values twice into one place, and the layer keeps one array of
    // [T*B][G*H] fewer and one bias sum fewer (db_hh's is db_ih's).
    final boolean sharedProductGradients;
    // Grown to the longest call (capacity in steps)
    int capacity;
    float[] x = new float[0];
    float[] gi = new float[0];
    float[] hs = new float[0];
    float[] cs;
    float[] act = new float[0];
    float[] dGi = new float[0];
    float[] dGh = new float[0];
    float[] dPre;
    float[] ones = new float[0];
    MemorySegment xSegment;
    MemorySegment giSegment;
    MemorySegment hsSegment;
    MemorySegment dGiSegment;
    MemorySegment dGhSegment;
    MemorySegment dPreSegment;
    MemorySegment onesSegment;
    // hs and dGh from step t's rows on (h_t at t*B*H, dL/dgh_t at t*B*G*H): the per-step BLAS products' operands,
    // sliced once per step index instead of by the binding in every call
    Slices hsSteps;
    Slices dGhSteps;
    float[] dThetaRows;                   // EGRU only
    MemorySegment dThetaRowsSegment;
    // EGRU: the units whose dL/dy the backward needs at one step: needed[b*H + j], and their union over
    // the batch, supportUnits[0 .. supportUnitCount-1], ascending
    final boolean[] needed;
    final int[] supportUnits;
    final int[] supportSamples;          // scratch: the samples that need one unit
    // EGRU: the nonzeros of Hprev = y_0 .. y_{T-1} by unit (rows of unit j: yRows[yStart[j] .. yStart[j+1]-1]),
    // and dW_hh^T [H][G*H] of one call; made on first use, grown to the largest seen
    int[] yStart;
    int[] yRows = new int[0];
    float[] dWHhT;
    // A narrow input's weight gradient (ThinInputProducts): dW_ih^T with db_ih after it [I+1][G*H]; made on first use
    float[] dWIhT;
    int supportUnitCount;
    // EGRU: what the last backward measured (NaN before any)
    double lastBackwardSupport = Double.NaN;
    long pseudoPairs;   // counted by the backward's support scans
    double lastPseudoDerivativeSupport = Double.NaN;
    // EGRU: what the last forward measured (NaN before any)
    double lastActivity = Double.NaN;
    double lastActivityLoss = Double.NaN;
    // Steps of the last forward, whose trace the workspace holds; 0 when there is none.
    int steps;
    // The arrays above that the cell's training pass reads and writes, as the cell package sees them
    final TrainingTrace trace;

    TrainingState(CellType type, int batch, int hidden, int input, int cacheBlocks) {
        this.type = type;
        this.batch = batch;
        this.hidden = hidden;
        this.input = input;
        this.width = type.gates() * hidden;
        this.cacheWidth = cacheBlocks * hidden;
        this.h = new float[Math.multiplyExact(batch, hidden)];
        this.c = type.hasCellState() ? new float[batch * hidden] : null;
        this.gh = new float[Math.multiplyExact(batch, width)];
        this.ghSegment = MemorySegment.ofArray(gh);
        this.dh = new float[batch * hidden];
        this.dhNext = new float[batch * hidden];
        this.dhNextSegment = MemorySegment.ofArray(dhNext);
        this.dc = new float[batch * hidden];
        this.biasSum = new float[width];
        this.biasSumSegment = MemorySegment.ofArray(biasSum);
        this.sharedProductGradients = !type.description().splitCandidate() && !type.multiplicative();
        boolean egru = type.eventBased();
        this.needed = egru ? new boolean[batch * hidden] : null;
        this.supportUnits = egru ? new int[hidden] : null;
        this.supportSamples = egru ? new int[batch] : null;
        this.trace = new TrainingTrace(batch, hidden, width, cacheWidth, gh, dh, dhNext, dc);
        reserve(1);
    }

    /** Makes room for {@code steps} steps; grows (never shrinks) the workspace. */
    void reserve(int steps) {
        if (steps <= capacity) {
            return;
        }
        long rows = (long) steps * batch;
        long largest = Math.max(rows * Math.max(width, Math.max(cacheWidth, input)), (rows + batch) * hidden);
        if (largest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("steps = " + steps + " with B=" + batch + ", G*H=" + width
                    + " does not fit the training workspace's Java arrays: train on shorter chunks");
        }
        int r = (int) rows;
        capacity = steps;
        x = new float[r * input];
        gi = new float[r * width];
        hs = new float[(r + batch) * hidden];
        cs = type.hasCellState() ? new float[(r + batch) * hidden] : null;
        act = new float[r * cacheWidth];
        dGi = new float[r * width];
        dGh = sharedProductGradients ? dGi : new float[r * width];
        dPre = type.multiplicative() ? new float[r * width] : null;
        dThetaRows = type.eventBased() ? new float[r * hidden] : null;
        dThetaRowsSegment = dThetaRows == null ? null : MemorySegment.ofArray(dThetaRows);
        ones = new float[r];
        Arrays.fill(ones, 1f);
        xSegment = MemorySegment.ofArray(x);
        giSegment = MemorySegment.ofArray(gi);
        hsSegment = MemorySegment.ofArray(hs);
        dGiSegment = MemorySegment.ofArray(dGi);
        dGhSegment = sharedProductGradients ? dGiSegment : MemorySegment.ofArray(dGh);
        dPreSegment = dPre == null ? null : MemorySegment.ofArray(dPre);
        onesSegment = MemorySegment.ofArray(ones);
        hsSteps = new Slices(hsSegment, (long) batch * hidden, steps + 1);
        dGhSteps = new Slices(dGhSegment, (long) batch * width, steps);
        trace.grown(gi, hs, cs, act, dGi, dGh, dPre, dThetaRows);
        this.steps = 0;
    }

    /** Makes this the state of a layer inside {@code whole}: closed with it, not alone. */
    void ownedBy(RecurrentState whole) {
        owner = whole;
    }

    /**
     * Drops the workspace (the trace of the last forward with it); afterwards the state refuses use.
     * Idempotent; does nothing for the state of a layer inside another state (close that one).
     */
    @Override
    public void close() {
        if (!isPart()) {
            release();
        }
    }

    // Whether this is the state of a layer inside another (closed with it, not alone).
    boolean isPart() {
        return owner != null;
    }

    // Closes this state whoever owns it: the owner's close.
    void release() {
        closed = true;
        steps = 0;
        capacity = 0;
        x = gi = hs = act = dGi = dGh = ones = new float[0];
        cs = dPre = dThetaRows = dWHhT = dWIhT = null;
        xSegment = giSegment = hsSegment = dGiSegment = dGhSegment = dPreSegment = onesSegment = dThetaRowsSegment = null;
        hsSteps = dGhSteps = null;
        yRows = new int[0];
        trace.grown(gi, hs, cs, act, dGi, dGh, dPre, dThetaRows);   // the cell's view lets go of the arrays too
    }

    @Override
    public boolean isClosed() {
        return closed || owner != null && owner.isClosed();
    }

    public CellType cellType() {
        return type;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public int numLayers() {
        return 1;
    }

    @Override
    public int directions() {
        return 1;
    }

    /** This state: it has one layer and one direction. */
    @Override
    public TrainingState layer(int layer, int direction) {
        Checks.layerDirection(layer, direction, 1, 1);
        return this;
    }

    @Override
    public int hiddenSize(int layer) {
        return layer(layer, 0).hidden;
    }

    @Override
    public boolean hasCellState(int layer) {
        return layer(layer, 0).c != null;
    }

    public int hiddenSize() {
        return hidden;
    }

    /** Steps of the last training forward, whose trace a backward would use; 0 when there is none. */
    public int tracedSteps() {
        return steps;
    }

    /**
     * EGRU: the fraction of units, over every step and sample of the last {@link TrainingLayer#backward} on
     * this state, whose {@code dL/dy} the backward needed: those that fired or whose pseudo-derivative
     * {@code gamma * max(0, 1 - s|c_pre - theta|)} is nonzero. For every other unit {@code dL/dy} goes
     * nowhere, so the backward skips its column of {@code W_hh} in the per-step state gradient; 1 minus
     * this is the backward sparsity. NaN before the first backward; throws for other cells.
     */
    public double lastBackwardSupport() {
        requireEgru();
        return lastBackwardSupport;
    }

    /**
     * EGRU: the part of {@link #lastBackwardSupport()} from the pseudo-derivative alone: the fraction of
     * units whose {@code gamma * max(0, 1 - s|c_pre - theta|)} is nonzero ({@code ReferenceBackward}'s
     * {@code pseudoDerivativeSupport}). NaN before the first backward; throws for other cells.
     */
    public double lastPseudoDerivativeSupport() {
        requireEgru();
        return lastPseudoDerivativeSupport;
    }

    /**
     * EGRU: the fraction of outputs {@code y} that fired over every step and sample of the last
     * {@link TrainingLayer#forward} on this state (the {@code a} of {@link ActivityRegularization}). NaN before
     * the first forward; throws for other cells.
     */
    public double lastActivity() {
        requireEgru();
        return lastActivity;
    }

    /**
     * EGRU: the activity regularisation's term {@code lambda (a - a*)^2} of the last forward (0 without one),
     * not part of what the caller's loss reports. NaN before the first forward; throws for other cells.
     */
    public double lastActivityLoss() {
        requireEgru();
        return lastActivityLoss;
    }

    private void requireEgru() {
        if (!type.eventBased()) {
            throw new UnsupportedOperationException(type + " has no event-based backward support: EGRU only");
        }
    }

    /** A copy of {@code h}, {@code [B][H]} flattened. */
    @Override
    public float[] hidden() {
        Checks.open(this);
        return h.clone();
    }

    /** A copy of {@code c}, {@code [B][H]}; throws for cells without a cell state. */
    @Override
    public float[] cell() {
        Checks.open(this);
        requireCellState();
        return c.clone();
    }

    /** Sets {@code h} from {@code [B][H]} flattened. Does not touch the trace of the last forward. */
    @Override
    public TrainingState setHidden(float[] values) {
        Checks.open(this);
        Checks.floats("hidden", values, "[B=%d][H=%d]", batch, hidden);
        System.arraycopy(values, 0, h, 0, h.length);
        return this;
    }

    /** Sets {@code c} from {@code [B][H]} flattened; throws for cells without a cell state. */
    @Override
    public TrainingState setCell(float[] values) {
        Checks.open(this);
        requireCellState();
        Checks.floats("cell", values, "[B=%d][H=%d]", batch, hidden);
        System.arraycopy(values, 0, c, 0, c.length);
        return this;
    }

    /** Back to the zero state (the start of a new stream). */
    @Override
    public TrainingState reset() {
        Checks.open(this);
        Arrays.fill(h, 0f);
        if (c != null) {
            Arrays.fill(c, 0f);
        }
        return this;
    }

    private void requireCellState() {
        if (c == null) {
            throw new UnsupportedOperationException(type + " has no cell state");
        }
    }
}
