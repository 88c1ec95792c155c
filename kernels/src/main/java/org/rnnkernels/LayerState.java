package org.rnnkernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.internal.Checks;

/**
 * The state of one stream (or one batch of streams) through a layer: {@code h [B][H]}, {@code c [B][H]}
 * for cells that have one, and the scratch space a forward call needs, reused from call to call.
 *
 * <p>A state belongs to the caller: several states may run through one shared
 * {@link RecurrentLayer} at once, on different threads; one state must not be used by two threads
 * at the same time. Create it with {@link RecurrentLayer#newState(int)}; it starts at zero.
 *
 * <p>A state made with {@link RecurrentLayer#newState(int, int)} and more than one thread owns
 * worker threads that share each step with the caller (see {@link RecurrentLayer}); close it to
 * stop them. They are daemon threads and park when idle, so a forgotten state costs no CPU, but
 * its threads live until it is closed. A state obtained from {@link ModelState#layer(int, int)}
 * shares its model state's threads, and closing it does nothing: close the model state.
 *
 * <p>A {@link RecurrentState} of one layer and one direction; once closed it refuses use (see there).
 */
public final class LayerState implements RecurrentState {
    final CellType type;
    final int batch;
    final int hidden;
    final float[] h;
    final float[] c;
    final MemorySegment hSegment;
    // Scratch: gi holds the input projection of a whole call [T*B][G*H]; it grows to the longest
    // call seen and is then reused, so a steady stream allocates no scratch.
    float[] gi = new float[0];
    MemorySegment giSegment = MemorySegment.ofArray(gi);
    final float[] gh;
    final MemorySegment ghSegment;
    // Threads sharing each step (null: the caller alone), and the step they run, reused.
    final StepTeam team;
    // EGRU only (else null): per sample b, the indices j with y[b, j] != 0 at active[b*H ..], in
    // increasing order, and how many (activeCount[b]); refreshed before each step.
    final int[] active;
    final int[] activeCount;
    // EGRU activity since the last reset: nonzero recurrent inputs y_{t-1}, and all of them
    private long activeInputs;
    private long inputs;
    private int lastActive;
    private int lastInputs;
    // The ModelState whose team this state shares, or null: held so that the model state stays reachable
    // while a layer state of it is, since the model state's Cleaner closes the team they share.
    private final ModelState owner;
    private boolean closed;
    final RecurrentLayer.SplitStep splitStep = new RecurrentLayer.SplitStep();
    final RecurrentLayer.SplitProjection splitProjection = new RecurrentLayer.SplitProjection();
    // Restricted hook: the compact products of restricted layers (RestrictedLayout), made on first use.
    RestrictedLayout.Scratch restrictedScratch;

    LayerState(CellType type, int batch, int hidden, int threads) {
        this(type, batch, hidden, threads > 1 ? new StepTeam(threads) : null, null);
    }

    /**
     * A state whose steps use {@code team}: its own when {@code owner} is null, else {@code owner}'s,
     * shared with the other layer states of that model state and not closed by this one.
     */
    LayerState(CellType type, int batch, int hidden, StepTeam team, ModelState owner) {
        this.type = type;
        this.batch = batch;
        this.hidden = hidden;
        this.h = new float[Math.multiplyExact(batch, hidden)];
        this.c = type.hasCellState() ? new float[batch * hidden] : null;
        this.hSegment = MemorySegment.ofArray(h);
        this.gh = new float[Math.multiplyExact(batch * hidden, type.gates())];
        this.ghSegment = MemorySegment.ofArray(gh);
        this.team = team;
        this.owner = owner;
        if (team != null && owner == null) {
            StepTeam.closeWhenUnreachable(this, team);
        }
        this.active = type.eventBased() ? new int[batch * hidden] : null;
        this.activeCount = type.eventBased() ? new int[batch] : null;
    }

    /**
     * EGRU: lists the nonzero {@code y_j} of samples {@code 0 .. rows-1} for the sparse product,
     * and counts them. Branch-free: at 10-90% activity a branch per unit would mispredict often.
     */
    void gatherActive(int rows) {
        int total = 0;
        for (int b = 0; b < rows; b++) {
            int row = b * hidden;
            int n = 0;
            for (int j = 0; j < hidden; j++) {
                active[row + n] = j;
                n += h[row + j] != 0f ? 1 : 0;
            }
            activeCount[b] = n;
            total += n;
        }
        lastActive = total;
        lastInputs = rows * hidden;
        activeInputs += total;
        inputs += (long) rows * hidden;
    }

    /**
     * EGRU's measured activity: the fraction of nonzero outputs {@code y_{t-1}} that the recurrent
     * products of the steps run since the last {@link #resetActivity()} read (every step of every
     * sample, one unit each). The product's cost is proportional to it. NaN before any step, and
     * for the other cells (their products are dense).
     */
    public double activity() {
        return inputs == 0 ? Double.NaN : (double) activeInputs / inputs;
    }

    /** As {@link #activity()}, for the last step alone. */
    public double lastStepActivity() {
        return lastInputs == 0 ? Double.NaN : (double) lastActive / lastInputs;
    }

    /** Starts a new {@link #activity()} count. */
    public LayerState resetActivity() {
        activeInputs = inputs = 0;
        lastActive = lastInputs = 0;
        return this;
    }

    // batchSizes of an unpacked call: every step has all B samples. Grows to the longest call.
    private int[] fullBatchSizes = new int[0];

    int[] fullBatchSizes(int steps) {
        if (fullBatchSizes.length < steps) {
            fullBatchSizes = new int[steps];
            Arrays.fill(fullBatchSizes, batch);
        }
        return fullBatchSizes;
    }

    /** A state's arrays must fit Java arrays: {@code B*G*H} floats for {@code gh}. */
    static void checkSize(CellType type, int batch, int hidden) {
        if ((long) batch * hidden * type.gates() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch " + batch + " x " + type.gates() + " x hidden " + hidden
                    + " floats of state do not fit one Java array");
        }
    }

    /** Makes sure the input-projection scratch holds {@code floats}; grows it only when too small. */
    // The caller's last input array and its segment: a stream that passes the same buffer on every
    // step wraps it once, so a warmed-up step allocates nothing. The state keeps that one array
    // reachable until another one is passed or the state is closed.
    private float[] lastInput;
    private MemorySegment lastInputSegment;

    /** {@code input} as a heap segment, wrapped only when it is not the array of the previous call. */
    MemorySegment inputSegment(float[] input) {
        if (input != lastInput) {
            lastInputSegment = MemorySegment.ofArray(input);
            lastInput = input;
        }
        return lastInputSegment;
    }

    void reserveInputProjection(long floats) {
        if (gi.length < floats) {
            if (floats > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("steps * batch * " + type.gates() + " * hidden = " + floats
                        + " floats does not fit one Java array: run the sequence in shorter chunks");
            }
            gi = new float[(int) floats];
            giSegment = MemorySegment.ofArray(gi);
        }
    }

    public CellType cellType() {
        return type;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    public int hiddenSize() {
        return hidden;
    }

    /** How many threads share each step of this state's forward calls (the caller included). */
    public int threads() {
        return team == null ? 1 : team.size();
    }

    /**
     * Stops this state's step threads, if it has any; afterwards the state refuses use. Idempotent. A state
     * of a {@link ModelState} is closed with it; closing it alone does nothing.
     */
    @Override
    public void close() {
        lastInput = null;
        lastInputSegment = null;
        if (owner == null) {
            closed = true;
            if (team != null) {
                team.close();
            }
        }
    }

    @Override
    public boolean isClosed() {
        return owner == null ? closed : owner.isClosed();
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
    public LayerState layer(int layer, int direction) {
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

    /** A copy of {@code h}, {@code [B][H]} flattened (for EGRU the sparse output {@code y}). */
    @Override
    public float[] hidden() {
        Checks.open(this);
        return h.clone();
    }

    /** A copy of {@code c}, {@code [B][H]} flattened; throws for cells without a cell state. */
    @Override
    public float[] cell() {
        Checks.open(this);
        requireCellState();
        return c.clone();
    }

    /** Copies {@code h}, {@code [B][H]} flattened, into {@code into[offset ...]}: {@link #hidden()} without allocating. */
    public void copyHidden(float[] into, int offset) {
        Checks.open(this);
        checkRoom("into", into, offset);
        System.arraycopy(h, 0, into, offset, h.length);
    }

    /** Copies {@code c} into {@code into[offset ...]} without allocating; throws for cells without a cell state. */
    public void copyCell(float[] into, int offset) {
        Checks.open(this);
        requireCellState();
        checkRoom("into", into, offset);
        System.arraycopy(c, 0, into, offset, c.length);
    }

    private void checkRoom(String name, float[] into, int offset) {
        if (into == null || offset < 0 || (long) offset + h.length > into.length) {
            throw new IllegalArgumentException(name + (into == null ? " is null" : " has " + into.length + " floats")
                    + ", expected room for [" + batch + "][" + hidden + "] = " + h.length + " floats at offset " + offset);
        }
    }

    /** Sets {@code h} from {@code [B][H]} flattened. */
    @Override
    public LayerState setHidden(float[] values) {
        Checks.open(this);
        Checks.floats("hidden", values, "[%d][%d]", batch, hidden);
        System.arraycopy(values, 0, h, 0, h.length);
        return this;
    }

    /** Sets {@code c} from {@code [B][H]} flattened; throws for cells without a cell state. */
    @Override
    public LayerState setCell(float[] values) {
        Checks.open(this);
        requireCellState();
        Checks.floats("cell", values, "[%d][%d]", batch, hidden);
        System.arraycopy(values, 0, c, 0, c.length);
        return this;
    }

    /** Back to the zero state. */
    @Override
    public LayerState reset() {
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
