package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnkernels.reference.RefMath.hardtanh;
import static org.rnnkernels.reference.RefMath.inhibit;
import static org.rnnkernels.reference.RefMath.relu;
import static org.rnnkernels.reference.RefMath.sigm;

import org.junit.jupiter.api.Test;

class RefMathTest {
    private static final double[] VS = {-3.5, -1.0, -0.75, -0.1, 0.0, 0.2, 0.5, 1.0, 2.25, 7.0};
    private static final double[] QS = {0.0, 0.05, 0.25, 0.5, 1.0, 3.0};

    @Test
    void sigmValues() {
        assertEquals(0.5, sigm(0.0), 0.0);
        // 1/(1+e^-1) = 0.7310585786300049
        assertEquals(0.7310585786300049, sigm(1.0), 1e-15);
        assertEquals(1.0 - 0.7310585786300049, sigm(-1.0), 1e-15);
        assertTrue(sigm(-800) >= 0.0 && sigm(800) <= 1.0);
    }

    @Test
    void reluValues() {
        assertEquals(0.0, relu(-2.0), 0.0);
        assertEquals(0.0, relu(0.0), 0.0);
        assertEquals(1.5, relu(1.5), 0.0);
    }

    @Test
    void hardtanhClamps() {
        assertEquals(-1.0, hardtanh(-5.0), 0.0);
        assertEquals(-1.0, hardtanh(-1.0), 0.0);
        assertEquals(-0.3, hardtanh(-0.3), 0.0);
        assertEquals(0.0, hardtanh(0.0), 0.0);
        assertEquals(0.7, hardtanh(0.7), 0.0);
        assertEquals(1.0, hardtanh(1.0), 0.0);
        assertEquals(1.0, hardtanh(1e9), 0.0);
    }

    @Test
    void inhibitByZeroPasses() {
        for (double v : VS) assertEquals(v, inhibit(v, 0.0), 0.0, "S(" + v + ", 0)");
    }

    @Test
    void inhibitBlocksWhenQAtLeastAbsV() {
        for (double v : VS) {
            assertEquals(0.0, inhibit(v, Math.abs(v)), 0.0, "S(v, |v|), v=" + v);
            assertEquals(0.0, inhibit(v, Math.abs(v) + 0.5), 0.0, "S(v, |v|+0.5), v=" + v);
        }
    }

    @Test
    void inhibitIsOddInV() {
        for (double v : VS) for (double q : QS) {
            assertEquals(-inhibit(v, q), inhibit(-v, q), 0.0, "v=" + v + " q=" + q);
        }
    }

    @Test
    void inhibitShrinksTowardZeroByQ() {
        assertEquals(0.75, inhibit(1.0, 0.25), 0.0);    // relu(0.75) - relu(-1.25)
        assertEquals(-0.5, inhibit(-1.5, 1.0), 0.0);    // relu(-2.5) - relu(0.5)
        assertEquals(0.0, inhibit(0.25, 0.5), 0.0);     // relu(-0.25) - relu(-0.75)
        for (double v : VS) for (double q : QS) {
            double s = inhibit(v, q);
            assertEquals(Math.signum(v) * Math.max(Math.abs(v) - q, 0.0), s, 0.0, "v=" + v + " q=" + q);
        }
    }
}
