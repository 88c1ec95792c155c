package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The int8 reference's quantisation on rows whose answer is known by hand, and its cell on the dequantised weights. */
class Int8ReferenceTest {

    @Test
    void quantisesEachRowByItsMaxAbsRoundingHalfToEven() {
        // row 0: s = 1, ties 62.5 -> 62, 63.5 -> 64, -0.5 -> 0; row 1: zeros; row 2: s = 0.5 / 127, the max exact
        float[] w = {127f, 62.5f, 63.5f, -0.5f, 0f, 0f, 0f, 0f, -0.5f, 0.25f, 0f, 0.1f};
        Int8Reference.Matrix m = Int8Reference.quantize(w, 3, 4);
        assertEquals(1.0, m.scales()[0]);
        assertArrayEquals(new int[] {127, 62, 64, 0}, java.util.Arrays.copyOfRange(m.q(), 0, 4));
        assertEquals(0.0, m.scales()[1]);
        assertArrayEquals(new int[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(m.q(), 4, 8));
        assertEquals((float) (0.5 / 127), m.scales()[2]);
        assertEquals(-127, m.q()[8]);
        assertEquals(-0.5, m.weight(2, 0), 0.5 * 0x1p-24);      // -127 s: the max to the scale's float rounding
        assertEquals(0.0, m.weight(2, 2));
    }

    @Test
    void theCellRunsOnTheDequantisedWeights() {
        float[] wIh = {0.3f, -0.7f, 0.11f, 0.5f, 0.9f, -0.2f};     // RNN_TANH, I = 2, H = 3
        float[] wHh = {0.1f, 0.2f, -0.3f, 0.4f, -0.5f, 0.6f, 0.7f, 0.05f, -0.9f};
        Int8Reference.Matrix ih = Int8Reference.quantize(wIh, 3, 2);
        Int8Reference.Matrix hh = Int8Reference.quantize(wHh, 3, 3);
        double[] b = {0.1, -0.1, 0.2};
        ReferenceCell cell = Int8Reference.cell(RefCellType.RNN_TANH, 2, 3, ih, hh, b, b);
        ReferenceCell plain = new ReferenceCell(RefCellType.RNN_TANH, 2, 3, ih.dequantized(), hh.dequantized(), b, b);
        double[] x = {0.4, -0.8};
        double[] h = {0.2, 0.0, -0.6};
        double[] a = new double[3];
        double[] e = new double[3];
        cell.step(x, h, null, a, null);
        plain.step(x, h, null, e, null);
        assertArrayEquals(e, a);
        // and differs from the unquantised cell by the weights' error only: small, not zero
        ReferenceCell original = new ReferenceCell(RefCellType.RNN_TANH, 2, 3, toDouble(wIh), toDouble(wHh), b, b);
        double[] o = new double[3];
        original.step(x, h, null, o, null);
        double diff = 0;
        for (int j = 0; j < 3; j++) {
            diff = Math.max(diff, Math.abs(o[j] - a[j]));
        }
        assertTrue(diff > 0 && diff < 1e-2, "quantisation error " + diff);
    }

    @Test
    void nanAndInfinityAreRefusedNamingTheRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Int8Reference.quantize(new float[] {0f, 1f, Float.NaN, 2f}, 2, 2));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Int8Reference.quantize(new float[] {Float.POSITIVE_INFINITY}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Int8Reference.quantize(new float[3], 2, 2));
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
