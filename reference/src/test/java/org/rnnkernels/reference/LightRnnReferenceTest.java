package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * LightRnnReference against values worked out by hand (zero output tables give uniform softmaxes)
 * and against ReferenceCell steps taken one at a time.
 */
class LightRnnReferenceTest {
    private static final double TOL = 1e-12;

    private static double[] random(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble() * 2 - 1;
        return a;
    }

    private static ReferenceCell gru(Random r, int e, int h) {
        return new ReferenceCell(RefCellType.GRU, e, h, random(r, 3 * h * e), random(r, 3 * h * h),
                random(r, 3 * h), random(r, 3 * h));
    }

    @Test
    void zeroOutputTablesGiveUniformProbabilitiesOverOccupiedRowsAndCells() {
        Random r = new Random(1);
        ReferenceCell cell = gru(r, 2, 3);
        double[] zeroR = new double[2 * 3];
        // Full 2x2 table: every word 1/2 * 1/2.
        LightRnnReference full = new LightRnnReference(2, 2, new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1},
                random(r, 4), random(r, 4), zeroR, zeroR, cell);
        for (int w = 0; w < 4; w++) {
            assertEquals(Math.log(0.25), full.logProbability(full.newState(), w), TOL);
        }
        // Words 0, 1 in row 0, word 2 alone in row 1: 1/2 * 1/2, 1/2 * 1/2, 1/2 * 1.
        LightRnnReference partial = new LightRnnReference(2, 2, new int[] {0, 0, 1}, new int[] {0, 1, 1},
                random(r, 4), random(r, 4), zeroR, zeroR, cell);
        assertEquals(Math.log(0.25), partial.logProbability(partial.newState(), 0), TOL);
        assertEquals(Math.log(0.25), partial.logProbability(partial.newState(), 1), TOL);
        assertEquals(Math.log(0.5), partial.logProbability(partial.newState(), 2), TOL);
        // Two words in a 2x2 table, row 1 empty: the empty row takes nothing, each word 1/2.
        LightRnnReference emptyRow = new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {0, 1},
                random(r, 4), random(r, 4), zeroR, zeroR, cell);
        assertEquals(Math.log(0.5), emptyRow.logProbability(emptyRow.newState(), 1), TOL);
    }

    @Test
    void probabilitiesSumToOneOverAllWords() {
        Random r = new Random(2);
        int e = 3, h = 4;
        // 7 words scattered over a 3 x 3 table, cells (0, 1) and (2, 0) empty
        int[] rowOf = {0, 0, 1, 1, 1, 2, 2};
        int[] colOf = {0, 2, 0, 1, 2, 1, 2};
        LightRnnReference model = new LightRnnReference(3, 3, rowOf, colOf, random(r, 9), random(r, 9),
                random(r, 12), random(r, 12), gru(r, e, h));
        LightRnnReference.State state = model.newState();
        for (int word : new int[] {3, 1, 6, 0}) {
            double sum = 0;
            for (int w = 0; w < 7; w++) sum += Math.exp(model.logProbability(state, w));
            assertEquals(1.0, sum, 1e-12);
            model.next(state, word);
        }
    }

    @Test
    void aWordIsTwoCellStepsAndScoringDoesNotAdvance() {
        Random r = new Random(3);
        int e = 2, h = 3;
        ReferenceCell cell = new ReferenceCell(RefCellType.LSTM, e, h, random(r, 4 * h * e), random(r, 4 * h * h),
                random(r, 4 * h), random(r, 4 * h));
        double[] xr = random(r, 2 * e), xc = random(r, 2 * e);
        LightRnnReference model = new LightRnnReference(2, 2, new int[] {0, 1, 1, 0}, new int[] {0, 0, 1, 1},
                xr, xc, random(r, 2 * h), random(r, 2 * h), cell);
        LightRnnReference.State state = model.newState();
        double before = model.logProbability(state, 2);
        assertEquals(before, model.logProbability(state, 2), 0.0);
        assertArrayEquals(new double[h], state.h, 0.0);

        // word 2 sits at (1, 1): h^r = cell(Xr[1], 0), h^c = cell(Xc[1], h^r)
        double[] hr = new double[h], cr = new double[h], hc = new double[h], cc = new double[h];
        cell.step(new double[] {xr[2], xr[3]}, new double[h], new double[h], hr, cr);
        cell.step(new double[] {xc[2], xc[3]}, hr, cr, hc, cc);
        assertEquals(before, model.next(state, 2), 0.0);
        assertArrayEquals(hc, state.h, 0.0);
        assertArrayEquals(cc, state.c, 0.0);
    }

    @Test
    void rejectsTwoWordsInOneCellAndWrongTableSizes() {
        Random r = new Random(4);
        ReferenceCell cell = gru(r, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {1, 1},
                random(r, 4), random(r, 4), random(r, 6), random(r, 6), cell));
        assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {0, 1},
                random(r, 5), random(r, 4), random(r, 6), random(r, 6), cell));
    }
}
