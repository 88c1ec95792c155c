package org.rnnkernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.product.Activity;
import org.rnnkernels.product.Scratch;

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
    // call seen and is then reused, so a steady stream allocates no scratch. gh is the step's
    // recurrent product [B][G*H], which the gate pass then overwrites.
    final Scratch gi = new Scratch("the input projection (steps * batch * G * hidden floats)");
    final float[] gh;
    final MemorySegment ghSegment;
    // Threads sharing each step (null: the caller alone).
    final StepTeam team;
    // The nonzero recurrent inputs the layer's product read (EGRU; dense products count nothing).
    final Activity activity = new Activity();
    // The ModelState whose team this state shares, or null: held so that the model state stays reachable
    // while a layer state of it is, since the model state's Cleaner closes the team they share.
    private final ModelState owner;
    private boolean closed;
    // The heap segments of the caller's last input and output arrays (the float[] calls run the segment driver).
    final ArrayView inputView = new ArrayView();
    final ArrayView outputView = new ArrayView();
    // This state's side of the layer it runs through: the parts' scratch and the team's work, made by the layer.
    RecurrentLayer.Binding binding;
    // Inputs are the sparse outputs of an event-based layer below (set by the model state, before binding)
    boolean sparseInput;

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
    }

    /**
     * EGRU's measured activity: the fraction of nonzero outputs {@code y_{t-1}} that the recurrent
     * products of the steps run since the last {@link #resetActivity()} read (every step of every
     * sample, one unit each). The product's cost is proportional to it. NaN before any step, and
     * for the other cells (their products are dense).
     */
    public double activity() {
        return activity.fraction();
    }

    /** As {@link #activity()}, for the last step alone. */
    public double lastStepActivity() {
        return activity.lastStepFraction();
    }

    /** Starts a new {@link #activity()} count. */
    public LayerState resetActivity() {
        activity.reset();
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
    void reserveInputProjection(long floats) {
        gi.reserve(floats);
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
        if (owner == null) {
            closed = true;
            binding = null;      // nor the caller's last input array, which a projection may hold
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
