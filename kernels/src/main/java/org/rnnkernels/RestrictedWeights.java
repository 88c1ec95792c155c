package org.rnnkernels;

import org.rnnkernels.internal.Checks;

/**
 * The parameters of a restricted, weight-shared layer (CELLS.md "RRNN"; Diao, Ding, Tarokh 2019):
 * one pool {@code P [d_r][k]}, {@code k = max(I, H)}, and optionally a bias pool {@code [d_r]}, from
 * which every gate block's matrices are sliced. Immutable (arrays are copied in and out), so it may
 * be shared by threads.
 *
 * <p>With sharing rate {@code r} in [0, 1], {@code s = round(r*H)} rows are shared by every block of
 * both inputs and {@code q = H - s} rows are private to each (input, gate block) pair. Pool rows:
 * <pre>
 *   [0, s)                     shared
 *   [s + j*q, s + (j+1)*q)     private to (x, block j), j = 0..G-1
 *   [s + (G+j)*q, ...)         private to (h, block j)
 * </pre>
 * so {@code d_r = s + 2*G*q}. Block {@code j}'s matrix of input {@code u} in {x, h} is
 * {@code [P[0:s, 0:k_u] ; P[private rows of (u, j), 0:k_u]]} with {@code k_x = I}, {@code k_h = H};
 * the biases are sliced by the same rows, so a shared row's bias is in both {@code b_ih} and
 * {@code b_hh}. {@code r = 0} is a plain cell; with {@code G > 1} and {@code r > 0} the shared rows
 * are multiplied once and reused by every block (see {@link RecurrentLayer#createRestricted}).
 *
 * <p>{@code s = round(r*H)} rounds half to even on the float32 product {@code (float) r * H}, as the
 * authors' {@code torch.round} does: {@code r = 0.5, H = 5} shares 2 rows, {@code H = 7} shares 4. (Before
 * that was settled the library rounded half up on the double product; its model files carry no {@code s}
 * and load with that rule, see {@code ModelFiles}; {@link #of(CellType, int, int, double, int, float[], float[])}
 * takes an {@code s} of any rounding.)
 * Every cell type except the multiplicative-integration ones and EGRU has a restricted form (RRNN, RGRU
 * and RLSTM are {@link CellType#RNN_TANH}, {@link CellType#GRU} and {@link CellType#LSTM}).
 */
public final class RestrictedWeights {
    private final CellType type;
    private final int inputSize;
    private final int hiddenSize;
    private final double rate;
    private final int shared;
    private final float[] pool;       // [d_r][k]
    private final float[] biasPool;   // [d_r], or null

    private RestrictedWeights(CellType type, int inputSize, int hiddenSize, double rate, int shared, float[] pool,
                              float[] biasPool) {
        this.type = type;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.rate = rate;
        this.shared = shared;
        this.pool = pool.clone();
        this.biasPool = biasPool == null ? null : biasPool.clone();
    }

    /**
     * Restricted weights from a pool, copied.
     *
     * @param rate     the sharing rate {@code r} in [0, 1]
     * @param pool     {@code [d_r][k]} row-major, {@code d_r = }{@link #poolRows(CellType, int, double)},
     *                 {@code k = max(I, H)}
     * @param biasPool {@code [d_r]}, or null for a layer without biases
     * @throws IllegalArgumentException for a null or multiplicative-integration type, sizes below 1, a rate
     *                                  that is NaN or outside [0, 1], or arrays of the wrong length
     */
    public static RestrictedWeights of(CellType type, int inputSize, int hiddenSize, double rate,
                                       float[] pool, float[] biasPool) {
        checkType(type);
        Checks.positive("hiddenSize", hiddenSize);
        return of(type, inputSize, hiddenSize, rate, sharedRows(rate, hiddenSize), pool, biasPool);
    }

    /**
     * As {@link #of(CellType, int, int, double, float[], float[])} with the number of shared rows {@code s}
     * given, not derived from the rate: for weights whose {@code s} was rounded otherwise (a model file of
     * an earlier version, another implementation's checkpoint).
     *
     * @param sharedRows {@code s} in {@code [0, H]}
     */
    public static RestrictedWeights of(CellType type, int inputSize, int hiddenSize, double rate, int sharedRows,
                                       float[] pool, float[] biasPool) {
        checkType(type);
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        checkRate(rate);
        if (sharedRows < 0 || sharedRows > hiddenSize) {
            throw new IllegalArgumentException("sharedRows = " + sharedRows + ", expected 0.." + hiddenSize + " (H)");
        }
        int rows = poolRowsFor(type, hiddenSize, sharedRows);
        int k = Math.max(inputSize, hiddenSize);
        Checks.floats("pool", pool, "[d_r=%d][k=%d]", rows, k);
        if (biasPool != null) {
            Checks.floats("biasPool", biasPool, "[d_r=%d]", rows);
        }
        return new RestrictedWeights(type, inputSize, hiddenSize, rate, sharedRows, pool, biasPool);
    }

    private static void checkType(CellType type) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        if (type.multiplicative()) {
            throw new IllegalArgumentException(type + " has no restricted form: its alpha/beta vectors are per row, not pooled");
        }
        if (type.eventBased()) {
            throw new IllegalArgumentException(type + " has no restricted form here: its sparse product reads whole"
                    + " columns of W_hh, which pooled rows would not shorten");
        }
    }

    private static void checkRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate = " + rate + ", expected a sharing rate in [0, 1]");
        }
    }

    /**
     * {@code s = round(r*H)}, half to even on the float32 product, as the authors' {@code torch.round}: of the
     * 5,376 pairs {@code H <= 256}, {@code r} in steps of 0.05, 233 are ties that rounding half up would put
     * one row higher.
     */
    public static int sharedRows(double rate, int hiddenSize) {
        checkRate(rate);
        return (int) Math.rint((float) rate * hiddenSize);
    }

    /** {@code d_r = s + 2*G*(H - s)}: how many rows the pool of such a layer has. */
    public static int poolRows(CellType type, int hiddenSize, double rate) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        return poolRowsFor(type, hiddenSize, sharedRows(rate, hiddenSize));
    }

    /** {@code d_r = s + 2*G*(H - s)} for {@code s} shared rows, {@code 0 <= s <= H}. */
    public static int poolRowsFor(CellType type, int hiddenSize, int sharedRows) {
        if (type == null) {
            throw new IllegalArgumentException("type is null");
        }
        if (sharedRows < 0 || sharedRows > hiddenSize) {
            throw new IllegalArgumentException("sharedRows = " + sharedRows + ", expected 0.." + hiddenSize + " (H)");
        }
        long rows = sharedRows + 2L * type.gates() * (hiddenSize - sharedRows);
        if (rows > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a pool of " + rows + " rows does not fit one Java array");
        }
        return (int) rows;
    }

    /** {@code k = max(I, H)}: the width of a pool row. */
    public static int poolColumns(int inputSize, int hiddenSize) {
        return Math.max(inputSize, hiddenSize);
    }

    public CellType cellType() {
        return type;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** The sharing rate {@code r} as given. */
    public double rate() {
        return rate;
    }

    /** {@code s = round(r*H)}: rows every gate block of both inputs shares. */
    public int sharedRows() {
        return shared;
    }

    /** {@code q = H - s}: rows private to each (input, gate block) pair. */
    public int privateRows() {
        return hiddenSize - shared;
    }

    /** {@code d_r}. */
    public int poolRows() {
        return shared + 2 * type.gates() * privateRows();
    }

    /** {@code k = max(I, H)}. */
    public int poolColumns() {
        return poolColumns(inputSize, hiddenSize);
    }

    /** A copy of the pool, {@code [d_r][k]}. */
    public float[] pool() {
        return pool.clone();
    }

    /** A copy of the bias pool, {@code [d_r]}, or null for a layer without biases. */
    public float[] biasPool() {
        return biasPool == null ? null : biasPool.clone();
    }

    /**
     * The number of parameters: CELLS.md's {@code (s + 2G(H - s)) * (k + 1)} (pool and bias pool);
     * without biases {@code d_r * k}. The dense layer with the same sizes has {@code G*H*(I + H + 2)}.
     */
    public long parameterCount() {
        return (long) poolRows() * (poolColumns() + (biasPool == null ? 0 : 1));
    }

    /** The dense equivalent {@code W_ih [G*H][I]}, for export and tests. */
    public float[] weightIh() {
        return dense(false);
    }

    /** The dense equivalent {@code W_hh [G*H][H]}. */
    public float[] weightHh() {
        return dense(true);
    }

    /** The dense equivalent {@code b_ih [G*H]}, or null without biases. */
    public float[] biasIh() {
        return denseBias(false);
    }

    /** The dense equivalent {@code b_hh [G*H]}, or null without biases. */
    public float[] biasHh() {
        return denseBias(true);
    }

    /** Pool row of unit {@code u} of block {@code j} of input h ({@code recurrent}) or x. */
    int poolRow(boolean recurrent, int block, int unit) {
        if (unit < shared) {
            return unit;
        }
        int q = privateRows();
        return shared + ((recurrent ? type.gates() : 0) + block) * q + (unit - shared);
    }

    private float[] dense(boolean recurrent) {
        int columns = recurrent ? hiddenSize : inputSize;
        int k = poolColumns();
        float[] w = new float[type.gates() * hiddenSize * columns];
        for (int j = 0; j < type.gates(); j++) {
            for (int u = 0; u < hiddenSize; u++) {
                System.arraycopy(pool, poolRow(recurrent, j, u) * k, w, (j * hiddenSize + u) * columns, columns);
            }
        }
        return w;
    }

    private float[] denseBias(boolean recurrent) {
        if (biasPool == null) {
            return null;
        }
        float[] b = new float[type.gates() * hiddenSize];
        for (int j = 0; j < type.gates(); j++) {
            for (int u = 0; u < hiddenSize; u++) {
                b[j * hiddenSize + u] = biasPool[poolRow(recurrent, j, u)];
            }
        }
        return b;
    }

    /**
     * The compact {@code W_x} {@code [s + G*q][I]}: the shared rows, then the x-private rows
     * (pool rows {@code 0 .. s+G*q-1}, their first {@code I} columns).
     */
    float[] compactIh() {
        return compact(0, inputSize);
    }

    /** The compact {@code W_h} {@code [s + G*q][H]}: the shared rows, then the h-private rows. */
    float[] compactHh() {
        return compact(type.gates() * privateRows(), hiddenSize);
    }

    // Rows [0, s) then [s + skip, s + skip + G*q) of the pool, columns [0, columns).
    private float[] compact(int skip, int columns) {
        int k = poolColumns();
        int rows = shared + type.gates() * privateRows();
        float[] w = new float[Math.multiplyExact(rows, columns)];
        for (int r = 0; r < rows; r++) {
            int source = r < shared ? r : r + skip;
            System.arraycopy(pool, source * k, w, r * columns, columns);
        }
        return w;
    }

    @Override
    public String toString() {
        return "RestrictedWeights[" + type + ", I=" + inputSize + ", H=" + hiddenSize + ", r=" + rate + ", s=" + shared
                + ", pool [" + poolRows() + "][" + poolColumns() + "]" + (biasPool == null ? ", no biases" : "") + "]";
    }
}
