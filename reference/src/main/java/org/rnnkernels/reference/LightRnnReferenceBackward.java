package org.rnnkernels.reference;

import java.util.Objects;

/**
 * The gradient of LightRNN's loss (CELLS.md, "LightRNN") over a batch of {@code B} independent streams
 * of {@code T} words, in plain double precision:
 * <pre>
 * L = - sum_{t, b} log P(w_t^b)
 * log P(w_t) = log softmax(z_r)[row(w_t)] + log softmax(z_c)[col(w_t)],   z_r = Yr h^c_{t-1},  z_c = Yc h^r_t
 * h^r_t = cell(Xr[row(w_t)], h^c_{t-1})      h^c_t = cell(Xc[col(w_t)], h^r_t)
 * </pre>
 * with the softmaxes masked as {@link LightRnnReference} masks them (rows that hold a word; the cells of
 * the word's row that hold one). The shared cell runs {@code 2T} half-steps over the interleaved inputs
 * {@code Xr[row(w_0)], Xc[col(w_0)], Xr[row(w_1)], ...}; its BPTT is {@link ReferenceBackward}'s. The
 * output layer's derivatives, per word and stream, one line each:
 * <pre>
 * dL/dz_r = p_r - onehot(row)          dL/dYr += (p_r - onehot) h^c_{t-1}^T      dL/dh^c_{t-1} += Yr^T (p_r - onehot)
 * dL/dz_c = p_c - onehot(col)          dL/dYc += (p_c - onehot) h^r_t^T          dL/dh^r_t     += Yc^T (p_c - onehot)
 * </pre>
 * ({@code p} zero at masked entries), and the embedding rows take the input gradients of their half-steps:
 * {@code dL/dXr[row(w_t)] += dL/dx_{2t}}, {@code dL/dXc[col(w_t)] += dL/dx_{2t+1}}. Shares nothing with the
 * kernels. Immutable; every call allocates its own results.
 */
public final class LightRnnReferenceBackward {
    private final int rows;
    private final int columns;
    private final int[] rowOf;
    private final int[] colOf;
    private final boolean[][] occupied;   // [R][C]
    private final boolean[] rowUsed;      // [R]
    private final double[] xr;
    private final double[] xc;
    private final double[] yr;
    private final double[] yc;
    private final ReferenceCell cell;
    private final ReferenceBackward cellBackward;

    /** The arguments of {@link LightRnnReference}'s constructor, checked the same way (arrays copied). */
    public LightRnnReferenceBackward(int rows, int columns, int[] rowOf, int[] colOf,
                                     double[] xr, double[] xc, double[] yr, double[] yc, ReferenceCell cell) {
        // Its constructor checks the table and the shapes.
        new LightRnnReference(rows, columns, rowOf, colOf, xr, xc, yr, yc, cell);
        this.rows = rows;
        this.columns = columns;
        this.rowOf = rowOf.clone();
        this.colOf = colOf.clone();
        this.occupied = new boolean[rows][columns];
        this.rowUsed = new boolean[rows];
        for (int w = 0; w < rowOf.length; w++) {
            occupied[rowOf[w]][colOf[w]] = true;
            rowUsed[rowOf[w]] = true;
        }
        this.xr = xr.clone();
        this.xc = xc.clone();
        this.yr = yr.clone();
        this.yc = yc.clone();
        this.cell = Objects.requireNonNull(cell, "cell");
        this.cellBackward = new ReferenceBackward(cell);
    }

    /**
     * The loss and every gradient. {@code dXr [R*E]}, {@code dXc [C*E]}, {@code dYr [R*H]}, {@code dYc [C*H]}
     * row-major; {@code cell} the shared cell's parameter gradients (its {@code dX}, {@code dInitialH/C} are
     * those of the half-step sequence); {@code dH0, dC0 [B][H]} the gradient of the state entering the first
     * word ({@code dC0} null without a cell state); {@code dOutputs [2T][B][H]} the gradient the output layer
     * sends to each half-step output; {@code finalH, finalC [B][H]} the state after the last word.
     */
    public record Result(double loss, double[] dXr, double[] dXc, double[] dYr, double[] dYc,
                         ReferenceBackward.Gradients cell, double[][] dH0, double[][] dC0, double[][][] dOutputs,
                         double[][] finalH, double[][] finalC) {}

    /**
     * {@code L} by the inference forward of {@link LightRnnReference}, stream by stream (shares no code
     * with {@link #backward}): for finite differences.
     *
     * @param words {@code [T][B]} word ids
     * @param h0    {@code [B][H]}, null for zeros
     * @param c0    {@code [B][H]} for cells with a cell state (null for zeros), null otherwise
     */
    public double loss(int[][] words, double[][] h0, double[][] c0) {
        LightRnnReference model = new LightRnnReference(rows, columns, rowOf, colOf, xr, xc, yr, yc, cell);
        int batch = words[0].length;
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            LightRnnReference.State state = model.newState();
            if (h0 != null) System.arraycopy(h0[b], 0, state.h, 0, state.h.length);
            if (c0 != null) System.arraycopy(c0[b], 0, state.c, 0, state.c.length);
            for (int[] step : words) loss -= model.next(state, step[b]);
        }
        return loss;
    }

    /** {@code L} and its gradients ({@link Result}); arguments as {@link #loss}. */
    public Result backward(int[][] words, double[][] h0, double[][] c0) {
        final int T = words.length, B = words[0].length, E = cell.inputSize(), H = cell.hiddenSize();
        final boolean hasC = cell.type().hasCellState();
        for (int[] step : words) {
            if (step.length != B) throw new IllegalArgumentException("words must be [T][B]");
            for (int w : step) {
                if (w < 0 || w >= rowOf.length) throw new IllegalArgumentException("word " + w + " out of range");
            }
        }
        // Half-step 2t reads Xr[row(w_t)], half-step 2t+1 reads Xc[col(w_t)].
        double[][][] x = new double[2 * T][B][E];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                System.arraycopy(xr, rowOf[words[t][b]] * E, x[2 * t][b], 0, E);
                System.arraycopy(xc, colOf[words[t][b]] * E, x[2 * t + 1][b], 0, E);
            }
        }
        double[][] start = h0 == null ? new double[B][H] : h0;
        double[][] startC = hasC ? (c0 == null ? new double[B][H] : c0) : null;
        ReferenceBackward.Trace trace = cellBackward.forward(x, start, startC);
        double[][][] out = trace.outputs();               // out[2t] = h^r_t, out[2t+1] = h^c_t

        double loss = 0;
        double[] dYr = new double[rows * H];
        double[] dYc = new double[columns * H];
        double[][][] dOutputs = new double[2 * T][B][H];
        double[][] dH0Direct = new double[B][H];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int w = words[t][b];
                int row = rowOf[w], col = colOf[w];
                double[] hc = t == 0 ? start[b] : out[2 * t - 1][b];     // h^c_{t-1}
                double[] dHc = t == 0 ? dH0Direct[b] : dOutputs[2 * t - 1][b];
                loss += softmaxLayer(yr, rows, hc, rowUsed, row, dYr, dHc);
                loss += softmaxLayer(yc, columns, out[2 * t][b], occupied[row], col, dYc, dOutputs[2 * t][b]);
            }
        }
        ReferenceBackward.Gradients g = cellBackward.backward(trace, dOutputs, null, null);

        double[] dXr = new double[rows * E];
        double[] dXc = new double[columns * E];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int w = words[t][b];
                for (int i = 0; i < E; i++) {
                    dXr[rowOf[w] * E + i] += g.dX()[2 * t][b][i];
                    dXc[colOf[w] * E + i] += g.dX()[2 * t + 1][b][i];
                }
            }
        }
        double[][] dH0 = new double[B][H];
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < H; j++) dH0[b][j] = g.dInitialH()[b][j] + dH0Direct[b][j];
        }
        return new Result(loss, dXr, dXc, dYr, dYc, g, dH0, hasC ? g.dInitialC() : null, dOutputs,
                trace.finalH(), trace.finalC());
    }

    // One softmax layer z = Y h over the entries with use[k]: returns -log softmax(z)[target], adds
    // (p - onehot) h^T into dY and Y^T (p - onehot) into dh.
    private static double softmaxLayer(double[] y, int n, double[] h, boolean[] use, int target, double[] dY, double[] dh) {
        int H = h.length;
        double[] z = new double[n];
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < H; j++) z[k] += y[k * H + j] * h[j];
            if (use[k]) m = Math.max(m, z[k]);
        }
        double s = 0;
        for (int k = 0; k < n; k++) if (use[k]) s += Math.exp(z[k] - m);
        double lse = m + Math.log(s);
        for (int k = 0; k < n; k++) {
            double g = (use[k] ? Math.exp(z[k] - lse) : 0) - (k == target ? 1 : 0);   // dL/dz_k = p_k - [k == target]
            for (int j = 0; j < H; j++) {
                dY[k * H + j] += g * h[j];                                           // dL/dY += g h^T
                dh[j] += y[k * H + j] * g;                                           // dL/dh += Y^T g
            }
        }
        return lse - z[target];
    }
}
