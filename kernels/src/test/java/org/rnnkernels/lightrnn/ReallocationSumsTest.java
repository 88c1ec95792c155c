package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnnkernels.CellType;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Gradients;

/**
 * {@link ReallocationSums}: its costs {@code L_w - Y[r] . S_w} equal the table's accumulation of
 * {@code lse - z[r]} ({@link ReallocationCosts}) to float rounding, on random output tables and hidden states and
 * through {@link LightRnnTrainer#evaluate}; the solvers give the same allocations from either form; its memory
 * does not grow with {@code R} and {@code C}; bad input is refused.
 */
class ReallocationSumsTest {
    private static final double EPS = 0x1p-24;

    /** Both forms fed the same random occurrences, with the magnitudes that bound their rounding. */
    private record Fed(ReallocationCosts table, ReallocationSums sums, int[] count, double[] rowMagnitude,
                       double[] columnMagnitude) {
        // Rounding bound of cost(w, r) in either form: (2 n_w + H + 4) 2^-24 sum_t (|lse_t| + sum_j |Y[r][j] h_t[j]|)
        double rowTolerance(int w, int r) {
            return (2.0 * count[w] + sums.hiddenSize() + 4) * EPS * rowMagnitude[w * table.rows() + r];
        }

        double columnTolerance(int w, int c) {
            return (2.0 * count[w] + sums.hiddenSize() + 4) * EPS * columnMagnitude[w * table.columns() + c];
        }
    }

    // n random occurrences (every word at least once when n >= V), hidden states in (-1, 1), Y as nn.Linear draws it
    // scaled up so that the costs are sharp.
    private static Fed feed(int vocabulary, int rows, int columns, int hidden, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] yr = uniform(random, rows * hidden, 3 / Math.sqrt(hidden));
        float[] yc = uniform(random, columns * hidden, 3 / Math.sqrt(hidden));
        ReallocationCosts table = new ReallocationCosts(vocabulary, rows, columns);
        ReallocationSums sums = new ReallocationSums(vocabulary, rows, columns, hidden);
        table.beginOccurrences(yr, yc);
        sums.beginOccurrences(yr, yc);
        int[] count = new int[vocabulary];
        double[] rowMagnitude = new double[vocabulary * rows];
        double[] columnMagnitude = new double[vocabulary * columns];
        float[] zr = new float[rows];
        float[] zc = new float[columns];
        for (int t = 0; t < n; t++) {
            int w = t < vocabulary ? t : random.nextInt(vocabulary);
            float[] hc = uniform(random, hidden, 1);
            float[] hr = uniform(random, hidden, 1);
            float lseR = logits(yr, hc, zr, rows, hidden, rowMagnitude, w);
            float lseC = logits(yc, hr, zc, columns, hidden, columnMagnitude, w);
            table.add(w, zr, 0, hc, 0, lseR, zc, 0, hr, 0, lseC);
            sums.add(w, zr, 0, hc, 0, lseR, zc, 0, hr, 0, lseC);
            count[w]++;
        }
        return new Fed(table, sums, count, rowMagnitude, columnMagnitude);
    }

    // z = Y h in float; returns the log-sum-exp of z; magnitude[w][i] += |lse| + sum_j |Y[i][j] h[j]|
    private static float logits(float[] y, float[] h, float[] z, int n, int hidden, double[] magnitude, int w) {
        double max = Double.NEGATIVE_INFINITY;
        double[] absolute = new double[n];
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int j = 0; j < hidden; j++) {
                sum += y[i * hidden + j] * h[j];
                absolute[i] += Math.abs((double) y[i * hidden + j] * h[j]);
            }
            z[i] = sum;
            max = Math.max(max, sum);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(z[i] - max);
        }
        float lse = (float) (max + Math.log(s));
        for (int i = 0; i < n; i++) {
            magnitude[w * n + i] += Math.abs(lse) + absolute[i];
        }
        return lse;
    }

    private static float[] uniform(SplittableRandom random, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    // Every word's costs read through costRows in blocks of `block` words, in the order given.
    private static float[][] costRows(WordCellCosts costs, int[] words, int block) {
        int rows = costs.rows();
        int columns = costs.columns();
        float[] rowCost = new float[words.length * rows];
        float[] columnCost = new float[words.length * columns];
        float[] r = new float[block * rows];
        float[] c = new float[block * columns];
        float[] scratch = new float[block * costs.scratchPerWord()];
        for (int from = 0; from < words.length; from += block) {
            int count = Math.min(block, words.length - from);
            costs.costRows(words, from, count, r, c, scratch);
            System.arraycopy(r, 0, rowCost, from * rows, count * rows);
            System.arraycopy(c, 0, columnCost, from * columns, count * columns);
        }
        return new float[][] {rowCost, columnCost};
    }

    private static int[] identity(int n) {
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> i);
        return ids;
    }

    @ParameterizedTest
    @CsvSource({
            "1, 1, 1, 1, 1",
            "1, 3, 2, 17, 5",
            "7, 3, 3, 33, 40",       // R*C > V
            "10, 2, 5, 17, 60",      // V not a square
            "13, 2, 7, 1, 100",      // H = 1
            "30, 4, 8, 33, 400",
            "300, 17, 19, 17, 2000", // more than one block of Reallocation.BLOCK_WORDS
    })
    void sumsGiveTheTableCostsToFloatRounding(int vocabulary, int rows, int columns, int hidden, int n) {
        for (long seed = 1; seed <= 3; seed++) {
            Fed fed = feed(vocabulary, rows, columns, hidden, n, seed * 7919 + vocabulary);
            assertEquals(fed.table.occurrences(), fed.sums.occurrences());
            // the costs in blocks of 1, 4 and all words, in id order and reversed
            int[] ids = identity(vocabulary);
            int[] reversed = new int[vocabulary];
            Arrays.setAll(reversed, i -> vocabulary - 1 - i);
            for (int[] order : new int[][] {ids, reversed}) {
                for (int block : new int[] {1, 4, vocabulary}) {
                    float[][] got = costRows(fed.sums, order, block);
                    for (int i = 0; i < vocabulary; i++) {
                        int w = order[i];
                        for (int r = 0; r < rows; r++) {
                            float expected = fed.table.rowCost[w * rows + r];
                            assertEquals(expected, got[0][i * rows + r], fed.rowTolerance(w, r),
                                    "l_r(" + w + ", " + r + "), block " + block + ", seed " + seed);
                        }
                        for (int c = 0; c < columns; c++) {
                            float expected = fed.table.columnCost[w * columns + c];
                            assertEquals(expected, got[1][i * columns + c], fed.columnTolerance(w, c),
                                    "l_c(" + w + ", " + c + "), block " + block + ", seed " + seed);
                        }
                    }
                }
            }
            // cost() and total() of both forms
            WordTable table = LightRnnFixture.shuffled(vocabulary, rows, columns, seed);
            double tolerance = 0;
            for (int w = 0; w < vocabulary; w++) {
                int r = table.row(w);
                int c = table.col(w);
                double t = fed.rowTolerance(w, r) + fed.columnTolerance(w, c);
                assertEquals(fed.table.cost(w, r, c), fed.sums.cost(w, r, c), t, "cost of word " + w);
                tolerance += t;
            }
            assertEquals(fed.table.total(table), fed.sums.total(table), tolerance);
        }
    }

    /** The trainer's two accumulations over the same words: the sums' costs are the table's to float rounding. */
    @ParameterizedTest
    @CsvSource({
            "7, 3, 3, 17, LSTM",
            "10, 2, 5, 1, GRU",
            "23, 5, 5, 33, LSTM",
    })
    void trainerAccumulatesTheSameCostsInBothForms(int vocabulary, int rows, int columns, int hidden, CellType cell) {
        for (long seed = 1; seed <= 2; seed++) {
            LightRnnTrainer trainer = LightRnnTrainer.create(cell, LightRnnFixture.shuffled(vocabulary, rows, columns, seed),
                    6, hidden, 3, seed);
            SplittableRandom random = new SplittableRandom(seed);
            int steps = 11;
            int calls = 3;
            int[][] words = new int[calls][steps * 3];
            int[] count = new int[vocabulary];
            for (int[] call : words) {
                for (int i = 0; i < call.length; i++) {
                    call[i] = random.nextInt(vocabulary);
                    count[call[i]]++;
                }
            }
            ReallocationCosts table = new ReallocationCosts(vocabulary, rows, columns);
            ReallocationSums sums = trainer.newCosts();
            double tableLoss = 0;
            double sumsLoss = 0;
            trainer.resetState();
            for (int[] call : words) {
                tableLoss += trainer.evaluate(call, steps, table);
            }
            trainer.resetState();
            for (int[] call : words) {
                sumsLoss += trainer.evaluate(call, steps, sums);
            }
            assertEquals(tableLoss, sumsLoss);
            assertEquals(table.occurrences(), sums.occurrences());
            float[][] got = costRows(sums, identity(vocabulary), Reallocation.BLOCK_WORDS);
            for (int w = 0; w < vocabulary; w++) {
                // |h| < 1 (LSTM, GRU outputs): sum_t sum_j |Y[r][j] h_t[j]| <= n_w |Y[r]|_1
                for (int r = 0; r < rows; r++) {
                    double magnitude = Math.abs(sums.rowLse[w]) + count[w] * norm1(sums.yr, r, hidden);
                    assertEquals(table.rowCost[w * rows + r], got[0][w * rows + r],
                            (2.0 * count[w] + hidden + 4) * EPS * magnitude, "l_r(" + w + ", " + r + ")");
                }
                for (int c = 0; c < columns; c++) {
                    double magnitude = Math.abs(sums.columnLse[w]) + count[w] * norm1(sums.yc, c, hidden);
                    assertEquals(table.columnCost[w * columns + c], got[1][w * columns + c],
                            (2.0 * count[w] + hidden + 4) * EPS * magnitude, "l_c(" + w + ", " + c + ")");
                }
            }
        }
    }

    private static double norm1(float[] y, int row, int hidden) {
        double sum = 0;
        for (int j = 0; j < hidden; j++) {
            sum += Math.abs(y[row * hidden + j]);
        }
        return sum;
    }

    // The sums' own costs as a table (read in blocks of Reallocation.BLOCK_WORDS, as the solvers read them).
    private static ReallocationCosts asTable(ReallocationSums sums) {
        float[][] costs = costRows(sums, identity(sums.vocabularySize()), Reallocation.BLOCK_WORDS);
        double[] rowCost = new double[costs[0].length];
        double[] columnCost = new double[costs[1].length];
        Arrays.setAll(rowCost, i -> costs[0][i]);
        Arrays.setAll(columnCost, i -> costs[1][i]);
        return ReallocationCosts.of(sums.vocabularySize(), sums.rows(), sums.columns(), rowCost, columnCost);
    }

    /**
     * The solvers read the costs a block at a time: from the sums they place every word exactly as from the sums'
     * costs laid out as a table; and against the table accumulated the old way (other rounding), the optimum's
     * cost agrees within the sum of the words' rounding bounds.
     */
    @ParameterizedTest
    @CsvSource({
            "1, 1, 1, 1, 1",
            "7, 3, 3, 33, 40",
            "10, 2, 5, 17, 60",
            "13, 4, 4, 1, 100",
            "18, 4, 5, 17, 200",
            "600, 25, 25, 17, 6000",   // largestStakeFirst and greedy over several blocks
    })
    void solversGiveTheSameAllocationFromSumsAndTable(int vocabulary, int rows, int columns, int hidden, int n) {
        for (long seed = 1; seed <= 3; seed++) {
            Fed fed = feed(vocabulary, rows, columns, hidden, n, seed * 104729 + vocabulary);
            ReallocationCosts laidOut = asTable(fed.sums);
            assertEquals(Reallocation.largestStakeFirst(laidOut), Reallocation.largestStakeFirst(fed.sums), "seed " + seed);
            assertEquals(Reallocation.greedy(laidOut), Reallocation.greedy(fed.sums), "seed " + seed);
            if ((long) rows * columns <= Reallocation.MAX_EXACT_CELLS) {
                WordTable fromSums = Reallocation.exact(fed.sums);
                assertEquals(Reallocation.exact(laidOut), fromSums, "seed " + seed);
                WordTable fromTable = Reallocation.exact(fed.table);
                double bound = 0;
                for (int w = 0; w < vocabulary; w++) {
                    double worst = 0;
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < columns; c++) {
                            worst = Math.max(worst, fed.rowTolerance(w, r) + fed.columnTolerance(w, c));
                        }
                    }
                    bound += 2 * worst;
                }
                assertEquals(fed.table.total(fromTable), fed.table.total(fromSums), bound, "seed " + seed);
            }
        }
    }

    /**
     * largestStakeFirst written out plainly on the full table (stakes mean - min of each word's costs, largest first,
     * ties by id; each word in its cheapest free cell): the blocked two-pass solver places every word as it does.
     */
    @Test
    void largestStakeFirstOverBlocksIsThePlainRule() {
        for (long seed = 1; seed <= 3; seed++) {
            Fed fed = feed(700, 27, 26, 9, 5000, seed);
            ReallocationCosts costs = asTable(fed.sums);
            int vocabulary = 700;
            int rows = 27;
            int columns = 26;
            Integer[] order = new Integer[vocabulary];
            double[] stake = new double[vocabulary];
            for (int w = 0; w < vocabulary; w++) {
                order[w] = w;
                stake[w] = meanMinusMin(costs.rowCost, w * rows, rows) + meanMinusMin(costs.columnCost, w * columns, columns);
            }
            Arrays.sort(order, (a, b) -> stake[a] != stake[b] ? Double.compare(stake[b], stake[a]) : Integer.compare(a, b));
            boolean[] taken = new boolean[rows * columns];
            int[] rowOf = new int[vocabulary];
            int[] colOf = new int[vocabulary];
            for (int w : order) {
                int best = -1;
                for (int cell = 0; cell < taken.length; cell++) {
                    if (!taken[cell] && (best < 0 || costs.cost(w, cell / columns, cell % columns)
                            < costs.cost(w, best / columns, best % columns))) {
                        best = cell;
                    }
                }
                taken[best] = true;
                rowOf[w] = best / columns;
                colOf[w] = best % columns;
            }
            assertEquals(WordTable.of(rows, columns, rowOf, colOf), Reallocation.largestStakeFirst(fed.sums), "seed " + seed);
        }
    }

    private static double meanMinusMin(float[] cost, int from, int n) {
        DoubleSummaryStatistics statistics = IntStream.range(from, from + n).mapToDouble(i -> cost[i]).summaryStatistics();
        return statistics.getAverage() - statistics.getMin();
    }

    /** The sums hold [V] and [V][H] per word whatever the table's shape; only the copy of Yr, Yc is (R + C) H. */
    @Test
    void memoryDoesNotDependOnTheTableShape() {
        int vocabulary = 1000;
        int hidden = 17;
        for (int[] shape : new int[][] {{32, 32}, {1, 1000}, {1000, 1}, {10, 100}, {40, 40}, {1000, 1000}}) {
            ReallocationSums sums = new ReallocationSums(vocabulary, shape[0], shape[1], hidden);
            assertEquals(vocabulary, sums.rowLse.length);
            assertEquals(vocabulary, sums.columnLse.length);
            assertEquals(vocabulary * hidden, sums.rowInputs.length);
            assertEquals(vocabulary * hidden, sums.columnInputs.length);
            assertEquals(shape[0] * hidden, sums.yr.length);
            assertEquals(shape[1] * hidden, sums.yc.length);
        }
    }

    @Test
    void badInputIsRefusedNamingItAndTheExpectedShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReallocationSums(5, 2, 2, 3));
        assertTrue(e.getMessage().contains("a 2 x 2 table has fewer than V = 5 cells"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReallocationSums(4, 2, 2, 0));
        assertTrue(e.getMessage().contains("hidden = 0, expected H > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReallocationSums(0, 2, 2, 3));
        assertTrue(e.getMessage().contains("V = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReallocationSums(4, 2, 2, 3).cost(0, 2, 0));
        assertTrue(e.getMessage().contains("(word 0, row 2, column 0) is outside V=4, 2 x 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReallocationSums(4, 2, 2, 3).total(WordTable.sequential(5)));
        assertTrue(e.getMessage().contains("expected V=4 in 2 x 2"), e.getMessage());

        WordTable table = LightRnnFixture.shuffled(7, 3, 3, 1);
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.GRU, table, 4, 5, 2, 1);
        int[] good = {0, 1, 2, 3, 4, 5};
        e = assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(good, 3, new ReallocationSums(7, 3, 3, 6)));
        assertTrue(e.getMessage().contains("costs sum hidden states of H=6, expected H=5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(good, 3, new ReallocationSums(7, 2, 4, 5)));
        assertTrue(e.getMessage().contains("costs are for V=7 in 2 x 4, expected V=7 in 3 x 3"), e.getMessage());

        // Sums begun under one Yr, Yc refuse occurrences scored under others, unchanged; clear() starts them anew.
        ReallocationSums sums = trainer.newCosts();
        trainer.evaluate(good, 3, sums);
        double before = sums.total(table);
        Gradients.zero(trainer.parameters());
        trainer.forwardBackward(good, 3);
        new Adam(trainer.parameters(), 0.1).step();
        e = assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(good, 3, sums));
        assertTrue(e.getMessage().contains("other output tables Yr, Yc"), e.getMessage());
        assertEquals(6, sums.occurrences());
        assertEquals(before, sums.total(table));
        sums.clear();
        assertEquals(0, sums.occurrences());
        assertEquals(0, sums.total(table));
        trainer.evaluate(good, 3, sums);
        assertEquals(6, sums.occurrences());
    }
}
