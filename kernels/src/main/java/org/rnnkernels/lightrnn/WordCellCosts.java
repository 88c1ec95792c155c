package org.rnnkernels.lightrnn;

/**
 * LightRNN's reallocation costs (Li et al. 2016, section 3.3), {@code cost(w, (r, c)) = l_r(w, r) + l_c(w, c)}
 * for every word {@code w} and cell {@code (r, c)} of an {@code R x C} table, in one of two forms:
 * <ul>
 *   <li>{@link ReallocationSums}, what {@link LightRnnTrainer#newCosts()} gives: per word the sums the costs are
 *       linear in, {@code O(V H)} memory, every cost computed when needed;</li>
 *   <li>{@link ReallocationCosts}: the costs themselves, {@code [V][R]} and {@code [V][C]}, {@code O(V (R + C))}
 *       memory ({@code V^1.5} for a square table); for costs given directly and small tables.</li>
 * </ul>
 * {@link LightRnnTrainer#evaluate} accumulates either; {@link Reallocation} takes either, reading the costs of a
 * block of words at a time ({@code costRows}), so neither it nor the sums ever hold {@code V x (R + C)} values.
 * Not thread-safe.
 */
public abstract sealed class WordCellCosts permits ReallocationCosts, ReallocationSums {
    final int vocabulary;
    final int rows;
    final int columns;
    long words;

    WordCellCosts(int vocabulary, int rows, int columns) {
        if (vocabulary < 1 || rows < 1 || columns < 1) {
            throw new IllegalArgumentException("V = " + vocabulary + ", R = " + rows + ", C = " + columns + ", expected all > 0");
        }
        if ((long) rows * columns < vocabulary) {
            throw new IllegalArgumentException("a " + rows + " x " + columns + " table has fewer than V = " + vocabulary + " cells");
        }
        this.vocabulary = vocabulary;
        this.rows = rows;
        this.columns = columns;
    }

    /**
     * Refuses costs for another model: {@code V}, {@code R}, {@code C} (and {@code H} for sums) must be the trainer's.
     */
    void checkFor(int vocabulary, int rows, int columns, int hidden) {
        if (vocabulary != this.vocabulary || rows != this.rows || columns != this.columns) {
            throw new IllegalArgumentException("costs are for V=" + this.vocabulary + " in " + this.rows + " x " + this.columns
                    + ", expected V=" + vocabulary + " in " + rows + " x " + columns);
        }
    }

    /**
     * Before the occurrences of one {@link LightRnnTrainer#evaluate} call: {@code yr [R][H]}, {@code yc [C][H]}
     * are the output tables its logits come from.
     */
    abstract void beginOccurrences(float[] yr, float[] yc);

    /**
     * One occurrence of {@code word}: its row logits {@code zr[zrOffset ..+R) = Yr hc[hcOffset ..+H)} with their
     * unmasked log-sum-exp {@code lseR}, and its column logits {@code zc[zcOffset ..+C) = Yc hr[hrOffset ..+H)} with
     * {@code lseC}. Each form keeps what it needs.
     */
    abstract void add(int word, float[] zr, int zrOffset, float[] hc, int hcOffset, float lseR,
                      float[] zc, int zcOffset, float[] hr, int hrOffset, float lseC);

    /**
     * The costs of the words {@code words[from .. from+count)}: {@code rowCost[i*R + r] = l_r(words[from+i], r)},
     * {@code columnCost[i*C + c] = l_c(words[from+i], c)}, in float. {@code scratch} holds at least
     * {@code count * }{@link #scratchPerWord()} floats.
     */
    abstract void costRows(int[] words, int from, int count, float[] rowCost, float[] columnCost, float[] scratch);

    /** Floats of scratch {@code costRows} needs a word. */
    abstract int scratchPerWord();

    /** {@code l_r(word, row) + l_c(word, column)}, unchecked. */
    abstract double costUnchecked(int word, int row, int column);

    /** Back to zero: no occurrences. */
    public abstract void clear();

    /** {@code cost(w, (r, c)) = l_r(w, r) + l_c(w, c)}. */
    public final double cost(int word, int row, int column) {
        if (word < 0 || word >= vocabulary || row < 0 || row >= rows || column < 0 || column >= columns) {
            throw new IllegalArgumentException("(word " + word + ", row " + row + ", column " + column + ") is outside V="
                    + vocabulary + ", " + rows + " x " + columns);
        }
        return costUnchecked(word, row, column);
    }

    /** {@code sum_w cost(w, (row(w), col(w)))}: the cost of an allocation. */
    public final double total(WordTable table) {
        checkTable(table);
        double sum = 0;
        for (int w = 0; w < vocabulary; w++) {
            sum += costUnchecked(w, table.rowUnchecked(w), table.colUnchecked(w));
        }
        return sum;
    }

    final void checkTable(WordTable table) {
        if (table == null) {
            throw new IllegalArgumentException("table is null");
        }
        if (table.vocabularySize() != vocabulary || table.rows() != rows || table.columns() != columns) {
            throw new IllegalArgumentException("table is " + table + ", expected V=" + vocabulary + " in " + rows + " x " + columns);
        }
    }

    /** Occurrences added by {@link LightRnnTrainer#evaluate} since creation or {@link #clear()}. */
    public final long occurrences() {
        return words;
    }

    public final int vocabularySize() {
        return vocabulary;
    }

    public final int rows() {
        return rows;
    }

    public final int columns() {
        return columns;
    }
}
