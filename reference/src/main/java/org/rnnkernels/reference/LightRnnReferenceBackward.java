package org.rnnkernels.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The gradient of LightRNN's loss (CELLS.md, "LightRNN") over a batch of {@code B} independent streams
 * of {@code T} words, in plain double precision:
 * <pre>
 * L = - sum_{t, b} log P(w_t^b)
 * log P(w_t) = log softmax(z_r)[row(w_t)] + log softmax(z_c)[col(w_t)],   z_r = Yr h^c_{t-1},  z_c = Yc h^r_t
 * h^r_t = stack(Xr[row(w_t)], h^c_{t-1})      h^c_t = stack(Xc[col(w_t)], h^r_t)
 * </pre>
 * with the softmaxes masked as {@link LightRnnReference} masks them (rows that hold a word; the cells of
 * the word's row that hold one), and {@code h^r}, {@code h^c} the top layer's outputs. The shared stack runs
 * {@code 2T} half-steps over the interleaved inputs {@code Xr[row(w_0)], Xc[col(w_0)], Xr[row(w_1)], ...}:
 * layer 0 reads them, layer {@code k} reads the outputs of layer {@code k-1}; each layer's BPTT is
 * {@link ReferenceBackward}'s, from the top down, layer {@code k}'s input gradient being layer {@code k-1}'s
 * output gradient. The output layer's derivatives, per word and stream, one line each:
 * <pre>
 * dL/dz_r = p_r - onehot(row)          dL/dYr += (p_r - onehot) h^c_{t-1}^T      dL/dh^c_{t-1} += Yr^T (p_r - onehot)
 * dL/dz_c = p_c - onehot(col)          dL/dYc += (p_c - onehot) h^r_t^T          dL/dh^r_t     += Yc^T (p_c - onehot)
 * </pre>
 * ({@code p} zero at masked entries), and the embedding rows take layer 0's input gradients of their
 * half-steps: {@code dL/dXr[row(w_t)] += dL/dx_{2t}}, {@code dL/dXc[col(w_t)] += dL/dx_{2t+1}}. Shares nothing
 * with the kernels. Immutable; every call allocates its own results.
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
    private final List<ReferenceCell> stack;
    private final List<ReferenceBackward> backwards;

    /** One shared cell: the stack {@code List.of(cell)}. */
    public LightRnnReferenceBackward(int rows, int columns, int[] rowOf, int[] colOf,
                                     double[] xr, double[] xc, double[] yr, double[] yc, ReferenceCell cell) {
        this(rows, columns, rowOf, colOf, xr, xc, yr, yc, List.of(Objects.requireNonNull(cell, "cell")));
    }

    /**
     * The arguments of {@link LightRnnReference}'s constructor, checked the same way (arrays copied); an
     * EGRU layer is differentiated with {@link ReferenceBackward}'s default pseudo-derivative.
     */
    public LightRnnReferenceBackward(int rows, int columns, int[] rowOf, int[] colOf,
                                     double[] xr, double[] xc, double[] yr, double[] yc, List<ReferenceCell> stack) {
        // Its constructor checks the table, the stack and the shapes.
        new LightRnnReference(rows, columns, rowOf, colOf, xr, xc, yr, yc, stack);
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
        this.stack = List.copyOf(stack);
        List<ReferenceBackward> list = new ArrayList<>();
        for (ReferenceCell cell : stack) list.add(new ReferenceBackward(cell));
        this.backwards = List.copyOf(list);
    }

    /**
     * The loss and every gradient. {@code dXr [R*E]}, {@code dXc [C*E]}, {@code dYr [R*H]}, {@code dYc [C*H]}
     * row-major; {@code layers} every layer's parameter gradients, layer 0 first (their {@code dX},
     * {@code dInitialH/C} are those of the half-step sequence); {@code dH0 [L][B][H]}, {@code dC0 [L][B][H]} the
     * gradient of every layer's state entering the first word ({@code dC0[k]} null for a layer without a cell
     * state); {@code dOutputs [2T][B][H]} the gradient the output layer sends to each half-step output of the
     * top layer; {@code finalH, finalC [L][B][H]} every layer's state after the last word ({@code finalC[k]}
     * null without a cell state); {@code nearestKink} the least of the layers' {@link ReferenceBackward.Trace#nearestKink()},
     * {@code nearestMiss} of their {@link ReferenceBackward.Trace#nearestMiss()}.
     */
    public record Result(double loss, double[] dXr, double[] dXc, double[] dYr, double[] dYc,
                         List<ReferenceBackward.Gradients> layers, double[][][] dH0, double[][][] dC0,
                         double[][][] dOutputs, double[][][] finalH, double[][][] finalC, double nearestKink,
                         double nearestMiss) {}

    /**
     * {@code L} by the inference forward of {@link LightRnnReference}, stream by stream (shares no code
     * with {@link #backward}): for finite differences.
     *
     * @param words {@code [T][B]} word ids
     * @param h0    {@code [L][B][H]}, null (or a null layer) for zeros
     * @param c0    {@code [L][B][H]} for the layers with a cell state, null (or a null layer) for zeros
     */
    public double loss(int[][] words, double[][][] h0, double[][][] c0) {
        LightRnnReference model = new LightRnnReference(rows, columns, rowOf, colOf, xr, xc, yr, yc, stack);
        int batch = words[0].length;
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            LightRnnReference.State state = model.newState();
            for (int k = 0; k < stack.size(); k++) {
                if (h0 != null && h0[k] != null) System.arraycopy(h0[k][b], 0, state.h[k], 0, state.h[k].length);
                if (c0 != null && c0[k] != null) System.arraycopy(c0[k][b], 0, state.c[k], 0, state.c[k].length);
            }
            for (int[] step : words) loss -= model.next(state, step[b]);
        }
        return loss;
    }

    /** {@code L} and its gradients ({@link Result}); arguments as {@link #loss}. */
    public Result backward(int[][] words, double[][][] h0, double[][][] c0) {
        final int T = words.length, B = words[0].length, L = stack.size(), top = L - 1;
        final int E = stack.get(0).inputSize(), H = stack.get(top).hiddenSize();
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
        // The stack's forward, layer by layer: layer k reads layer k-1's outputs.
        List<ReferenceBackward.Trace> traces = new ArrayList<>();
        double[][][] input = x;
        double[][] topStart = null;
        for (int k = 0; k < L; k++) {
            int hk = stack.get(k).hiddenSize();
            double[][] start = h0 == null || h0[k] == null ? new double[B][hk] : h0[k];
            double[][] startC = stack.get(k).type().hasCellState()
                    ? (c0 == null || c0[k] == null ? new double[B][hk] : c0[k]) : null;
            ReferenceBackward.Trace trace = backwards.get(k).forward(input, start, startC);
            traces.add(trace);
            input = trace.outputs();
            topStart = start;
        }
        double[][][] out = input;                         // the top layer's: out[2t] = h^r_t, out[2t+1] = h^c_t

        double loss = 0;
        double[] dYr = new double[rows * H];
        double[] dYc = new double[columns * H];
        double[][][] dOutputs = new double[2 * T][B][H];
        double[][] dH0Direct = new double[B][H];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int w = words[t][b];
                int row = rowOf[w], col = colOf[w];
                double[] hc = t == 0 ? topStart[b] : out[2 * t - 1][b];     // h^c_{t-1}
                double[] dHc = t == 0 ? dH0Direct[b] : dOutputs[2 * t - 1][b];
                loss += softmaxLayer(yr, rows, hc, rowUsed, row, dYr, dHc);
                loss += softmaxLayer(yc, columns, out[2 * t][b], occupied[row], col, dYc, dOutputs[2 * t][b]);
            }
        }
        // BPTT from the top layer down: dL/d(outputs of layer k-1) = dL/d(inputs of layer k).
        ReferenceBackward.Gradients[] g = new ReferenceBackward.Gradients[L];
        double[][][] dOut = dOutputs;
        for (int k = top; k >= 0; k--) {
            g[k] = backwards.get(k).backward(traces.get(k), dOut, null, null);
            dOut = g[k].dX();
        }

        double[] dXr = new double[rows * E];
        double[] dXc = new double[columns * E];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int w = words[t][b];
                for (int i = 0; i < E; i++) {
                    dXr[rowOf[w] * E + i] += g[0].dX()[2 * t][b][i];
                    dXc[colOf[w] * E + i] += g[0].dX()[2 * t + 1][b][i];
                }
            }
        }
        double[][][] dH0 = new double[L][][];
        double[][][] dC0 = new double[L][][];
        double[][][] finalH = new double[L][][];
        double[][][] finalC = new double[L][][];
        double nearestKink = Double.POSITIVE_INFINITY, nearestMiss = Double.POSITIVE_INFINITY;
        for (int k = 0; k < L; k++) {
            nearestKink = Math.min(nearestKink, traces.get(k).nearestKink());
            nearestMiss = Math.min(nearestMiss, traces.get(k).nearestMiss());
            dH0[k] = g[k].dInitialH();
            dC0[k] = g[k].dInitialC();
            finalH[k] = traces.get(k).finalH();
            finalC[k] = traces.get(k).finalC();
        }
        // The top layer's entering h is also h^c_{-1}, the first word's row-softmax input.
        for (int b = 0; b < B; b++) {
            for (int j = 0; j < H; j++) dH0[top][b][j] += dH0Direct[b][j];
        }
        return new Result(loss, dXr, dXc, dYr, dYc, List.of(g), dH0, dC0, dOutputs, finalH, finalC, nearestKink, nearestMiss);
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
