package org.rnnkernels.lightrnn;

/**
 * LightRNN's reallocation costs (Li et al. 2016, section 3.3) held as a table: for every word {@code w}, row
 * {@code r} and column {@code c}, summed over the occurrences of {@code w} in a corpus,
 * <pre>
 * l_r(w, r) = - sum_{t: w_t = w} log softmax(Yr h^c_{t-1})[r]       l_c(w, c) = - sum_{t: w_t = w} log softmax(Yc h^r_t)[c]
 * cost(w, (r, c)) = l_r(w, r) + l_c(w, c)
 * </pre>
 * the loss the corpus would have with {@code w} moved to {@code (r, c)} and the hidden states held as they
 * are. The softmaxes here run over EVERY row and column, unmasked: a cell's cost must not depend on which
 * cells the allocation being replaced left empty. So for a full table ({@code R*C = V}) the cost of the
 * current allocation, {@link #total}, is the corpus's loss exactly (to rounding); with empty cells the
 * model's masked softmaxes give each word a little more, and the total is above the loss.
 *
 * <p>Memory: {@code V*(R + C)} floats, {@code 4 V (R + C)} bytes (about 8 MB at {@code V = 10^4} in a 100 x 100 table,
 * 250 MB at {@code V = 10^5}, 8 GB at {@code V = 10^6}: {@code R + C ~ 2 sqrt(V)}, so the costs grow as
 * {@code V^1.5}). For large vocabularies the same costs come from {@link ReallocationSums} in memory linear in
 * {@code V} (what {@link LightRnnTrainer#newCosts()} gives); this form is for costs given directly
 * ({@link #of}) and small tables. Float, not double, halves the memory: a word's cost in a cell is a sum over
 * its occurrences of {@code -log p} terms of a few nats, accumulated in float (relative rounding {@code 2^-24}
 * an addition, so at most {@code n * 2^-24} of the sum after {@code n} occurrences, a few hundredths of a nat
 * for a word seen {@code 10^4} times, far below the cost differences between cells that decide the assignment).
 * Not thread-safe.
 */
public final class ReallocationCosts extends WordCellCosts {
    final float[] rowCost;        // [V][R]: l_r
    final float[] columnCost;     // [V][C]: l_c

    /** Zero costs for {@code V} words in an {@code R x C} table ({@code R*C >= V}). */
    public ReallocationCosts(int vocabulary, int rows, int columns) {
        super(vocabulary, rows, columns);
        this.rowCost = new float[Math.multiplyExact(vocabulary, rows)];
        this.columnCost = new float[Math.multiplyExact(vocabulary, columns)];
    }

    /**
     * Costs given directly (copied, rounded to float): {@code rowCost [V][R]} is {@code l_r}, {@code columnCost [V][C]}
     * is {@code l_c}, every entry finite in float.
     */
    public static ReallocationCosts of(int vocabulary, int rows, int columns, double[] rowCost, double[] columnCost) {
        ReallocationCosts costs = new ReallocationCosts(vocabulary, rows, columns);
        fill("rowCost", rowCost, costs.rowCost, "[V=" + vocabulary + "][R=" + rows + "]");
        fill("columnCost", columnCost, costs.columnCost, "[V=" + vocabulary + "][C=" + columns + "]");
        return costs;
    }

    private static void fill(String name, double[] from, float[] to, String shape) {
        if (from == null || from.length != to.length) {
            throw new IllegalArgumentException(name + (from == null ? " is null" : " has " + from.length + " values")
                    + ", expected " + shape + " = " + to.length);
        }
        for (int i = 0; i < from.length; i++) {
            if (!Float.isFinite((float) from[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + from[i] + ", expected a cost finite in float");
            }
            to[i] = (float) from[i];
        }
    }

    @Override
    void beginOccurrences(float[] yr, float[] yc) {
        // the logits carry all this form needs
    }

    /**
     * One occurrence of {@code word}: {@code l_r(word, r) += lseR - zr[r]} for every row and
     * {@code l_c(word, c) += lseC - zc[c]} for every column ({@code lse} the unmasked log-sum-exp of the logits).
     */
    @Override
    void add(int word, float[] zr, int zrOffset, float[] hc, int hcOffset, float lseR,
             float[] zc, int zcOffset, float[] hr, int hrOffset, float lseC) {
        int r0 = word * rows;
        for (int r = 0; r < rows; r++) {
            rowCost[r0 + r] += lseR - zr[zrOffset + r];
        }
        int c0 = word * columns;
        for (int c = 0; c < columns; c++) {
            columnCost[c0 + c] += lseC - zc[zcOffset + c];
        }
        words++;
    }

    @Override
    void costRows(int[] words, int from, int count, float[] rowCost, float[] columnCost, float[] scratch) {
        for (int i = 0; i < count; i++) {
            int w = words[from + i];
            System.arraycopy(this.rowCost, w * rows, rowCost, i * rows, rows);
            System.arraycopy(this.columnCost, w * columns, columnCost, i * columns, columns);
        }
    }

    @Override
    int scratchPerWord() {
        return 0;
    }

    @Override
    double costUnchecked(int word, int row, int column) {
        return (double) rowCost[word * rows + row] + columnCost[word * columns + column];
    }

    @Override
    public void clear() {
        java.util.Arrays.fill(rowCost, 0);
        java.util.Arrays.fill(columnCost, 0);
        words = 0;
    }
}
