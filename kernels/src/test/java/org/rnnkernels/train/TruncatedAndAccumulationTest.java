package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.ReferenceBackward;

/**
 * Truncated BPTT over chunks of one stream against {@code ReferenceBackward.truncated}, gradient
 * accumulation over calls, and the training forward against the inference forward. Tolerances as
 * {@link TrainingVsReferenceTest}.
 */
class TruncatedAndAccumulationTest {
    static final int INPUT = 10, HIDDEN = 9, BATCH = 3, STEPS = 50, CHUNK = 20;

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_RELU", "LSTM", "GRU", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM", "MI_LSTM", "MI_GRU"})
    void chunksOfAStreamAreTruncatedBptt(CellType type) {
        checkChunks(TrainingVsReferenceTest.fixture(type, INPUT, HIDDEN, BATCH, STEPS, 4242), TrainingLayer.SPARSE_BELOW);
    }

    @org.junit.jupiter.api.Test
    void egruChunksAreTruncatedBptt() {
        checkChunks(TrainFixture.egru(INPUT, HIDDEN, BATCH, STEPS, 4243, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S),
                TrainingVsReferenceTest.ALWAYS_SPARSE);
        checkChunks(TrainFixture.egru(INPUT, HIDDEN, BATCH, STEPS, 4244, 0, 1), 0);
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "GRU", "LSTM"})
    void restrictedChunksAreTruncatedBptt(CellType type) {
        checkChunks(TrainFixture.restricted(type, INPUT, HIDDEN, BATCH, STEPS, 4245, 0.5), TrainingLayer.SPARSE_BELOW);
    }

    // The kernel's chunks of the stream first (EGRU's reference adopts its firing decisions), then the reference's.
    private static void checkChunks(TrainFixture f, double sparseBelow) {
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = f.training(layer, sparseBelow);
            TrainingState state = f.state(training);
            ParameterGradients total = training.newGradients();
            float[] outputs = new float[STEPS * BATCH * HIDDEN];
            List<float[][]> chunks = new java.util.ArrayList<>();    // dX, dInitialH, dInitialC per chunk
            for (int from = 0; from < STEPS; from += CHUNK) {
                int steps = Math.min(CHUNK, STEPS - from);
                boolean last = from + steps == STEPS;
                float[] x = slice(f.x, from, steps, INPUT);
                float[] out = new float[steps * BATCH * HIDDEN];
                training.forward(x, steps, state, out);
                System.arraycopy(out, 0, outputs, from * BATCH * HIDDEN, out.length);
                float[] dX = new float[x.length];
                float[] dH = new float[BATCH * HIDDEN];
                float[] dC = f.c0 == null ? null : new float[BATCH * HIDDEN];
                training.backward(state, slice(f.dOutputs, from, steps, HIDDEN), last ? f.dFinalH : null,
                        last ? f.dFinalC : null, dX, dH, dC, total);
                chunks.add(new float[][] {dX, dH, dC});
            }
            assertTrue(chunks.size() == 3, "three chunks");

            ReferenceBackward reference = f.reference();
            ReferenceBackward.Trace trace = f.type.eventBased() ? f.referenceTrace(reference, outputs) : f.referenceTrace(reference);
            List<ReferenceBackward.Gradients> expected = reference.truncated(trace, f.dOutputsRef(), f.rows(f.dFinalH),
                    f.dFinalC == null ? null : f.rows(f.dFinalC), CHUNK);
            ReferenceBackward.Gradients sum = null;
            for (int chunk = 0; chunk < chunks.size(); chunk++) {
                ReferenceBackward.Gradients e = expected.get(chunk);
                String what = f + " chunk " + chunk;
                TrainingVsReferenceTest.compare(what + " dX", Fixtures.flatten(e.dX()), chunks.get(chunk)[0]);
                TrainingVsReferenceTest.compare(what + " dInitialH", Fixtures.flatten(e.dInitialH()), chunks.get(chunk)[1]);
                if (f.c0 != null) {
                    TrainingVsReferenceTest.compare(what + " dInitialC", Fixtures.flatten(e.dInitialC()), chunks.get(chunk)[2]);
                }
                sum = sum == null ? e : add(sum, e);
            }
            TrainingVsReferenceTest.compareParameters(f + " summed", sum, total);
            if (f.type.eventBased()) {
                TrainingVsReferenceTest.compare(f + " summed dtheta", sum.dTheta(), total.theta());
            }
            if (f.isRestricted()) {
                TrainingVsReferenceTest.comparePool(f, sum, total);
            }
            TrainingVsReferenceTest.compare(f + " outputs", Fixtures.flatten(trace.outputs()), outputs);
            TrainingVsReferenceTest.compare(f + " final h", Fixtures.flatten(trace.finalH()), state.hidden());
        }
    }

    // The parameter gradients of two chunks, summed
    private static ReferenceBackward.Gradients add(ReferenceBackward.Gradients a, ReferenceBackward.Gradients b) {
        return new ReferenceBackward.Gradients(a.firstStep(), a.dX(), a.dInitialH(), a.dInitialC(), sum(a.dWIh(), b.dWIh()),
                sum(a.dWHh(), b.dWHh()), sum(a.dBIh(), b.dBIh()), sum(a.dBHh(), b.dBHh()), sum(a.dAlpha(), b.dAlpha()),
                sum(a.dBeta1(), b.dBeta1()), sum(a.dBeta2(), b.dBeta2()), sum(a.dTheta(), b.dTheta()));
    }

    private static double[] sum(double[] a, double[] b) {
        if (a == null) {
            return null;
        }
        double[] s = a.clone();
        add(s, b);
        return s;
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "GRU", "RAG_LSTM", "MI_RNN", "MI_GRU"})
    void twoCallsAccumulateTheirSum(CellType type) {
        checkAccumulation(TrainingVsReferenceTest.fixture(type, INPUT, HIDDEN, BATCH, 12, 77),
                new TrainFixture(type, INPUT, HIDDEN, BATCH, 7, 78, 1f));   // other inputs and upstream gradients
    }

    @org.junit.jupiter.api.Test
    void egruAndRestrictedCallsAccumulateTheirSum() {
        checkAccumulation(TrainFixture.egru(INPUT, HIDDEN, BATCH, 12, 77, 0.7, 1), TrainFixture.egru(INPUT, HIDDEN, BATCH, 7, 78, 0.7, 1));
        checkAccumulation(TrainFixture.restricted(CellType.GRU, INPUT, HIDDEN, BATCH, 12, 77, 0.5),
                TrainFixture.restricted(CellType.GRU, INPUT, HIDDEN, BATCH, 7, 78, 0.5));
    }

    private static void checkAccumulation(TrainFixture a, TrainFixture b) {
        CellType type = a.type;
        try (RecurrentLayer layer = a.layer()) {
            TrainingLayer training = a.training(layer);
            ParameterGradients both = training.newGradients();
            ParameterGradients onlyA = training.newGradients();
            ParameterGradients onlyB = training.newGradients();
            run(training, a, a, both);
            run(training, a, b, both);
            run(training, a, a, onlyA);
            run(training, a, b, onlyB);
            float[][] sums = tensors(both);
            float[][] as = tensors(onlyA);
            float[][] bs = tensors(onlyB);
            for (int k = 0; k < sums.length; k++) {
                if (sums[k] == null) {
                    continue;
                }
                double[] expected = new double[sums[k].length];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (double) as[k][i] + bs[k][i];
                }
                assertTrue(as[k].length > 0 && nonZero(bs[k]), "tensor " + k + " has gradients");
                TrainingVsReferenceTest.compare(type + " accumulated tensor " + k, expected, sums[k]);
            }
            both.zero();
            for (float[] t : tensors(both)) {
                assertTrue(t == null || !nonZero(t), "zero() clears");
            }
        }
    }

    private static float[][] tensors(ParameterGradients g) {
        return new float[][] {g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh(), g.alpha(), g.beta1(), g.beta2(), g.theta(),
                g.pool(), g.biasPool()};
    }

    // The sequence and upstream gradients of s, from the initial state of p (the weights are p's layer's)
    private static void run(TrainingLayer training, TrainFixture p, TrainFixture s, ParameterGradients g) {
        TrainingState state = p.state(training);
        training.forward(s.x, s.steps, state, new float[s.steps * s.batch * s.hidden]);
        training.backward(state, s.dOutputs, s.dFinalH, s.dFinalC, null, null, null, g);
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class)
    void trainingForwardMatchesInferenceForward(CellType type) {
        checkForward(type == CellType.EGRU ? TrainFixture.egru(13, 17, 2, 30, 99, 0.7, 1)
                : new TrainFixture(type, 13, 17, 2, 30, 99, TrainingVsReferenceTest.isRag(type) ? 0.25f : 1f));
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "GRU", "LSTM"})
    void restrictedTrainingForwardMatchesInferenceForward(CellType type) {
        checkForward(TrainFixture.restricted(type, 13, 17, 2, 30, 99, 0.5));
    }

    // The inference layer (for a restricted one: its compact products; for EGRU: its sparse product) and the
    // training forward (dense products), from the same state.
    private static void checkForward(TrainFixture f) {
        CellType type = f.type;
        try (RecurrentLayer layer = f.layer()) {
            LayerState inference = layer.newState(f.batch).setHidden(f.h0);
            TrainingLayer training = f.training(layer);
            TrainingState state = f.state(training);
            if (f.c0 != null) {
                inference.setCell(f.c0);
            }
            float[] expected = new float[f.steps * f.batch * f.hidden];
            float[] actual = expected.clone();
            layer.forward(f.x, f.steps, inference, expected);
            training.forward(f.x, f.steps, state, actual);
            for (int i = 0; i < expected.length; i++) {
                // the recurrent products differ only in summation order: a few float ulps, carried along
                double error = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
                assertTrue(error <= 1e-5, type + " output " + i + ": " + actual[i] + " vs inference " + expected[i]);
            }
        }
    }

    private static boolean nonZero(float[] a) {
        for (float v : a) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }

    private static void add(double[] sum, double[] term) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += term[i];
        }
    }

    private static float[] slice(float[] sequence, int from, int steps, int width) {
        float[] s = new float[steps * BATCH * width];
        System.arraycopy(sequence, from * BATCH * width, s, 0, s.length);
        return s;
    }
}
