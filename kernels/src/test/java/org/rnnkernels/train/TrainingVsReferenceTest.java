package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceBackward;
import org.rnnkernels.reference.RestrictedReference;

/**
 * The float training forward and backward of every supported cell against {@code ReferenceBackward}
 * (double), on awkward sizes: every gradient (inputs, initial states, every parameter) and the outputs.
 *
 * <p>Error of an element of a tensor: {@code |kernel - reference| / max(|reference|, FLOOR * max|reference|)},
 * at most {@value #TOLERANCE} (CELLS.md's sigm/tanh tolerance, the 1e-4). The floor,
 * {@value #FLOOR} of the tensor's largest element, is for the tiny entries: a weight gradient is a sum over
 * {@code T*B} products of mixed sign, and where it nearly cancels its float rounding (and the forward's,
 * carried along) is relative to the terms, not to their small sum; so entries below a hundredth of the
 * tensor's scale are held to {@code 1e-6} of that scale instead. No NaN or infinity is accepted.
 *
 * <p>RAG cells: {@code W_hh} scaled by {@value #RAG_SCALE} (at full scale their dynamics amplify rounding
 * tenfold every ~40 steps, in the double reference too: see {@code KernelVsReferenceTest}), and only at
 * sample points whose nearest kink argument ({@link ReferenceBackward.Trace#nearestKink()}) is exactly on
 * its kink or at least {@value #KINK_MARGIN} from it: seeds {@code base*1000, base*1000+1, ...} until one
 * qualifies. A distance of exactly 0 is accepted: over more than a few steps every RAG trace has one
 * (a state saturated at exactly 1 and held, a write blocked to exactly 0), and it comes from exact
 * arithmetic (min, max, adds of exact values), which float and double evaluate alike, so both take the
 * same subgradient. A nearest kink in (0, 1e-5) could fall on the other side in float, so such points are
 * skipped. Limitation: {@code nearestKink()} reports only the minimum, so where it is 0 a near miss
 * elsewhere in the trace is not excluded; such a point passes only if the kernel took the same side.
 *
 * <p>EGRU: its firing {@code o = Hv(c_pre - theta)} jumps, so where the reference's {@code c_pre} is within
 * {@value TrainFixture#AMBIGUOUS} of {@code theta} the reference adopts the kernel's decision (as
 * {@code EgruTest}; {@code ReferenceBackward.forwardAdopting}), and such adoptions must stay rare. Three
 * pseudo-derivatives (the default, {@code gamma = 0}, a narrow one), each through the support product on
 * every step (seed 1) and through the dense product (seed 2).
 *
 * <p>Restricted layers (RNN_TANH, GRU, LSTM at sharing rates 0, 0.5, 1): the dense gradients and the pool's,
 * against {@code RestrictedReference.poolGradients} of the reference's.
 */
class TrainingVsReferenceTest {
    static final double TOLERANCE = 1e-4;
    static final double FLOOR = 1e-2;
    static final float RAG_SCALE = 0.25f;
    static final double KINK_MARGIN = 1e-5;
    // Every cell but the event-based one, which has cases of its own (egruCases): a cell registered in CellType
    // is tested here the day it is registered.
    static final List<CellType> SUPPORTED = Stream.of(CellType.values()).filter(type -> !type.eventBased()).toList();

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : SUPPORTED) {
            for (int hidden : HIDDEN) {
                for (int batch : new int[] {1, 3}) {
                    for (int steps : new int[] {1, 50}) {
                        for (int seed = 1; seed <= 2; seed++) {
                            cases.add(Arguments.of(type, input(hidden, seed), hidden, batch, steps, seed * 7919L + hidden));
                        }
                    }
                }
            }
        }
        // Above the pair kernels' batch limit: per-step products through BLAS sgemm with the Vector API on AVX2,
        // through the panel product on AVX-512 (and through BLAS without the Vector API).
        for (CellType type : List.of(CellType.GRU, CellType.RAG_MINIMAL, CellType.LSTM)) {
            cases.add(Arguments.of(type, 12, 9, org.rnnkernels.product.PanelProduct.MAX_BATCH + 1, 5, 5L));
        }
        return cases.stream();
    }

    static boolean isRag(CellType type) {
        return type == CellType.RAG_GRU || type == CellType.RAG_MINIMAL || type == CellType.RAG_LSTM
                || type == CellType.RAG_MINIMAL_LEAKY;
    }

    /** The fixture for a case: for RAG cells the first seed from {@code base*1000} whose trace keeps off the kinks. */
    static TrainFixture fixture(CellType type, int input, int hidden, int batch, int steps, long base) {
        if (!isRag(type)) {
            return new TrainFixture(type, input, hidden, batch, steps, base, 1f);
        }
        for (int k = 0; k < 200; k++) {
            TrainFixture f = new TrainFixture(type, input, hidden, batch, steps, base * 1000 + k, RAG_SCALE);
            ReferenceBackward reference = f.reference();
            double kink = f.referenceTrace(reference).nearestKink();
            if (kink == 0 || kink >= KINK_MARGIN) {
                return f;
            }
        }
        throw new AssertionError("no seed from " + base * 1000 + " keeps " + type + " " + hidden + "x" + batch + "x" + steps
                + " off its kinks by " + KINK_MARGIN);
    }

    /** The support product on every step but the first (its test {@code needed < 2*B*H} always holds). */
    static final double ALWAYS_SPARSE = 2;
    static final int[] HIDDEN = {1, 7, 8, 9, 17, 33};
    // Seed 2's input sizes, by HIDDEN's position: narrow inputs (at most ThinInputProducts.MAX_INPUTS), whose
    // input-side products are the layer's own rather than the BLAS's; seed 1 takes H + 3.
    static final int[] NARROW = {1, 2, 3, 5, 7, 8};

    /** The input size of the case with {@code hidden} (one of {@link #HIDDEN}) and seed number {@code seed}. */
    static int input(int hidden, int seed) {
        for (int at = 0; at < HIDDEN.length; at++) {
            if (HIDDEN[at] == hidden && seed != 1) {
                return NARROW[at];
            }
        }
        return hidden + 3;
    }

    static Stream<Arguments> egruCases() {
        List<Arguments> cases = new ArrayList<>();
        for (double[] pseudo : new double[][] {{TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S}, {0, 1}, {0.5, 5}}) {
            for (int hidden : HIDDEN) {
                for (int batch : new int[] {1, 3}) {
                    for (int steps : new int[] {1, 50}) {
                        for (int seed = 1; seed <= 2; seed++) {
                            cases.add(Arguments.of(pseudo[0], pseudo[1], input(hidden, seed), hidden, batch, steps, seed * 7919L + hidden,
                                    seed == 1 ? ALWAYS_SPARSE : 0.0));
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "EGRU gamma={0} s={1} I={2} H={3} B={4} T={5} seed={6} sparseBelow={7}")
    @MethodSource("egruCases")
    void egruGradientsMatchReference(double gamma, double slope, int input, int hidden, int batch, int steps, long seed,
                                     double sparseBelow) {
        TrainFixture f = TrainFixture.egru(input, hidden, batch, steps, seed, gamma, slope);
        checkEgru(f, sparseBelow, 1 + (long) steps * batch * hidden / 1000);
    }

    /**
     * Thresholds set to the kernel's own {@code c_pre} of the first step, so that at every unit of sample 0
     * the firing decision is a float rounding away: the reference adopts the kernel's where they differ.
     */
    @org.junit.jupiter.api.Test
    void egruThresholdsOnTheJumpAdoptTheKernelsDecision() {
        TrainFixture f = TrainFixture.egru(6, 17, 2, 5, 31, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S);
        float[] theta = f.theta.clone();
        int onTheJump = 0;
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = f.training(layer);
            TrainingState state = f.state(training);
            training.forward(f.x, f.steps, state, new float[f.steps * f.batch * f.hidden]);
            for (int j = 0; j < f.hidden; j++) {
                float cPre = state.act[org.rnnkernels.cell.Egru.C_PRE_BLOCK * f.hidden + j];   // step 0, sample 0: c_pre does not depend on theta
                if (cPre > 0.01f) {
                    theta[j] = cPre;
                    onTheJump++;
                }
            }
        }
        assertTrue(onTheJump >= 3, onTheJump + " units with c_pre > 0.01 at the first step");
        int adopted = checkEgru(f.withThresholds(theta), ALWAYS_SPARSE, onTheJump + 1);
        assertTrue(adopted <= onTheJump + 1, adopted + " adopted decisions, " + onTheJump + " units set on the jump");
    }

    /**
     * Compares every tensor of an EGRU run with the reference's, which may adopt at most {@code maxAdopted} of
     * the kernel's firing decisions; returns how many it adopted.
     */
    static int checkEgru(TrainFixture f, double sparseBelow, long maxAdopted) {
        int steps = f.steps, batch = f.batch, hidden = f.hidden;
        try (RecurrentLayer layer = f.layer()) {
            KernelRun k = KernelRun.of(f, f.training(layer, sparseBelow));
            ReferenceBackward reference = f.reference();
            ReferenceBackward.Trace trace = f.referenceTrace(reference, k.out);
            long unitSteps = (long) steps * batch * hidden;
            int adopted = trace.adoptedDecisions();
            assertTrue(adopted <= maxAdopted, f + ": " + adopted + " adopted decisions, at most " + maxAdopted + " expected");
            ReferenceBackward.Gradients expected = reference.backward(trace, f.dOutputsRef(), f.rows(f.dFinalH), f.rows(f.dFinalC));
            k.compare(f.toString(), trace, expected);
            compare(f + " dtheta", expected.dTheta(), k.g.theta());
            // The support: the pseudo-derivative's as the reference counts it (up to units whose decision or
            // |v| = 1/s edge float and double see apart), and the backward's: that plus the units that fired.
            double pseudo = k.state.lastPseudoDerivativeSupport();
            assertTrue(Math.abs(pseudo - trace.pseudoDerivativeSupport()) * unitSteps <= 2 + adopted,
                    f + ": pseudo-derivative support " + pseudo + ", reference " + trace.pseudoDerivativeSupport());
            long fired = 0;
            for (float y : k.out) {
                fired += y != 0 ? 1 : 0;
            }
            double support = k.state.lastBackwardSupport();
            assertTrue(support >= pseudo && support >= (double) fired / unitSteps && support <= 1, f + ": support " + support);
            if (f.gamma == 0) {
                assertTrue(pseudo == 0 && support == (double) fired / unitSteps, f + ": with gamma = 0 the support is the activity");
            }
            return adopted;
        }
    }

    static Stream<Arguments> restrictedCases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : List.of(CellType.RNN_TANH, CellType.GRU, CellType.LSTM)) {
            for (double rate : new double[] {0, 0.5, 1}) {
                for (int hidden : HIDDEN) {
                    for (int batch : new int[] {1, 3}) {
                        for (int steps : new int[] {1, 50}) {
                            for (int seed = 1; seed <= 2; seed++) {
                                cases.add(Arguments.of(type, rate, input(hidden, seed), hidden, batch, steps, seed * 7919L + hidden));
                            }
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "restricted {0} r={1} I={2} H={3} B={4} T={5} seed={6}")
    @MethodSource("restrictedCases")
    void restrictedGradientsMatchReference(CellType type, double rate, int input, int hidden, int batch, int steps, long seed) {
        TrainFixture f = TrainFixture.restricted(type, input, hidden, batch, steps, seed, rate);
        try (RecurrentLayer layer = f.layer()) {
            KernelRun k = KernelRun.of(f, f.training(layer));
            ReferenceBackward reference = f.reference();
            ReferenceBackward.Trace trace = f.referenceTrace(reference);
            ReferenceBackward.Gradients expected = reference.backward(trace, f.dOutputsRef(), f.rows(f.dFinalH),
                    f.dFinalC == null ? null : f.rows(f.dFinalC));
            k.compare(f.toString(), trace, expected);
            comparePool(f, expected, k.g);
        }
    }

    /** The pool gradients against the reference's dense gradients folded by {@code RestrictedReference}. */
    static void comparePool(TrainFixture f, ReferenceBackward.Gradients expected, ParameterGradients g) {
        double[][] pool = RestrictedReference.poolGradients(RefCellType.valueOf(f.type.name()), f.input, f.hidden, f.rate,
                expected.dWIh(), expected.dWHh(), expected.dBIh(), expected.dBHh());
        compare(f + " dpool", pool[0], g.pool());
        compare(f + " dbias_pool", pool[1], g.biasPool());
    }

    /** One kernel training forward and backward of a fixture's sequence, every result kept. */
    record KernelRun(TrainFixture f, TrainingState state, float[] out, float[] dX, float[] dH0, float[] dC0, ParameterGradients g) {
        static KernelRun of(TrainFixture f, TrainingLayer training) {
            TrainingState state = f.state(training);
            float[] out = new float[f.steps * f.batch * f.hidden];
            training.forward(f.x, f.steps, state, out);
            ParameterGradients g = training.newGradients();
            float[] dX = new float[f.steps * f.batch * f.input];
            float[] dH0 = new float[f.batch * f.hidden];
            float[] dC0 = f.c0 == null ? null : new float[f.batch * f.hidden];
            training.backward(state, f.dOutputs, f.dFinalH, f.dFinalC, dX, dH0, dC0, g);
            return new KernelRun(f, state, out, dX, dH0, dC0, g);
        }

        void compare(String what, ReferenceBackward.Trace trace, ReferenceBackward.Gradients expected) {
            TrainingVsReferenceTest.compare(what + " outputs", Fixtures.flatten(trace.outputs()), out);
            TrainingVsReferenceTest.compare(what + " dX", Fixtures.flatten(expected.dX()), dX);
            TrainingVsReferenceTest.compare(what + " dH0", Fixtures.flatten(expected.dInitialH()), dH0);
            if (dC0 != null) {
                TrainingVsReferenceTest.compare(what + " dC0", Fixtures.flatten(expected.dInitialC()), dC0);
            }
            compareParameters(what, expected, g);
        }
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} seed={5}")
    @MethodSource("cases")
    void gradientsMatchReference(CellType type, int input, int hidden, int batch, int steps, long seed) {
        TrainFixture f = fixture(type, input, hidden, batch, steps, seed);
        ReferenceBackward reference = f.reference();
        ReferenceBackward.Trace trace = f.referenceTrace(reference);
        ReferenceBackward.Gradients expected = reference.backward(trace, f.dOutputsRef(), f.rows(f.dFinalH),
                f.dFinalC == null ? null : f.rows(f.dFinalC));

        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            TrainingState state = f.state(training);
            float[] out = new float[steps * batch * hidden];
            training.forward(f.x, steps, state, out);
            ParameterGradients g = training.newGradients();
            float[] dX = new float[steps * batch * input];
            float[] dH0 = new float[batch * hidden];
            float[] dC0 = f.c0 == null ? null : new float[batch * hidden];
            training.backward(state, f.dOutputs, f.dFinalH, f.dFinalC, dX, dH0, dC0, g);

            compare(f + " outputs", Fixtures.flatten(trace.outputs()), out);
            compare(f + " dX", Fixtures.flatten(expected.dX()), dX);
            compare(f + " dH0", Fixtures.flatten(expected.dInitialH()), dH0);
            if (dC0 != null) {
                compare(f + " dC0", Fixtures.flatten(expected.dInitialC()), dC0);
            }
            compareParameters(f.toString(), expected, g);
        }
    }

    static void compareParameters(String what, ReferenceBackward.Gradients expected, ParameterGradients g) {
        compare(what + " dW_ih", expected.dWIh(), g.weightIh());
        compare(what + " dW_hh", expected.dWHh(), g.weightHh());
        compare(what + " db_ih", expected.dBIh(), g.biasIh());
        compare(what + " db_hh", expected.dBHh(), g.biasHh());
        if (g.alpha() != null) {
            compare(what + " dalpha", expected.dAlpha(), g.alpha());
            compare(what + " dbeta1", expected.dBeta1(), g.beta1());
            compare(what + " dbeta2", expected.dBeta2(), g.beta2());
        }
    }

    static void compare(String what, double[] expected, float[] actual) {
        compare(what, expected, actual, TOLERANCE);
    }

    /** {@link #compare(String, double[], float[])} with a tolerance of the caller's. */
    static void compare(String what, double[] expected, float[] actual, double tolerance) {
        assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected " + expected.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double floor = Math.max(FLOOR * scale, Double.MIN_NORMAL);
        for (int i = 0; i < expected.length; i++) {
            float a = actual[i];
            if (!Float.isFinite(a)) {
                fail(what + " [" + i + "]: " + a + " (expected " + expected[i] + ")");
            }
            double error = Math.abs(a - expected[i]) / Math.max(Math.abs(expected[i]), floor);
            if (!(error <= tolerance)) {
                fail(what + " [" + i + "]: " + a + ", expected " + expected[i] + ", error " + error + " > " + tolerance
                        + " (tensor scale " + scale + ")");
            }
        }
    }
}
