package org.rnnkernels.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.rnnkernels.reference.ReferenceBackwardTest.FLOOR;
import static org.rnnkernels.reference.ReferenceBackwardTest.KINK_MARGIN;
import static org.rnnkernels.reference.ReferenceBackwardTest.SHAPES;
import static org.rnnkernels.reference.ReferenceBackwardTest.assertMessage;
import static org.rnnkernels.reference.ReferenceBackwardTest.checkAgainstFiniteDifferences;
import static org.rnnkernels.reference.ReferenceBackwardTest.dot;
import static org.rnnkernels.reference.ReferenceBackwardTest.sample;
import static org.rnnkernels.reference.ReferenceBackwardTest.tensors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.Test;
import org.rnnkernels.reference.ReferenceBackwardTest.Point;

/**
 * EGRU's backward with its pseudo-derivative {@code dHv/dv ~ psi(v) = gamma * max(0, 1 - s|v|)},
 * {@code v = c_pre - theta}. With {@code gamma = 0} the backward is the exact derivative; that is checked
 * against finite differences with the other cells in {@link ReferenceBackwardTest} (EGRU included there),
 * whose point selection relies on {@code nearestKink() = min |v|}, checked here independently.
 *
 * <p>With {@code gamma > 0} the backward is the exact derivative of a straight-through forward: at each
 * step, sample and unit, {@code o = Hv(v0) + Psi(v) - Psi(v0)} with {@code v0} the unperturbed value and
 * {@code Psi' = psi}, which equals the true forward at the traced point and has {@code do/dv = psi(v0)}
 * there. That forward is written out below, independently of the reference, and differentiated by
 * central differences ({@code Psi} is piecewise quadratic, so points with {@code |v|} within 1e-4 of 0 or
 * of {@code 1/s}, where {@code psi} has kinks, are skipped).
 */
class EgruBackwardTest {

    /**
     * {@code v = c_pre - theta [T][B][H]} of the inference forward, recovered from its outputs: a firing
     * unit has {@code y' = c_pre > theta > 0} and {@code c' = c_pre - theta = v}; a silent one {@code y' = 0}
     * and {@code c' = c_pre}, so {@code v = c' - theta} (both bit for bit as the forward computes v).
     */
    private static double[][][] heavisideArguments(Point p) {
        final int T = p.x().length, B = p.x()[0].length, H = p.hid();
        ReferenceCell cell = p.cell();
        double[][][] v = new double[T][B][H];
        for (int b = 0; b < B; b++) {
            double[] y = p.h0()[b].clone(), c = p.c0()[b].clone();
            for (int t = 0; t < T; t++) {
                double[] yN = new double[H], cN = new double[H];
                cell.step(p.x()[t][b], y, c, yN, cN);
                for (int j = 0; j < H; j++) v[t][b][j] = yN[j] != 0 ? cN[j] : cN[j] - p.theta()[j];
                y = yN;
                c = cN;
            }
        }
        return v;
    }

    private static double minAbs(double[][][] v, double shift) {
        double m = Double.POSITIVE_INFINITY;
        for (double[][] a : v) for (double[] row : a) for (double e : row) m = Math.min(m, Math.abs(Math.abs(e) - shift));
        return m;
    }

    private static long count(double[][][] v, DoublePredicate test) {
        long n = 0;
        for (double[][] a : v) for (double[] row : a) for (double e : row) if (test.test(e)) n++;
        return n;
    }

    @Test
    void nearestKinkIsTheDistanceOfCpreFromTheta() {
        long firing = 0, silent = 0;
        for (long seed = 0; seed < 5; seed++) {
            Point p = sample(RefCellType.EGRU, SHAPES[0], seed);
            double[][][] v = heavisideArguments(p);
            assertEquals(minAbs(v, 0), p.exactBackward().forward(p.x(), p.h0(), p.c0()).nearestKink(), 0.0);
            firing += count(v, e -> e > 0);
            silent += count(v, e -> e <= 0);
        }
        // the sampled points exercise both branches of o = Hv(v)
        assertTrue(firing > 10 && silent > 10, "firing " + firing + ", silent " + silent);
    }

    @Test
    void pseudoDerivativeSupportIsTheFractionWithinOneOverS() {
        Point p = sample(RefCellType.EGRU, SHAPES[0], 21);
        double[][][] v = heavisideArguments(p);
        double units = p.x().length * p.x()[0].length * p.hid();
        for (double s : new double[] {1, 4, 10}) {
            double expected = count(v, e -> Math.abs(e) < 1 / s) / units;
            double support = new ReferenceBackward(p.cell(), 0.7, s).forward(p.x(), p.h0(), p.c0())
                    .pseudoDerivativeSupport();
            assertEquals(expected, support, 0.0, "s = " + s);
            if (s == 4) assertTrue(0 < support && support < 1, "s = 4 should cut some units: " + support);
        }
        assertEquals(0, new ReferenceBackward(p.cell(), 0, 1).forward(p.x(), p.h0(), p.c0()).pseudoDerivativeSupport(),
                "gamma = 0: the pseudo-derivative is zero everywhere");
        Point gru = sample(RefCellType.GRU, SHAPES[0], 21);
        ReferenceBackward.Trace gruTrace = new ReferenceBackward(gru.cell()).forward(gru.x(), gru.h0(), null);
        assertThrows(IllegalStateException.class, gruTrace::pseudoDerivativeSupport);
    }

    // ---- gamma > 0: finite differences of the straight-through forward ----

    /** {@code Psi(v) = integral_0^v gamma max(0, 1 - s|u|) du}: quadratic inside {@code |v| < 1/s}, constant outside. */
    private static double psiIntegral(double v, double gamma, double s) {
        if (Math.abs(v) >= 1 / s) return Math.signum(v) * gamma / (2 * s);
        return gamma * (v - s * v * Math.abs(v) / 2);
    }

    /**
     * The loss of ReferenceBackwardTest ({@code sum_t g_t . y_t + gH . y_T + gC . c_T}) under the EGRU forward
     * of CELLS.md written out here, with {@code o = Hv(v0) + Psi(v) - Psi(v0)}.
     */
    private static double straightThroughLoss(Point p, double gamma, double s, double[][][] v0) {
        final int I = p.in(), H = p.hid(), T = p.x().length, B = p.x()[0].length;
        double loss = 0;
        for (int b = 0; b < B; b++) {
            double[] y = p.h0()[b].clone(), c = p.c0()[b].clone();
            for (int t = 0; t < T; t++) {
                double[] x = p.x()[t][b];
                double[] gi = new double[3 * H], gh = new double[3 * H];
                for (int row = 0; row < 3 * H; row++) {                          // gi = W_ih x + b_ih, gh = W_hh y + b_hh
                    gi[row] = p.bIh()[row];
                    for (int k = 0; k < I; k++) gi[row] += p.wIh()[row * I + k] * x[k];
                    gh[row] = p.bHh()[row];
                    for (int k = 0; k < H; k++) gh[row] += p.wHh()[row * H + k] * y[k];
                }
                double[] yN = new double[H], cN = new double[H];
                for (int j = 0; j < H; j++) {
                    double r = 1 / (1 + Math.exp(-(gi[j] + gh[j])));
                    double z = 1 / (1 + Math.exp(-(gi[H + j] + gh[H + j])));
                    double g = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
                    double cPre = z * c[j] + (1 - z) * g;
                    double v = cPre - p.theta()[j];
                    double w0 = v0[t][b][j];
                    double o = (w0 > 0 ? 1 : 0) + psiIntegral(v, gamma, s) - psiIntegral(w0, gamma, s);
                    yN[j] = o * cPre;
                    cN[j] = cPre - o * p.theta()[j];
                    loss += p.g()[t][b][j] * yN[j];
                }
                y = yN;
                c = cN;
            }
            loss += dot(new double[][] {p.gH()[b]}, new double[][] {y}) + dot(new double[][] {p.gC()[b]}, new double[][] {c});
        }
        return loss;
    }

    @Test
    void pseudoDerivativeIsTheExactDerivativeOfTheStraightThroughForward() {
        double[][] gammaS = {{ReferenceBackward.DEFAULT_GAMMA, ReferenceBackward.DEFAULT_S}, {0.3, 4}};
        for (double[] gs : gammaS) {
            final double gamma = gs[0], s = gs[1];
            Map<String, Integer> resolved = new LinkedHashMap<>();
            double largestPseudoTerm = 0;
            for (int[] shape : new int[][] {SHAPES[0], SHAPES[1]}) {
                Point p = smoothPoint(shape, s, 5_000);
                double[][][] v0 = heavisideArguments(p);
                assertEquals(p.loss(), straightThroughLoss(p, gamma, s, v0), 1e-12,
                        "the straight-through forward equals the forward at the traced point");
                ReferenceBackward rb = new ReferenceBackward(p.cell(), gamma, s);
                ReferenceBackward.Gradients d = rb.backward(rb.forward(p.x(), p.h0(), p.c0()), p.g(), p.gH(), p.gC());
                checkAgainstFiniteDifferences(p, () -> straightThroughLoss(p, gamma, s, v0),
                        tensors(d, RefCellType.EGRU), "EGRU gamma " + gamma + " s " + s, resolved);
                // not vacuous: the pseudo-derivative changes the gradients noticeably
                ReferenceBackward exact = p.exactBackward();
                ReferenceBackward.Gradients d0 = exact.backward(exact.forward(p.x(), p.h0(), p.c0()), p.g(), p.gH(), p.gC());
                for (int k = 0; k < d.dTheta().length; k++) {
                    largestPseudoTerm = Math.max(largestPseudoTerm, Math.abs(d.dTheta()[k] - d0.dTheta()[k]));
                }
            }
            for (String name : new String[] {"W_ih", "W_hh", "b_ih", "b_hh", "theta", "x", "h0", "c0"}) {
                assertTrue(resolved.getOrDefault(name, 0) > 0, "d" + name + " never above the floor " + FLOOR);
            }
            assertTrue(largestPseudoTerm > 1e-2, "pseudo-derivative term on dTheta only " + largestPseudoTerm);
        }
    }

    /** The first sampled point whose every v is farther than KINK_MARGIN from 0 and from +-1/s. */
    private static Point smoothPoint(int[] shape, double s, long base) {
        for (long seed = base; seed < base + 500; seed++) {
            Point p = sample(RefCellType.EGRU, shape, seed);
            double[][][] v = heavisideArguments(p);
            if (minAbs(v, 0) > KINK_MARGIN && minAbs(v, 1 / s) > KINK_MARGIN) return p;
        }
        return fail("no point away from the kinks of psi in 500 seeds from " + base);
    }

    // ---- one unit, one step, by hand ----

    /**
     * I = H = T = B = 1, L = 1.5 y' - 0.8 c'. Weights (blocks r, z, n): W_ih = (0.5, -0.4, 0.8),
     * W_hh = (0.3, 0.2, -0.6), b_ih = (0.1, 0, 0.2), b_hh = (-0.2, 0.1, 0.4); x = 1, y0 = 0.5, c0 = 0.6.
     * Then a_r = 0.55, a_z = -0.2, gh_n = 0.1, a_n = 1 + r 0.1, and c_pre ~ 0.70: theta = 0.3 fires
     * (v ~ 0.40), theta = 0.9 does not (v ~ -0.20); both inside the default support |v| < 1.
     */
    @Test
    void oneUnitOneStepByHand() {
        for (double theta : new double[] {0.3, 0.9}) {
            ReferenceCell cell = ReferenceCell.egru(1, 1, new double[] {0.5, -0.4, 0.8}, new double[] {0.3, 0.2, -0.6},
                    new double[] {0.1, 0, 0.2}, new double[] {-0.2, 0.1, 0.4}, new double[] {theta});
            for (double gamma : new double[] {ReferenceBackward.DEFAULT_GAMMA, 0}) {
                final double x = 1, y0 = 0.5, c0 = 0.6, gy = 1.5, gc = -0.8;
                double r = 1 / (1 + Math.exp(-0.55));                 // a_r = 0.5*1 + 0.1 + 0.3*0.5 - 0.2
                double z = 1 / (1 + Math.exp(0.2));                   // a_z = -0.4 + 0 + 0.2*0.5 + 0.1
                double ghN = -0.6 * 0.5 + 0.4;                        // gh_n = 0.1
                double g = Math.tanh(0.8 + 0.2 + r * ghN);            // g = tanh(gi_n + r gh_n)
                double cPre = z * c0 + (1 - z) * g;
                double v = cPre - theta;
                assertTrue(Math.abs(v) > 0.15 && Math.abs(v) < 0.5, "v = " + v);
                double o = v > 0 ? 1 : 0;
                double psi = gamma * (1 - Math.abs(v));               // inside the support, s = 1
                // L = gy o c_pre + gc (c_pre - o theta)
                double dO = gy * cPre - gc * theta;
                double dCPre = gy * o + gc + psi * dO;
                double dTheta = -gc * o - psi * dO;
                double dC0 = dCPre * z;
                double dAZ = dCPre * (c0 - g) * z * (1 - z);
                double dAN = dCPre * (1 - z) * (1 - g * g);
                double dAR = dAN * ghN * r * (1 - r);

                ReferenceBackward rb = gamma == 0 ? new ReferenceBackward(cell, 0, 1) : new ReferenceBackward(cell);
                ReferenceBackward.Trace trace = rb.forward(new double[][][] {{{x}}}, new double[][] {{y0}},
                        new double[][] {{c0}});
                assertEquals(o * cPre, trace.outputs()[0][0][0], 1e-15);
                assertEquals(gamma == 0 ? 0 : 1, trace.pseudoDerivativeSupport());
                ReferenceBackward.Gradients d = rb.backward(trace, new double[][][] {{{gy}}}, null,
                        new double[][] {{gc}});
                String what = "theta " + theta + " gamma " + gamma;
                final double tol = 1e-14;
                assertArrayEquals(new double[] {dAR * x, dAZ * x, dAN * x}, d.dWIh(), tol, what + " dW_ih");
                assertArrayEquals(new double[] {dAR * y0, dAZ * y0, dAN * r * y0}, d.dWHh(), tol, what + " dW_hh");
                assertArrayEquals(new double[] {dAR, dAZ, dAN}, d.dBIh(), tol, what + " db_ih");
                assertArrayEquals(new double[] {dAR, dAZ, dAN * r}, d.dBHh(), tol, what + " db_hh");
                assertArrayEquals(new double[] {dTheta}, d.dTheta(), tol, what + " dtheta");
                assertEquals(0.5 * dAR - 0.4 * dAZ + 0.8 * dAN, d.dX()[0][0][0], tol, what + " dx");
                assertEquals(0.3 * dAR + 0.2 * dAZ - 0.6 * dAN * r, d.dInitialH()[0][0], tol, what + " dy0");
                assertEquals(dC0, d.dInitialC()[0][0], tol, what + " dc0");
            }
        }
    }

    /**
     * One step: a unit's own rows of the parameter gradients, its dTheta and dc0 see only its own
     * pseudo-derivative, so outside the support (|v| >= 1/s) they are bit for bit those of gamma = 0,
     * and inside they differ.
     */
    @Test
    void unitsOutsideTheSupportGetExactlyTheGammaZeroGradient() {
        final double s = 4;
        final int I = 3, H = 8;
        Point p = sample(RefCellType.EGRU, new int[] {I, H, 1, 1}, 31);
        double[] v = heavisideArguments(p)[0][0];
        ReferenceBackward pseudo = new ReferenceBackward(p.cell(), 0.7, s);
        ReferenceBackward exact = p.exactBackward();
        ReferenceBackward.Gradients d = pseudo.backward(pseudo.forward(p.x(), p.h0(), p.c0()), p.g(), p.gH(), p.gC());
        ReferenceBackward.Gradients d0 = exact.backward(exact.forward(p.x(), p.h0(), p.c0()), p.g(), p.gH(), p.gC());
        int outside = 0, inside = 0;
        for (int j = 0; j < H; j++) {
            if (Math.abs(v[j]) >= 1 / s) {
                outside++;
                for (int row : new int[] {j, H + j, 2 * H + j}) {
                    assertEquals(d0.dBIh()[row], d.dBIh()[row], 0.0);
                    assertEquals(d0.dBHh()[row], d.dBHh()[row], 0.0);
                    for (int k = 0; k < I; k++) assertEquals(d0.dWIh()[row * I + k], d.dWIh()[row * I + k], 0.0);
                    for (int k = 0; k < H; k++) assertEquals(d0.dWHh()[row * H + k], d.dWHh()[row * H + k], 0.0);
                }
                assertEquals(d0.dTheta()[j], d.dTheta()[j], 0.0, "unit " + j);
                assertEquals(d0.dInitialC()[0][j], d.dInitialC()[0][j], 0.0, "unit " + j);
            } else {
                inside++;
                assertNotEquals(d0.dTheta()[j], d.dTheta()[j], "unit " + j + " inside the support");
                assertNotEquals(d0.dInitialC()[0][j], d.dInitialC()[0][j], "unit " + j + " inside the support");
            }
        }
        assertTrue(outside > 0 && inside > 0, "outside " + outside + ", inside " + inside);
    }

    // ---- validation ----

    @Test
    void pseudoDerivativeParametersAndThresholdsAreValidated() {
        Point p = sample(RefCellType.EGRU, SHAPES[0], 41);
        ReferenceCell cell = p.cell();
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage("gamma", () -> new ReferenceBackward(cell, bad, 1));
        }
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage("s", () -> new ReferenceBackward(cell, 0.7, bad));
        }
        new ReferenceBackward(cell, 0, 1e-3);                        // the edges of the ranges are accepted
        Point gru = sample(RefCellType.GRU, SHAPES[0], 41);
        assertMessage("gamma and s are for EGRU only", () -> new ReferenceBackward(gru.cell(), 0.7, 1));
        assertMessage("cell", () -> new ReferenceBackward(null));
        // thresholds: finite and >= 0, named with their index
        double[] theta = p.theta().clone();
        for (double bad : new double[] {-0.2, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY}) {
            theta[2] = bad;
            assertMessage("theta[2]", () -> ReferenceCell.egru(p.in(), p.hid(), p.wIh(), p.wHh(), p.bIh(), p.bHh(),
                    theta));
        }
        assertMessage("theta", () -> ReferenceCell.egru(p.in(), p.hid(), p.wIh(), p.wHh(), p.bIh(), p.bHh(),
                new double[p.hid() + 1]));
        // dTheta belongs to EGRU only
        ReferenceBackward rb = new ReferenceBackward(gru.cell());
        assertNull(rb.backward(rb.forward(gru.x(), gru.h0(), null), gru.g(), gru.gH(), null).dTheta());
        // EGRU's shapes: c0 required, dFinalC [B][H]
        ReferenceBackward eb = new ReferenceBackward(cell);
        ReferenceBackward.Trace trace = eb.forward(p.x(), p.h0(), p.c0());
        assertMessage("dFinalC[0]", () -> eb.backward(trace, null, null, new double[2][3]));
        assertMessage("c0", () -> eb.forward(p.x(), p.h0(), null));
        assertEquals(p.hid(), eb.backward(trace, p.g(), null, null).dTheta().length);
    }
}
