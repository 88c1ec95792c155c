package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.ReferenceBackward;

/**
 * EGRU's activity regularisation ({@link ActivityRegularization}) against the reference's
 * ({@code ReferenceBackward.backwardRegularized}): the kernel backward of the task loss plus
 * {@code lambda (a - a*)^2} gives the reference's gradients, vector and scalar (the surefire executions),
 * dense and sparse backward products, at awkward sizes; the term alone lowers the activity under training.
 */
class EgruActivityRegularizationTest {

    /**
     * TrainingVsReferenceTest's EGRU cases (three pseudo-derivatives, gamma = 0 among them, where the term
     * reaches nothing), with the task's upstream gradients (lambda = T*B*H, so that the term's {@code dL/do = 2 (a - a*)} weighs
     * as much as they do) and with the term alone (EvNN's lambda = 1, no upstream gradient).
     */
    @ParameterizedTest(name = "EGRU gamma={0} s={1} I={2} H={3} B={4} T={5} seed={6} sparseBelow={7}")
    @MethodSource("org.rnnkernels.train.TrainingVsReferenceTest#egruCases")
    void gradientsMatchReference(double gamma, double slope, int input, int hidden, int batch, int steps, long seed,
                                 double sparseBelow) {
        TrainFixture f = TrainFixture.egru(input, hidden, batch, steps, seed, gamma, slope);
        long outputs = (long) steps * batch * hidden;
        check(f, sparseBelow, new ActivityRegularization(outputs, ActivityRegularization.EVNN_TARGET), true);
        check(f, sparseBelow, new ActivityRegularization(1, ActivityRegularization.EVNN_TARGET), false);
    }

    private static void check(TrainFixture f, double sparseBelow, ActivityRegularization activity, boolean upstream) {
        try (RecurrentLayer layer = f.layer()) {
            boolean defaults = sparseBelow == TrainingLayer.SPARSE_BELOW;
            TrainingLayer training = TrainingLayer.create(layer, f.gamma, f.slope, Blases.get(), sparseBelow,
                    defaults ? TrainingLayer.SPARSE_BELOW_BATCHED : sparseBelow,
                    defaults ? TrainingLayer.SPARSE_WEIGHTS_BELOW : sparseBelow, true, activity);
            TrainingState state = f.state(training);
            float[] out = new float[f.steps * f.batch * f.hidden];
            training.forward(f.x, f.steps, state, out);
            ParameterGradients g = training.newGradients();
            float[] dX = new float[f.steps * f.batch * f.input];
            float[] dH0 = new float[f.batch * f.hidden];
            training.backward(state, upstream ? f.dOutputs : null, upstream ? f.dFinalH : null, null, dX, dH0, null, g);

            ReferenceBackward reference = f.reference();
            ReferenceBackward.Trace trace = f.referenceTrace(reference, out);
            assertTrue(trace.adoptedDecisions() <= 1 + f.steps * f.batch * f.hidden / 1000, f + ": adopted decisions");
            double a = ReferenceBackward.activity(trace);
            assertEquals(a, state.lastActivity(), 1e-12, f + ": activity");
            assertEquals(activity.loss(a), state.lastActivityLoss(), 1e-12, f + ": activity loss");
            ReferenceBackward.Gradients expected = reference.backwardRegularized(trace, upstream ? f.dOutputsRef() : null,
                    upstream ? f.rows(f.dFinalH) : null, null, activity.weight(), activity.target());
            String what = f + " lambda=" + activity.weight() + (upstream ? " with" : " without") + " upstream";
            TrainingVsReferenceTest.compare(what + " dX", Fixtures.flatten(expected.dX()), dX);
            TrainingVsReferenceTest.compare(what + " dH0", Fixtures.flatten(expected.dInitialH()), dH0);
            TrainingVsReferenceTest.compareParameters(what, expected, g);
            TrainingVsReferenceTest.compare(what + " dtheta", expected.dTheta(), g.theta());
            if (!upstream) {
                // The term alone moves the thresholds wherever a unit sat inside the pseudo-derivative's support
                // while the activity was off target: the check cannot pass on zeros.
                boolean offTarget = a != activity.target() && trace.pseudoDerivativeSupport() > 0;
                double largest = 0;
                for (double d : expected.dTheta()) {
                    largest = Math.max(largest, Math.abs(d));
                }
                assertEquals(offTarget, largest > 0, what + ": dtheta from the term alone, largest " + largest);
            }
        }
    }

    /** lambda = 0 is the unregularised backward, bit for bit. */
    @Test
    void zeroWeightIsNoRegularisation() {
        TrainFixture f = TrainFixture.egru(10, 17, 3, 20, 5, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S);
        try (RecurrentLayer layer = f.layer()) {
            float[][] plain = run(f, TrainingLayer.of(layer));
            float[][] zero = run(f, TrainingLayer.of(layer, f.gamma, f.slope, new ActivityRegularization(0, 0.3), Blases.get()));
            for (int i = 0; i < plain.length; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(plain[i], zero[i], "tensor " + i);
            }
        }
    }

    private static float[][] run(TrainFixture f, TrainingLayer training) {
        TrainingState state = f.state(training);
        float[] out = new float[f.steps * f.batch * f.hidden];
        training.forward(f.x, f.steps, state, out);
        ParameterGradients g = training.newGradients();
        float[] dX = new float[f.steps * f.batch * f.input];
        training.backward(state, f.dOutputs, f.dFinalH, null, dX, null, null, g);
        return new float[][] {out, dX, g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh(), g.theta()};
    }

    /**
     * Adam on the term alone moves the activity from where random weights leave it (2% here) to the target, set
     * far above it (a target below it works the same way, downwards, as on MNIST).
     */
    @Test
    void trainingOnTheTermMovesActivityToTheTarget() {
        SplittableRandom random = new SplittableRandom(3);
        int input = 8, hidden = 32, batch = 4, steps = 30;
        ActivityRegularization term = new ActivityRegularization(1, 0.5);
        try (RecurrentLayer layer = RecurrentLayer.create(TorchInit.weights(CellType.EGRU, input, hidden, random))) {
            TrainingLayer training = TrainingLayer.of(layer, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S, term,
                    Blases.get());
            float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
            float[] out = new float[steps * batch * hidden];
            ParameterGradients g = training.newGradients();
            Adam adam = new Adam(training.parameters(g), 1e-2);
            double first = Double.NaN, last = Double.NaN;
            for (int k = 0; k < 60; k++) {
                TrainingState state = training.newState(batch);
                training.forward(x, steps, state, out);
                last = state.lastActivity();
                first = k == 0 ? last : first;
                g.zero();
                training.backward(state, null, null, null, null, null, null, g);
                adam.step();
                training.parametersChanged();
            }
            assertTrue(first < 0.1, "random EGRU activity " + first);
            assertTrue(last > 0.3, "activity " + first + " -> " + last + " after 60 steps, target 0.5");
        }
    }

    @Test
    void badRegularisationRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ActivityRegularization(-1, 0.05));
        assertThrows(IllegalArgumentException.class, () -> new ActivityRegularization(Double.NaN, 0.05));
        assertThrows(IllegalArgumentException.class, () -> new ActivityRegularization(1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new ActivityRegularization(1, Double.NaN));
        try (RecurrentLayer gru = RecurrentLayer.create(TorchInit.weights(CellType.GRU, 3, 5, new SplittableRandom(1)))) {
            assertThrows(IllegalArgumentException.class, () -> TrainingLayer.of(gru, 0.7, 1,
                    new ActivityRegularization(1, 0.05), Blases.get()));
        }
    }
}
