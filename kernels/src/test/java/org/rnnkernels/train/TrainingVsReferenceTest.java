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
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.ReferenceBackward;

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
 */
class TrainingVsReferenceTest {
    static final double TOLERANCE = 1e-4;
    static final double FLOOR = 1e-2;
    static final float RAG_SCALE = 0.25f;
    static final double KINK_MARGIN = 1e-5;
    static final List<CellType> SUPPORTED = List.of(CellType.RNN_TANH, CellType.RNN_RELU, CellType.LSTM, CellType.GRU,
            CellType.RAG_GRU, CellType.RAG_MINIMAL, CellType.RAG_LSTM, CellType.MI_RNN, CellType.MI_LSTM, CellType.MI_GRU);

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : SUPPORTED) {
            for (int hidden : new int[] {1, 7, 8, 9, 17, 33}) {
                for (int batch : new int[] {1, 3}) {
                    for (int steps : new int[] {1, 50}) {
                        for (int seed = 1; seed <= 2; seed++) {
                            cases.add(Arguments.of(type, hidden + 3, hidden, batch, steps, seed * 7919L + hidden));
                        }
                    }
                }
            }
        }
        // Above the panel product's batch limit: per-step products through BLAS sgemm with the Vector API too.
        for (CellType type : List.of(CellType.GRU, CellType.RAG_MINIMAL, CellType.LSTM)) {
            cases.add(Arguments.of(type, 12, 9, org.rnnkernels.PackedMatrix.maxBatch() + 1, 5, 5L));
        }
        return cases.stream();
    }

    static boolean isRag(CellType type) {
        return type == CellType.RAG_GRU || type == CellType.RAG_MINIMAL || type == CellType.RAG_LSTM;
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

            compare(f + " outputs", TrainFixture.flatten(trace.outputs()), out);
            compare(f + " dX", TrainFixture.flatten(expected.dX()), dX);
            compare(f + " dH0", TrainFixture.flatten(expected.dInitialH()), dH0);
            if (dC0 != null) {
                compare(f + " dC0", TrainFixture.flatten(expected.dInitialC()), dC0);
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
            if (!(error <= TOLERANCE)) {
                fail(what + " [" + i + "]: " + a + ", expected " + expected[i] + ", error " + error + " > " + TOLERANCE
                        + " (tensor scale " + scale + ")");
            }
        }
    }
}
