package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The leaky RAG-minimal's point: where RAG-minimal's blocked write gives its gate no gradient, the leak does. */
class LeakyRagTest {

    @Test
    void leakyInhibitionIsSWithAShallowBandInsideTheDeadZone() {
        double l = RefMath.LEAK;
        assertEquals(0.0625, l);
        for (double q : new double[] {0, 0.25, 1}) {
            for (double v = -3; v <= 3; v += 0.125) {
                double s = RefMath.inhibit(v, q), leaky = RefMath.leakyInhibit(v, q, l);
                if (Math.abs(v) <= q / 2) {
                    assertEquals(0, leaky, "inside q/2 the leak is still closed: v=" + v + " q=" + q);
                } else if (Math.abs(v) <= q) {
                    assertEquals(l * (v - Math.signum(v) * q / 2), leaky, 1e-15, "the band q/2 < |v| <= q: v=" + v + " q=" + q);
                } else {
                    assertEquals(s + l * Math.signum(v) * q / 2, leaky, 1e-15, "outside: S moved by l q/2: v=" + v + " q=" + q);
                }
                assertEquals(s, RefMath.leakyInhibit(v, q, 0), "slope 0 is S");
            }
        }
        assertEquals(1 + l * 2, RefMath.leakyHardtanh(3, l), 1e-15);
        assertEquals(-1 - l, RefMath.leakyHardtanh(-2, l), 1e-15);
        assertEquals(0.5, RefMath.leakyHardtanh(0.5, l));
    }

    /**
     * One unit, one step, the plateau's case: the gate is open to keep h (a_z = 0.75 > 0, so q_h = 0) and
     * the write of n = 0.5 is blocked by q_n = 0.75 (|n| <= q_n). RAG-minimal gives a_z no gradient at all;
     * the leaky cell gives it -(l/2) sign(n) dL/dh' through q_n (n lies in the band q/2 < |n| <= q).
     */
    @Test
    void aBlockedWriteGivesItsGateAGradient() {
        // W_ih = [z: 0.25, n: 0.25], W_hh = 0, b_ih = [z: 0.25, n: 0], x = 2, h0 = 0.25:
        // a_z = 0.75, a_n = 0.5, p_h = S(h, 0) + S(n, 0.75) = 0.25 + 0 (+ leak)
        double[] wIh = {0.25, 0.25}, wHh = {0, 0}, bIh = {0.25, 0}, bHh = {0, 0};
        double[][][] x = {{{2}}};
        double[][] h0 = {{0.25}};
        double[][][] dOut = {{{1}}};
        ReferenceBackward plain = new ReferenceBackward(new ReferenceCell(RefCellType.RAG_MINIMAL, 1, 1, wIh, wHh, bIh, bHh));
        ReferenceBackward leaky = new ReferenceBackward(new ReferenceCell(RefCellType.RAG_MINIMAL_LEAKY, 1, 1, wIh, wHh, bIh, bHh));
        ReferenceBackward.Gradients dPlain = plain.backward(plain.forward(x, h0, null), dOut, null, null);
        ReferenceBackward.Trace leakyTrace = leaky.forward(x, h0, null);
        ReferenceBackward.Gradients dLeaky = leaky.backward(leakyTrace, dOut, null, null);
        assertEquals(0, dPlain.dBIh()[0], "RAG-minimal: the blocked write's gate gets nothing");
        assertEquals(0, dPlain.dBIh()[1], "RAG-minimal: nor does the blocked candidate");
        double l = RefMath.LEAK;
        assertEquals(-l / 2, dLeaky.dBIh()[0], 1e-15, "leaky: dq_n/da_z = 1, dS_l/dq = -(l/2) sign(n)");
        assertEquals(l, dLeaky.dBIh()[1], 1e-15, "leaky: dS_l/dn = l in the band");
        assertTrue(leakyTrace.finalH()[0][0] > 0.25, "the leak lets a little of n through");
    }
}
