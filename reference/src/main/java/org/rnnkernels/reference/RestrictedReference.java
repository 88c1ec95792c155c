package org.rnnkernels.reference;

import java.util.Objects;

/**
 * Restricted, weight-shared cells (CELLS.md "RRNN", Diao, Ding, Tarokh 2019), in double precision:
 * the block matrices are built literally from the parameter pool and fed to a plain
 * {@link ReferenceCell}, so RRNN, RGRU and RLSTM are the Elman, GRU and LSTM equations with
 * restricted matrices. Shares nothing with the kernels.
 *
 * <p>Pool {@code P [d_r, k]}, {@code k = max(I, H)}, sharing rate {@code r} in [0, 1]:
 * {@code s = round(r*H)} shared rows, {@code q = H - s} private rows per (input, gate block) pair,
 * rows ordered shared, then the private blocks of input {@code x} (blocks {@code 0..G-1}), then
 * those of {@code h}; {@code d_r = s + 2*G*q}. The matrix of input {@code u} in {x, h} for block
 * {@code j} is {@code [P[0:s, 0:k_u] ; P[private rows of (u, j), 0:k_u]]} with {@code k_x = I},
 * {@code k_h = H}; the bias pool {@code [d_r]} is sliced by the same rows.
 */
public final class RestrictedReference {
    private RestrictedReference() {}

    /**
     * {@code s = round(r*H)} as the authors' {@code torch.round} on float32: the float32 product, its exact
     * decimal value rounded half to even. r = 0.5 shares 2 rows at H = 5 and 4 at H = 7.
     */
    public static int sharedRows(double rate, int hiddenSize) {
        checkRate(rate);
        float product = (float) rate * (float) hiddenSize;
        return new java.math.BigDecimal(product).setScale(0, java.math.RoundingMode.HALF_EVEN).intValueExact();
    }

    /** {@code d_r = s + 2*G*(H - s)}: the shared rows, then one private block per (input, gate block). */
    public static int poolRows(RefCellType type, int hiddenSize, double rate) {
        int s = sharedRows(rate, hiddenSize);
        return s + 2 * type.gates * (hiddenSize - s);
    }

    /** CELLS.md: {@code (s + 2G(H - s)) * (k + 1)}, the pool and the bias pool. */
    public static long parameterCount(RefCellType type, int inputSize, int hiddenSize, double rate) {
        int s = sharedRows(rate, hiddenSize);
        long k = Math.max(inputSize, hiddenSize);
        return (s + 2L * type.gates * (hiddenSize - s)) * (k + 1);
    }

    /**
     * The cell whose {@code W_ih, W_hh, b_ih, b_hh} are the restricted matrices of the pool.
     *
     * @param pool     {@code [d_r][k]} row-major
     * @param biasPool {@code [d_r]}, or null for a cell without biases (zero biases)
     */
    public static ReferenceCell cell(RefCellType type, int inputSize, int hiddenSize, double rate,
                                     double[] pool, double[] biasPool) {
        Objects.requireNonNull(type, "type");
        if (type.multiplicative()) throw new IllegalArgumentException(type + " has no restricted form here");
        if (inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("inputSize and hiddenSize must be >= 1, got " + inputSize + ", " + hiddenSize);
        }
        final int I = inputSize, H = hiddenSize, G = type.gates;
        final int k = Math.max(I, H);
        final int s = sharedRows(rate, H);
        final int q = H - s;
        final int dr = s + 2 * G * q;
        Objects.requireNonNull(pool, "pool");
        if (pool.length != (long) dr * k) {
            throw new IllegalArgumentException("pool has length " + pool.length + ", expected [" + dr + "][" + k + "]");
        }
        if (biasPool != null && biasPool.length != dr) {
            throw new IllegalArgumentException("biasPool has length " + biasPool.length + ", expected [" + dr + "]");
        }
        double[] wIh = new double[G * H * I];
        double[] wHh = new double[G * H * H];
        double[] bIh = new double[G * H];
        double[] bHh = new double[G * H];
        for (int j = 0; j < G; j++) {
            for (int u = 0; u < H; u++) {
                // unit u of block j: a shared row, or row u - s of the private block of (x, j) / (h, j)
                int xRow = u < s ? u : s + j * q + (u - s);
                int hRow = u < s ? u : s + G * q + j * q + (u - s);
                int row = j * H + u;
                for (int col = 0; col < I; col++) wIh[row * I + col] = pool[xRow * k + col];   // P[xRow, 0:I]
                for (int col = 0; col < H; col++) wHh[row * H + col] = pool[hRow * k + col];   // P[hRow, 0:H]
                bIh[row] = biasPool == null ? 0 : biasPool[xRow];
                bHh[row] = biasPool == null ? 0 : biasPool[hRow];
            }
        }
        return new ReferenceCell(type, I, H, wIh, wHh, bIh, bHh);
    }

    /**
     * The gradients of the pool and the bias pool, given those of the dense matrices the pool expands to
     * ({@link #cell}): {@code P[row, col]} appears in every dense entry sliced from it, so its gradient is
     * the sum of theirs (chain rule through a copy). A shared row gets the sum over all {@code G} blocks
     * of both inputs ({@code x}: columns {@code 0:I}, {@code h}: columns {@code 0:H}); a private row the
     * entries of its one (input, block) pair; pool columns a row's input does not reach get nothing.
     *
     * @param dWIh {@code [G*H][I]}, {@code dWHh [G*H][H]}, {@code dBIh, dBHh [G*H]}: e.g. a
     *             {@link ReferenceBackward.Gradients}' of the restricted cell
     * @return {@code {dPool [d_r*k], dBiasPool [d_r]}}
     */
    public static double[][] poolGradients(RefCellType type, int inputSize, int hiddenSize, double rate,
                                           double[] dWIh, double[] dWHh, double[] dBIh, double[] dBHh) {
        Objects.requireNonNull(type, "type");
        final int I = inputSize, H = hiddenSize, G = type.gates;
        final int k = Math.max(I, H);
        final int s = sharedRows(rate, H);
        final int q = H - s;
        final int dr = s + 2 * G * q;
        for (Object[] a : new Object[][] {{"dWIh", dWIh, G * H * I}, {"dWHh", dWHh, G * H * H}, {"dBIh", dBIh, G * H},
                {"dBHh", dBHh, G * H}}) {
            double[] values = (double[]) a[1];
            if (values == null || values.length != (int) a[2]) {
                throw new IllegalArgumentException(a[0] + " must have length " + a[2]);
            }
        }
        double[] dPool = new double[dr * k];
        double[] dBiasPool = new double[dr];
        for (int j = 0; j < G; j++) {
            for (int u = 0; u < H; u++) {
                // the same rows as cell(): unit u of block j reads pool row xRow (input x) and hRow (input h)
                int xRow = u < s ? u : s + j * q + (u - s);
                int hRow = u < s ? u : s + G * q + j * q + (u - s);
                int row = j * H + u;
                for (int col = 0; col < I; col++) dPool[xRow * k + col] += dWIh[row * I + col];   // W_ih[row, col] = P[xRow, col]
                for (int col = 0; col < H; col++) dPool[hRow * k + col] += dWHh[row * H + col];   // W_hh[row, col] = P[hRow, col]
                dBiasPool[xRow] += dBIh[row];                                                       // b_ih[row] = bP[xRow]
                dBiasPool[hRow] += dBHh[row];                                                       // b_hh[row] = bP[hRow]
            }
        }
        return new double[][] {dPool, dBiasPool};
    }

    private static void checkRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate = " + rate + ", expected a sharing rate in [0, 1]");
        }
    }
}
