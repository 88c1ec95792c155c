package org.rnnkernels.reference;

import java.util.Objects;

/**
 * LightRNN (CELLS.md, "LightRNN") in plain double precision, literally: one shared
 * {@link ReferenceCell} for both half-steps of a word,
 * <pre>
 * h^r_t = cell(Xr[row(w_t)], h^c_{t-1})      h^c_t = cell(Xc[col(w_t)], h^r_t)
 * P(w_t) = softmax(Yr h^c_{t-1})[row(w_t)] * softmax(Yc h^r_t)[col(w_t)]
 * </pre>
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
    private final ReferenceCell cell;

    /**
     * Word {@code w} at {@code (rowOf[w], colOf[w])} of an {@code rows x columns} table; tables
     * row-major {@code xr [R][E]}, {@code xc [C][E]}, {@code yr [R][H]}, {@code yc [C][H]}, with
     * {@code E = cell.inputSize()}, {@code H = cell.hiddenSize()}. Arrays are copied.
     */
    public LightRnnReference(int rows, int columns, int[] rowOf, int[] colOf,
                             double[] xr, double[] xc, double[] yr, double[] yc, ReferenceCell cell) {
        this.cell = Objects.requireNonNull(cell, "cell");
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
        int e = cell.inputSize(), h = cell.hiddenSize();
        this.xr = checkedCopy("xr", xr, (long) rows * e);
        this.xc = checkedCopy("xc", xc, (long) columns * e);
        this.yr = checkedCopy("yr", yr, (long) rows * h);
        this.yc = checkedCopy("yc", yc, (long) columns * h);
    }

    /** The recurrent state between words: {@code h^c} and, for cells that have one, {@code c}. */
    public static final class State {
        public final double[] h;
        public final double[] c;

        State(int hidden, boolean cellState) {
            this.h = new double[hidden];
            this.c = cellState ? new double[hidden] : null;
        }

        public State copy() {
            State s = new State(h.length, c != null);
            System.arraycopy(h, 0, s.h, 0, h.length);
            if (c != null) System.arraycopy(c, 0, s.c, 0, c.length);
            return s;
        }
    }

    /** A zero state. */
    public State newState() {
        return new State(cell.hiddenSize(), cell.type().hasCellState());
    }

    public int vocabularySize() {
        return rowOf.length;
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
        final int E = cell.inputSize(), H = cell.hiddenSize();
        final int row = rowOf[word], col = colOf[word];

        // z_r = Yr h^c_{t-1} ; log softmax over the rows that hold a word
        double[] zr = new double[rows];
        boolean[] rowUsed = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < H; j++) zr[r] += yr[r * H + j] * state.h[j];
            for (int c = 0; c < columns; c++) rowUsed[r] |= occupied[r][c];
        }
        double logPRow = logSoftmax(zr, rowUsed, row);

        // h^r_t = cell(Xr[row], h^c_{t-1})
        double[] hr = new double[H];
        double[] cr = state.c == null ? null : new double[H];
        cell.step(slice(xr, row * E, E), state.h, state.c, hr, cr);

        // z_c = Yc h^r_t ; log softmax over the occupied cells of `row`
        double[] zc = new double[columns];
        for (int c = 0; c < columns; c++) {
            for (int j = 0; j < H; j++) zc[c] += yc[c * H + j] * hr[j];
        }
        double logPCol = logSoftmax(zc, occupied[row], col);

        if (advance) {
            // h^c_t = cell(Xc[col], h^r_t)
            cell.step(slice(xc, col * E, E), hr, cr, state.h, state.c);
        }
        return logPRow + logPCol;                          // log P(w) = log P_row + log P_col
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
