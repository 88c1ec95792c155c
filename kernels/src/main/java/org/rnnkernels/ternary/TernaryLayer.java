package org.rnnkernels.ternary;

import org.rnnkernels.CellType;
import org.rnnkernels.internal.Checks;

/**
 * One HitNet ternary LSTM or GRU layer (one direction; CELLS.md "HitNet"), gate blocks in PyTorch
 * order (LSTM {@code i, f, g, o}; GRU {@code r, z, n}). The cell equations are those of the
 * float LSTM and GRU with
 * <pre>
 *   gi = alpha_ih,k * (T_ih · a(x)) + b_ih        gh = alpha_hh,k * (T_hh · a(h)) + b_hh
 * </pre>
 * per gate block {@code k}, and gates {@code sigm(lambda * a)}, {@code tanh(lambda * a)} (the LSTM's
 * {@code h' = o * tanh(c')} keeps the plain tanh: {@code c'} is not a gate). The activation
 * function {@code a} is
 * <ul>
 *   <li>{@link Activations#TERNARY}: {@code a(v) = sign(v) * [|v| > delta]}, and the products are
 *       exact integer popcount dots (ternary x ternary);</li>
 *   <li>{@link Activations#FLOAT}: the identity, and the products add and subtract the float
 *       activations (ternary x float).</li>
 * </ul>
 * {@code lambda} is folded into the stored scales and biases ({@code lambda * alpha_k},
 * {@code lambda * b}): every gate input is linear in {@code gi} and {@code gh}, so the gate pass is
 * the plain one, with rounding differences only.
 *
 * <p>Per step and sample: ternarise (or pad) {@code x_t} and {@code h}, the {@code G} row blocks of
 * both products, then the gate pass, {@code h} and {@code c} updated in place in the state. Nothing is
 * allocated per step. An input NaN becomes 0 in {@code TERNARY} mode (no threshold passes it).
 *
 * <p>Immutable and thread-safe; each thread brings its own {@link TernaryState}.
 */
public final class TernaryLayer {
    /** How activations enter the matrix products. */
    public enum Activations {
        /** Ternarised by a threshold: ternary x ternary products, exact in int. */
        TERNARY,
        /** As they are: ternary x float products (adds and subtracts). */
        FLOAT
    }

    /** Default activation threshold {@code delta}. */
    public static final float DEFAULT_DELTA = 0.5f;
    /** Default sloping factor {@code lambda}. */
    public static final float DEFAULT_LAMBDA = 1f;

    private final CellType type;
    private final Activations activations;
    private final int inputSize;
    private final int hiddenSize;
    private final TernaryMatrix wIh;
    private final TernaryMatrix wHh;
    private final float[] bIh;       // as given (zeros for a layer without biases)
    private final float[] bHh;
    private final float[] scaledBIh; // lambda * b
    private final float[] scaledBHh;
    private final float[] scaledAIh; // lambda * alpha_k, per scale block
    private final float[] scaledAHh;
    private final float delta;
    private final float lambda;
    private final TernaryKernels kernels;
    private final TernaryGates gates;

    private TernaryLayer(CellType type, Activations activations, TernaryMatrix wIh, TernaryMatrix wHh,
                         float[] bIh, float[] bHh, float delta, float lambda) {
        this.type = type;
        this.activations = activations;
        this.inputSize = wIh.cols();
        this.hiddenSize = wHh.cols();
        this.wIh = wIh;
        this.wHh = wHh;
        int rows = wIh.rows();
        this.bIh = bIh == null ? new float[rows] : bIh.clone();
        this.bHh = bHh == null ? new float[rows] : bHh.clone();
        this.scaledBIh = scaled(this.bIh, lambda);
        this.scaledBHh = scaled(this.bHh, lambda);
        this.scaledAIh = scaled(wIh.scales(), lambda);
        this.scaledAHh = scaled(wHh.scales(), lambda);
        this.delta = delta;
        this.lambda = lambda;
        this.kernels = TernaryKernels.get();
        this.gates = TernaryGates.get();
    }

    /**
     * A layer from float PyTorch-layout weights, ternarised with {@link Ternarizer#standard()},
     * {@code delta = 0.5}, {@code lambda = 1}.
     *
     * @param wIh {@code [G*H][I]} row-major; {@code wHh [G*H][H]}; {@code bIh}, {@code bHh} {@code [G*H]} or both null
     */
    public static TernaryLayer create(CellType type, Activations activations, int inputSize, int hiddenSize,
                                      float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        return create(type, activations, inputSize, hiddenSize, wIh, wHh, bIh, bHh,
                Ternarizer.standard(), DEFAULT_DELTA, DEFAULT_LAMBDA);
    }

    /**
     * As {@link #create(CellType, Activations, int, int, float[], float[], float[], float[])}, with a
     * chosen ternarizer, activation threshold {@code delta} (finite, {@code > 0}) and sloping factor
     * {@code lambda} (finite, {@code > 0}).
     */
    public static TernaryLayer create(CellType type, Activations activations, int inputSize, int hiddenSize,
                                      float[] wIh, float[] wHh, float[] bIh, float[] bHh,
                                      Ternarizer ternarizer, float delta, float lambda) {
        int gates = checkType(type);
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        if (ternarizer == null) {
            throw new IllegalArgumentException("ternarizer is null");
        }
        long rows = (long) gates * hiddenSize;
        Checks.floats("wIh", wIh, "[%d][%d]", rows, inputSize);
        Checks.floats("wHh", wHh, "[%d][%d]", rows, hiddenSize);
        checkCommon(activations, rows, bIh, bHh, delta, lambda);
        return new TernaryLayer(type, activations,
                ternarizer.ternarize(wIh, (int) rows, inputSize, gates),
                ternarizer.ternarize(wHh, (int) rows, hiddenSize, gates), bIh, bHh, delta, lambda);
    }

    /**
     * A layer from ternary matrices: {@code wIh [G*H][I]}, {@code wHh [G*H][H]}, each with one scale
     * (per matrix) or {@code G} (per gate block); {@code I} and {@code H} are read from them.
     */
    public static TernaryLayer create(CellType type, Activations activations, TernaryMatrix wIh, TernaryMatrix wHh,
                                      float[] bIh, float[] bHh, float delta, float lambda) {
        int gates = checkType(type);
        if (wIh == null || wHh == null) {
            throw new IllegalArgumentException((wIh == null ? "wIh" : "wHh") + " is null");
        }
        int hidden = wHh.cols();
        long rows = (long) gates * hidden;
        if (wHh.rows() != rows) {
            throw new IllegalArgumentException("wHh is [" + wHh.rows() + "][" + hidden + "], expected [G*H = "
                    + rows + "][H = " + hidden + "] for " + type);
        }
        if (wIh.rows() != rows) {
            throw new IllegalArgumentException("wIh is [" + wIh.rows() + "][" + wIh.cols() + "], expected [G*H = "
                    + rows + "][I] for " + type + " with H = " + hidden);
        }
        for (TernaryMatrix m : new TernaryMatrix[] {wIh, wHh}) {
            if (m.blocks() != 1 && m.blocks() != gates) {
                throw new IllegalArgumentException((m == wIh ? "wIh" : "wHh") + " has " + m.blocks()
                        + " scales, expected 1 (per matrix) or " + gates + " (per gate block)");
            }
        }
        checkCommon(activations, rows, bIh, bHh, delta, lambda);
        return new TernaryLayer(type, activations, wIh, wHh, bIh, bHh, delta, lambda);
    }

    private static int checkType(CellType type) {
        if (type != CellType.LSTM && type != CellType.GRU) {
            throw new IllegalArgumentException("type = " + type + ", expected LSTM or GRU");
        }
        return type.gates();
    }

    private static void checkCommon(Activations activations, long rows, float[] bIh, float[] bHh, float delta, float lambda) {
        if (activations == null) {
            throw new IllegalArgumentException("activations is null, expected TERNARY or FLOAT");
        }
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException("bIh and bHh must both be given or both be null, got "
                    + (bIh == null ? "bIh null" : "bHh null"));
        }
        if (bIh != null) {
            Checks.floats("bIh", bIh, "[%d]", rows);
            Checks.floats("bHh", bHh, "[%d]", rows);
        }
        if (!(delta > 0) || Float.isInfinite(delta)) {
            throw new IllegalArgumentException("delta = " + delta + ", expected finite and > 0 (activation threshold)");
        }
        if (!(lambda > 0) || Float.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda = " + lambda + ", expected finite and > 0 (sloping factor)");
        }
    }

    /** A zero state for {@code batch} parallel streams, with its own scratch. */
    public TernaryState newState(int batch) {
        Checks.positive("batch", batch);
        return new TernaryState(type, activations, batch, inputSize, hiddenSize);
    }

    /**
     * Runs {@code steps} time steps; {@code state} holds the initial state on entry and the final one on return.
     *
     * @param input  {@code [T][B][I]} time-major, flattened
     * @param output {@code [T][B][H]} time-major, flattened; written, never read
     */
    public void forward(float[] input, int steps, TernaryState state, float[] output) {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (state.type != type || state.hidden != hiddenSize || state.input != inputSize || state.activations != activations) {
            throw new IllegalArgumentException("state is a " + state.type + " " + state.activations + " state of [B="
                    + state.batch + "][H=" + state.hidden + "] for I=" + state.input + ", expected " + type + " "
                    + activations + " with I=" + inputSize + ", H=" + hiddenSize);
        }
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
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                stepSample(input, row * inputSize, state, b);
                System.arraycopy(state.h, b * hiddenSize, output, row * hiddenSize, hiddenSize);
            }
        }
    }

    /** One time step: exactly {@code forward(input, 1, state, output)}; {@code input [B][I]}, {@code output [B][H]}. */
    public void step(float[] input, TernaryState state, float[] output) {
        forward(input, 1, state, output);
    }

    // gi = lambda*alpha_ih,k * (T_ih · a(x)) + lambda*b_ih ; gh likewise from h ; then the gate pass on sample b
    private void stepSample(float[] input, int inputOffset, TernaryState s, int b) {
        int ho = b * hiddenSize;
        if (activations == Activations.TERNARY) {
            TernaryKernels.ternarize(input, inputOffset, inputSize, delta, s.xPlanes, wIh.wordsPerRow());
            TernaryKernels.ternarize(s.h, ho, hiddenSize, delta, s.hPlanes, wHh.wordsPerRow());
            ternaryProduct(wIh, scaledAIh, s.xPlanes, scaledBIh, s.gi);
            ternaryProduct(wHh, scaledAHh, s.hPlanes, scaledBHh, s.gh);
        } else {
            System.arraycopy(input, inputOffset, s.xPadded, 0, inputSize);
            System.arraycopy(s.h, ho, s.hPadded, 0, hiddenSize);
            floatProduct(wIh, scaledAIh, s.xPadded, scaledBIh, s.gi);
            floatProduct(wHh, scaledAHh, s.hPadded, scaledBHh, s.gh);
        }
        if (type == CellType.GRU) {
            gates.gru(hiddenSize, s.gi, s.gh, s.h, ho);
        } else {
            gates.lstm(hiddenSize, s.gi, s.gh, s.h, ho, s.c, ho);
        }
    }

    private void ternaryProduct(TernaryMatrix w, float[] scales, long[] planes, float[] bias, float[] out) {
        int blockRows = w.rowsPerBlock();
        for (int k = 0; k < scales.length; k++) {
            kernels.multiplyTernary(w, k * blockRows, (k + 1) * blockRows, scales[k], planes, bias, out, k * blockRows);
        }
    }

    private void floatProduct(TernaryMatrix w, float[] scales, float[] x, float[] bias, float[] out) {
        int blockRows = w.rowsPerBlock();
        for (int k = 0; k < scales.length; k++) {
            kernels.multiplyFloat(w, k * blockRows, (k + 1) * blockRows, scales[k], x, bias, out, k * blockRows);
        }
    }

    private static float[] scaled(float[] values, float lambda) {
        float[] scaled = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = lambda * values[i];
        }
        return scaled;
    }

    public CellType cellType() {
        return type;
    }

    public Activations activations() {
        return activations;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** The activation threshold of {@link Activations#TERNARY} mode. */
    public float delta() {
        return delta;
    }

    /** The sloping factor of the gates. */
    public float lambda() {
        return lambda;
    }

    /** {@code T_ih} with its scales (immutable, shared). */
    public TernaryMatrix weightIh() {
        return wIh;
    }

    /** {@code T_hh} with its scales (immutable, shared). */
    public TernaryMatrix weightHh() {
        return wHh;
    }

    /** A copy of {@code b_ih} as given (zeros for a layer made without biases). */
    public float[] biasIh() {
        return bIh.clone();
    }

    /** A copy of {@code b_hh} as given (zeros for a layer made without biases). */
    public float[] biasHh() {
        return bHh.clone();
    }

    /** Bytes of the two ternary matrices (biases excluded). */
    public long weightBytes() {
        return wIh.bytes() + wHh.bytes();
    }
}
