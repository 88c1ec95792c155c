package org.rnnkernels.reference;

import java.util.List;
import java.util.Objects;

/**
 * LightRNN (CELLS.md, "LightRNN") in plain double precision, literally: one shared stack of
 * {@link ReferenceCell}s (one layer, as in the paper, or several: layer {@code k} reads layer
 * {@code k-1}'s {@code h}) for both half-steps of a word,
 * <pre>
 * h^r_t = stack(Xr[row(w_t)], h^c_{t-1})      h^c_t = stack(Xc[col(w_t)], h^r_t)
 * P(w_t) = softmax(Yr h^c_{t-1})[row(w_t)] * softmax(Yc h^r_t)[col(w_t)]
 * </pre>
 * where a half-step runs every layer once and {@code h^r}, {@code h^c} in the softmaxes are the top
 * layer's {@code h} (the state between half-steps is every layer's {@code h} and {@code c}).
 * With empty cells ({@code R*C > V}) the row softmax runs over the rows that hold a word and the
 * column softmax of a row over its cells that hold one (the kernels' choice, so that P sums to 1);
 * for a full table that is the formula above. Shares nothing with the kernels.
 */
public final class LightRnnReference {
    private final int rows;
    private final int columns;
    private final int[] rowOf;      // [V]
    private final int[] colOf;      // [V]
    private final boolean[][] occupied;   // [R][C]
    private final double[] xr;      // [R][E]
    private final double[] xc;      // [C][E]
    private final double[] yr;      // [R][H]
    private final double[] yc;      // [C][H]
    private final List<ReferenceCell> stack;

    /** One shared cell: {@link #LightRnnReference(int, int, int[], int[], double[], double[], double[], double[], List)} of {@code List.of(cell)}. */
    public LightRnnReference(int rows, int columns, int[] rowOf, int[] colOf,
                             double[] xr, double[] xc, double[] yr, double[] yc, ReferenceCell cell) {
        this(rows, columns, rowOf, colOf, xr, xc, yr, yc, List.of(Objects.requireNonNull(cell, "cell")));
    }

    /**
     * Word {@code w} at {@code (rowOf[w], colOf[w])} of an {@code rows x columns} table; tables
     * row-major {@code xr [R][E]}, {@code xc [C][E]}, {@code yr [R][H]}, {@code yc [C][H]}, with
     * {@code E} the first layer's input size and {@code H} the last layer's hidden size; layer
     * {@code k > 0} takes the hidden size of layer {@code k-1} as its input size. Arrays are copied.
     */
    public LightRnnReference(int rows, int columns, int[] rowOf, int[] colOf,
                             double[] xr, double[] xc, double[] yr, double[] yc, List<ReferenceCell> stack) {
        this.stack = checkedStack(stack);
        if (rows < 1 || columns < 1) throw new IllegalArgumentException("table " + rows + " x " + columns + " is empty");
        if (rowOf == null || colOf == null || rowOf.length != colOf.length || rowOf.length == 0) {
            throw new IllegalArgumentException("rowOf and colOf must be non-empty and of one length (V)");
        }
        this.rows = rows;
        this.columns = columns;
        this.rowOf = rowOf.clone();
        this.colOf = colOf.clone();
        this.occupied = new boolean[rows][columns];
        for (int w = 0; w < rowOf.length; w++) {
            if (rowOf[w] < 0 || rowOf[w] >= rows || colOf[w] < 0 || colOf[w] >= columns) {
                throw new IllegalArgumentException("word " + w + " is outside the table");
            }
            if (occupied[rowOf[w]][colOf[w]]) {
                throw new IllegalArgumentException("two words in cell (" + rowOf[w] + ", " + colOf[w] + ")");
            }
            occupied[rowOf[w]][colOf[w]] = true;
        }
        int e = this.stack.get(0).inputSize(), h = top().hiddenSize();
        this.xr = checkedCopy("xr", xr, (long) rows * e);
        this.xc = checkedCopy("xc", xc, (long) columns * e);
        this.yr = checkedCopy("yr", yr, (long) rows * h);
        this.yc = checkedCopy("yc", yc, (long) columns * h);
    }

    /** A non-empty stack whose sizes chain (layer k's input size is layer k-1's hidden size); copied. */
    static List<ReferenceCell> checkedStack(List<ReferenceCell> stack) {
        if (stack == null || stack.isEmpty()) throw new IllegalArgumentException("stack must hold at least one cell");
        for (int k = 0; k < stack.size(); k++) {
            if (stack.get(k) == null) throw new IllegalArgumentException("stack[" + k + "] is null");
            if (k > 0 && stack.get(k).inputSize() != stack.get(k - 1).hiddenSize()) {
                throw new IllegalArgumentException("stack[" + k + "] has input size " + stack.get(k).inputSize()
                        + ", expected the hidden size of stack[" + (k - 1) + "] = " + stack.get(k - 1).hiddenSize());
            }
        }
        return List.copyOf(stack);
    }

    private ReferenceCell top() {
        return stack.get(stack.size() - 1);
    }

    /**
     * The recurrent state between words: every layer's {@code h} ({@code h[k]}, the top layer's is
     * {@code h^c}) and, for layers whose cell has one, {@code c[k]} ({@code c[k]} null otherwise).
     */
    public static final class State {
        public final double[][] h;
        public final double[][] c;

        State(List<ReferenceCell> stack) {
            this.h = new double[stack.size()][];
            this.c = new double[stack.size()][];
            for (int k = 0; k < stack.size(); k++) {
                h[k] = new double[stack.get(k).hiddenSize()];
                c[k] = stack.get(k).type().hasCellState() ? new double[stack.get(k).hiddenSize()] : null;
            }
        }

        public State copy() {
            return new State(h, c);
        }

        // a deep copy
        private State(double[][] h, double[][] c) {
            this.h = new double[h.length][];
            this.c = new double[c.length][];
            for (int k = 0; k < h.length; k++) {
                this.h[k] = h[k].clone();
                this.c[k] = c[k] == null ? null : c[k].clone();
            }
        }
    }

    /** A zero state. */
    public State newState() {
        return new State(stack);
    }

    public int vocabularySize() {
        return rowOf.length;
    }

    public int numLayers() {
        return stack.size();
    }

    /** {@code log P(word)} as the next word after {@code state}; the state is not changed. */
    public double logProbability(State state, int word) {
        return score(state, word, false);
    }

    /** {@code log P(word)}, then advances {@code state} past the word (both half-steps). */
    public double next(State state, int word) {
        return score(state, word, true);
    }

    /** {@code log P} of each word in turn, advancing {@code state} past all of them. */
    public double[] logProbabilities(int[] words, State state) {
        double[] out = new double[words.length];
        for (int t = 0; t < words.length; t++) out[t] = next(state, words[t]);
        return out;
    }

    private double score(State state, int word, boolean advance) {
        if (word < 0 || word >= rowOf.length) throw new IllegalArgumentException("word " + word + " out of range");
        final int E = stack.get(0).inputSize(), H = top().hiddenSize(), top = stack.size() - 1;
        final int row = rowOf[word], col = colOf[word];

        // z_r = Yr h^c_{t-1} ; log softmax over the rows that hold a word
        double[] zr = new double[rows];
        boolean[] rowUsed = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < H; j++) zr[r] += yr[r * H + j] * state.h[top][j];
            for (int c = 0; c < columns; c++) rowUsed[r] |= occupied[r][c];
        }
        double logPRow = logSoftmax(zr, rowUsed, row);

        // h^r_t = stack(Xr[row], h^c_{t-1})
        State hr = newState();
        halfStep(slice(xr, row * E, E), state, hr);

        // z_c = Yc h^r_t ; log softmax over the occupied cells of `row`
        double[] zc = new double[columns];
        for (int c = 0; c < columns; c++) {
            for (int j = 0; j < H; j++) zc[c] += yc[c * H + j] * hr.h[top][j];
        }
        double logPCol = logSoftmax(zc, occupied[row], col);

        if (advance) {
            // h^c_t = stack(Xc[col], h^r_t)
            halfStep(slice(xc, col * E, E), hr, state);
        }
        return logPRow + logPCol;                          // log P(w) = log P_row + log P_col
    }

    // One half-step of the stack: layer k steps from its own state in `from` on x_k (x_0 = x, x_k = layer
    // k-1's new h) into `to`.
    private void halfStep(double[] x, State from, State to) {
        double[] input = x;
        for (int k = 0; k < stack.size(); k++) {
            stack.get(k).step(input, from.h[k], from.c[k], to.h[k], to.c[k]);
            input = to.h[k];
        }
    }

    // log softmax(z)[i] over the entries j with use[j]: z_i - log(sum_j exp(z_j)), max-subtracted
    private static double logSoftmax(double[] z, boolean[] use, int i) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < z.length; j++) if (use[j]) m = Math.max(m, z[j]);
        double s = 0;
        for (int j = 0; j < z.length; j++) if (use[j]) s += Math.exp(z[j] - m);
        return z[i] - m - Math.log(s);
    }

    private static double[] slice(double[] a, int offset, int length) {
        double[] s = new double[length];
        System.arraycopy(a, offset, s, 0, length);
        return s;
    }

    private static double[] checkedCopy(String name, double[] a, long expected) {
        if (a == null) throw new IllegalArgumentException(name + " must not be null");
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has length " + a.length + ", expected " + expected);
        }
        return a.clone();
    }
}
