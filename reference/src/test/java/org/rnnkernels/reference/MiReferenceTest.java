package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The MI cells of CELLS.md: neutral parameters give the plain cell; a hand-computed MI-RNN step. */
class MiReferenceTest {

    @Test
    void neutralParametersGiveThePlainCell() {
        RefCellType[][] pairs = {{RefCellType.MI_RNN, RefCellType.RNN_TANH}, {RefCellType.MI_LSTM, RefCellType.LSTM},
                {RefCellType.MI_GRU, RefCellType.GRU}};
        Random random = new Random(4);
        for (RefCellType[] pair : pairs) {
            int in = 3;
            int h = 4;
            int rows = pair[1].gates * h;
            double[] wIh = random.doubles(rows * in, -1, 1).toArray();
            double[] wHh = random.doubles(rows * h, -1, 1).toArray();
            double[] bIh = random.doubles(rows, -1, 1).toArray();
            double[] bHh = random.doubles(rows, -1, 1).toArray();
            double[] ones = new double[rows];
            Arrays.fill(ones, 1);
            ReferenceCell plain = new ReferenceCell(pair[1], in, h, wIh, wHh, bIh, bHh);
            ReferenceCell mi = new ReferenceCell(pair[0], in, h, wIh, wHh, bIh, bHh, new double[rows], ones, ones);
            double[] x = random.doubles(in, -1, 1).toArray();
            double[] h0 = random.doubles(h, -1, 1).toArray();
            double[] c0 = pair[1].hasCellState() ? random.doubles(h, -1, 1).toArray() : null;
            double[] a = new double[h];
            double[] b = new double[h];
            double[] ca = c0 == null ? null : new double[h];
            double[] cb = c0 == null ? null : new double[h];
            plain.step(x, h0, c0, a, ca);
            mi.step(x, h0, c0, b, cb);
            for (int j = 0; j < h; j++) {
                assertEquals(a[j], b[j], 1e-12, pair[0] + " h[" + j + "]");
            }
        }
    }

    @Test
    void miRnnByHand() {
        // I = H = 1: Wx = 0.5*2 = 1, Uh = -0.25*0.4 = -0.1, b = 0.1 + 0.2 = 0.3
        // pre = alpha*Wx*Uh + beta1*Uh + beta2*Wx + b = 2*1*(-0.1) + 0.5*(-0.1) + 0.25*1 + 0.3 = 0.3
        ReferenceCell cell = new ReferenceCell(RefCellType.MI_RNN, 1, 1, new double[] {0.5}, new double[] {-0.25},
                new double[] {0.1}, new double[] {0.2}, new double[] {2}, new double[] {0.5}, new double[] {0.25});
        double[] out = new double[1];
        cell.step(new double[] {2}, new double[] {0.4}, null, out, null);
        assertEquals(Math.tanh(0.3), out[0], 1e-15);
    }

    @Test
    void miParametersBelongToMiCells() {
        assertThrows(IllegalArgumentException.class, () -> new ReferenceCell(RefCellType.GRU, 1, 1, new double[3], new double[3],
                new double[3], new double[3], new double[3], new double[3], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> new ReferenceCell(RefCellType.MI_GRU, 1, 1, new double[3], new double[3],
                new double[3], new double[3]));
    }
}
