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
        assertArrayEquals(new double[h], state.h[0], 0.0);

        // word 2 sits at (1, 1): h^r = cell(Xr[1], 0), h^c = cell(Xc[1], h^r)
        double[] hr = new double[h], cr = new double[h], hc = new double[h], cc = new double[h];
        cell.step(new double[] {xr[2], xr[3]}, new double[h], new double[h], hr, cr);
        cell.step(new double[] {xc[2], xc[3]}, hr, cr, hc, cc);
        assertEquals(before, model.next(state, 2), 0.0);
        assertArrayEquals(hc, state.h[0], 0.0);
        assertArrayEquals(cc, state.c[0], 0.0);
    }

    @Test
    void aStackRunsEveryLayerAtEachHalfStepAndTheTopLayerFeedsTheSoftmaxes() {
        Random r = new Random(5);
        int e = 2, h1 = 3, h2 = 4;
        ReferenceCell bottom = new ReferenceCell(RefCellType.LSTM, e, h1, random(r, 4 * h1 * e), random(r, 4 * h1 * h1),
                random(r, 4 * h1), random(r, 4 * h1));
        ReferenceCell upper = gru(r, h1, h2);
        double[] xr = random(r, 2 * e), xc = random(r, 2 * e), yr = random(r, 2 * h2), yc = random(r, 2 * h2);
        LightRnnReference model = new LightRnnReference(2, 2, new int[] {0, 1, 1, 0}, new int[] {0, 0, 1, 1},
                xr, xc, yr, yc, java.util.List.of(bottom, upper));
        assertEquals(2, model.numLayers());
        LightRnnReference.State state = model.newState();
        model.next(state, 1);                      // some way into the stream: nonzero states in both layers
        LightRnnReference.State start = state.copy();

        // word 2 at (1, 1): each half-step runs the LSTM on the embedding, then the GRU on the LSTM's h
        double[] hr1 = new double[h1], cr1 = new double[h1], hr2 = new double[h2];
        bottom.step(new double[] {xr[2], xr[3]}, start.h[0], start.c[0], hr1, cr1);
        upper.step(hr1, start.h[1], null, hr2, null);
        double[] hc1 = new double[h1], cc1 = new double[h1], hc2 = new double[h2];
        bottom.step(new double[] {xc[2], xc[3]}, hr1, cr1, hc1, cc1);
        upper.step(hc1, hr2, null, hc2, null);
        // log P = log softmax(Yr h^c_{t-1})[1] + log softmax(Yc h^r_t)[1], from the GRU's (top) h
        double expected = logSoftmax2(yr, start.h[1], 1) + logSoftmax2(yc, hr2, 1);
        assertEquals(expected, model.next(state, 2), 1e-12);
        assertArrayEquals(hc1, state.h[0], 0.0);
        assertArrayEquals(cc1, state.c[0], 0.0);
        assertArrayEquals(hc2, state.h[1], 0.0);
        assertEquals(null, state.c[1]);
    }

    // log softmax of z = Y h over two entries (Y [2][H]), at i
    private static double logSoftmax2(double[] y, double[] h, int i) {
        double[] z = new double[2];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < h.length; j++) z[k] += y[k * h.length + j] * h[j];
        }
        return z[i] - Math.log(Math.exp(z[0]) + Math.exp(z[1]));
    }

    @Test
    void rejectsTwoWordsInOneCellAndWrongTableSizes() {
        Random r = new Random(4);
        ReferenceCell cell = gru(r, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {1, 1},
                random(r, 4), random(r, 4), random(r, 6), random(r, 6), cell));
        assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {0, 1},
                random(r, 5), random(r, 4), random(r, 6), random(r, 6), cell));
        // a stack whose sizes do not chain, and yr sized for the bottom layer instead of the top one
        ReferenceCell upper = gru(r, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2,
                new int[] {0, 0}, new int[] {0, 1}, random(r, 4), random(r, 4), random(r, 6), random(r, 6),
                java.util.List.of(cell, upper)));
        assertEquals("stack[1] has input size 4, expected the hidden size of stack[0] = 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LightRnnReference(2, 2, new int[] {0, 0}, new int[] {0, 1},
                random(r, 4), random(r, 4), random(r, 6), random(r, 6), java.util.List.of(cell, gru(r, 3, 5))));
    }
}
