package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** EGRU's step worked by hand: one unit, zero weights, so only the biases and the state act. */
class EgruReferenceTest {

    // b_ih = (r 0, z 0, n 0.5): r = z = sigm(0) = 0.5, g = tanh(0.5 + 0.5*0) ; c = 0.4
    private static double[] step(double theta, double[] cOut) {
        ReferenceCell cell = ReferenceCell.egru(1, 1, new double[3], new double[3], new double[] {0, 0, 0.5}, new double[3],
                new double[] {theta});
        double[] y = new double[1];
        cell.step(new double[] {1}, new double[] {0}, new double[] {0.4}, y, cOut);
        return y;
    }

    @Test
    void firesAboveThresholdAndResetsBySubtraction() {
        double cPre = 0.5 * 0.4 + 0.5 * Math.tanh(0.5);          // z*c + (1-z)*g
        double[] c = new double[1];
        double[] y = step(0.3, c);
        assertEquals(cPre, y[0], 1e-15);                         // y' = c_pre
        assertEquals(cPre - 0.3, c[0], 1e-15);                   // c' = c_pre - theta
    }

    @Test
    void staysSilentBelowThreshold() {
        double cPre = 0.5 * 0.4 + 0.5 * Math.tanh(0.5);
        double[] c = new double[1];
        double[] y = step(0.5, c);
        assertEquals(0.0, y[0]);
        assertEquals(cPre, c[0], 1e-15);                         // no reset
    }

    @Test
    void thresholdsMustBeFiniteAndNotNegative() {
        for (double bad : new double[] {-1, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> step(bad, new double[1]));
        }
        // 0 is legal (EvNN clamps thresholds to [0, 1]): the positive c_pre fires whole, and c' = c_pre - 0
        double cPre = 0.5 * 0.4 + 0.5 * Math.tanh(0.5);
        double[] c = new double[1];
        double[] y = step(0, c);
        assertEquals(cPre, y[0], 1e-15);
        assertEquals(cPre, c[0], 1e-15);
    }
}
