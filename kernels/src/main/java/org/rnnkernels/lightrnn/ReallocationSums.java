package org.rnnkernels.lightrnn;

import java.util.Arrays;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;

/**
 * LightRNN's reallocation costs ({@link ReallocationCosts} has their definition) in memory linear in {@code V}
 * and independent of the table's shape. The paper's tables have hundreds of thousands of words, where the costs
 * themselves, {@code V (R + C)} values, grow as {@code V^1.5} (8 GB of floats at {@code V = 10^6}). But the
 * logits are linear in the hidden state, {@code zr_t = Yr h^c_{t-1}} and {@code zc_t = Yc h^r_t} (the output
 * layer has no bias, {@link LightRnnTrainer}), so a word's costs are a linear function of two sums over its
 * occurrences:
 * <pre>
 * l_r(w, r) = sum_{t: w_t = w} (lseR_t - zr_t[r]) = Lr_w - Yr[r] . Sr_w     Lr_w = sum_{t: w_t = w} lseR_t,  Sr_w = sum_{t: w_t = w} h^c_{t-1}
 * l_c(w, c) = sum_{t: w_t = w} (lseC_t - zc_t[c]) = Lc_w - Yc[c] . Sc_w     Lc_w = sum_{t: w_t = w} lseC_t,  Sc_w = sum_{t: w_t = w} h^r_t
 * </pre>
 * ({@code lse} the unmasked log-sum-exp of the logits, as for the table). Kept: {@code Lr, Lc} ({@code [V]}
 * doubles) and {@code Sr, Sc} ({@code [V][H]} floats), {@code 8 V (H + 2)} bytes, plus a copy of {@code Yr, Yc}
 * ({@code (R + C) H} floats: the tables the costs were taken under, which training changes afterwards); a
 * word's {@code R + C} costs are two small products computed when needed, for blocks of words in one sgemm
 * each ({@link Reallocation} reads them so). At {@code H = 128} that is 104 MB at {@code V = 10^5} (the table
 * form: 254 MB) and 1.04 GB at {@code V = 10^6} (8 GB).
 *
 * <p>Rounding: {@code Sr, Sc} accumulate in float like the table's costs ({@code n * 2^-24} relative to the
 * sum of magnitudes after {@code n} occurrences), {@code Lr, Lc} in double, and a block's product rounds once more
 * over {@code H} terms: a cost computed from them is within {@code (2 n_w + H + 4) 2^-24 sum_t (|lseR_t| + |Yr[r]| . |h^c_{t-1}|)}
 * of the table's (the bound {@code ReallocationSumsTest} checks). Differences between a word's cells, which decide
 * the assignment, do not involve {@code L} at all. All occurrences must come from one set of output
 * tables: {@link LightRnnTrainer#evaluate} refuses to add to sums begun under other {@code Yr, Yc} (clear them first).
 * Not thread-safe.
 */
public final class ReallocationSums extends WordCellCosts {
    private final int hidden;
    private final Blas blas = Blases.get();
    final double[] rowLse;         // [V]: Lr
    final double[] columnLse;      // [V]: Lc
    final float[] rowInputs;       // [V][H]: Sr, sums of h^c_{t-1}
    final float[] columnInputs;    // [V][H]: Sc, sums of h^r_t
    final float[] yr;              // [R][H]: the output tables the occurrences were scored with
    final float[] yc;              // [C][H]
    private boolean tablesTaken;

    /** Zero sums for {@code V} words in an {@code R x C} table ({@code R*C >= V}) of a model with {@code H = hidden}. */
    public ReallocationSums(int vocabulary, int rows, int columns, int hidden) {
        super(vocabulary, rows, columns);
        if (hidden < 1) {
            throw new IllegalArgumentException("hidden = " + hidden + ", expected H > 0");
        }
        this.hidden = hidden;
        this.rowLse = new double[vocabulary];
        this.columnLse = new double[vocabulary];
        this.rowInputs = new float[Math.multiplyExact(vocabulary, hidden)];
        this.columnInputs = new float[rowInputs.length];
        this.yr = new float[Math.multiplyExact(rows, hidden)];
        this.yc = new float[Math.multiplyExact(columns, hidden)];
    }

    /** {@code H}, the length of the hidden states summed. */
    public int hiddenSize() {
        return hidden;
    }

    @Override
    void checkFor(int vocabulary, int rows, int columns, int hidden) {
        super.checkFor(vocabulary, rows, columns, hidden);
        if (hidden != this.hidden) {
            throw new IllegalArgumentException("costs sum hidden states of H=" + this.hidden + ", expected H=" + hidden);
        }
    }

    @Override
    void beginOccurrences(float[] yr, float[] yc) {
        if (!tablesTaken) {
            System.arraycopy(yr, 0, this.yr, 0, this.yr.length);
            System.arraycopy(yc, 0, this.yc, 0, this.yc.length);
            tablesTaken = true;
        } else if (!Arrays.equals(yr, this.yr) || !Arrays.equals(yc, this.yc)) {
            throw new IllegalArgumentException("costs hold sums taken under other output tables Yr, Yc (the model changed"
                    + " since): their costs are linear in the hidden states only for one Yr, Yc; clear() them first");
        }
    }

    /** One occurrence of {@code word}: {@code Lr += lseR}, {@code Sr += hc}, {@code Lc += lseC}, {@code Sc += hr}. */
    @Override
    void add(int word, float[] zr, int zrOffset, float[] hc, int hcOffset, float lseR,
             float[] zc, int zcOffset, float[] hr, int hrOffset, float lseC) {
        rowLse[word] += lseR;
        columnLse[word] += lseC;
        int h0 = word * hidden;
        for (int j = 0; j < hidden; j++) {
            rowInputs[h0 + j] += hc[hcOffset + j];
            columnInputs[h0 + j] += hr[hrOffset + j];
        }
        words++;
    }

    /** {@code rowCost[i][r] = Lr_w - Yr[r] . Sr_w}: the words' sums gathered, then one sgemm (and the same for columns). */
    @Override
    void costRows(int[] words, int from, int count, float[] rowCost, float[] columnCost, float[] scratch) {
        costRows(words, from, count, rowLse, rowInputs, yr, rows, rowCost, scratch);
        costRows(words, from, count, columnLse, columnInputs, yc, columns, columnCost, scratch);
    }

    private void costRows(int[] words, int from, int count, double[] lse, float[] inputs, float[] y, int n,
                          float[] cost, float[] scratch) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(inputs, words[from + i] * hidden, scratch, i * hidden, hidden);
        }
        // cost[count][n] = - S[count][H] Y^T, then + L_w
        blas.sgemm(Transpose.NO, Transpose.YES, count, n, hidden, -1f, scratch, 0, hidden, y, 0, hidden, 0f, cost, 0, n);
        for (int i = 0; i < count; i++) {
            double l = lse[words[from + i]];
            for (int k = i * n; k < (i + 1) * n; k++) {
                cost[k] = (float) (l + cost[k]);
            }
        }
    }

    @Override
    int scratchPerWord() {
        return hidden;
    }

    @Override
    double costUnchecked(int word, int row, int column) {
        return rowLse[word] - dot(yr, row * hidden, rowInputs, word * hidden)
                + columnLse[word] - dot(yc, column * hidden, columnInputs, word * hidden);
    }

    private double dot(float[] a, int aOffset, float[] b, int bOffset) {
        double sum = 0;
        for (int j = 0; j < hidden; j++) {
            sum += (double) a[aOffset + j] * b[bOffset + j];
        }
        return sum;
    }

    @Override
    public void clear() {
        Arrays.fill(rowLse, 0);
        Arrays.fill(columnLse, 0);
        Arrays.fill(rowInputs, 0);
        Arrays.fill(columnInputs, 0);
        Arrays.fill(yr, 0);
        Arrays.fill(yc, 0);
        tablesTaken = false;
        words = 0;
    }
}
