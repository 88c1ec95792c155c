package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
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
        TrainFixture f = TrainingVsReferenceTest.fixture(type, INPUT, HIDDEN, BATCH, STEPS, 4242);
        ReferenceBackward reference = f.reference();
        ReferenceBackward.Trace trace = f.referenceTrace(reference);
        List<ReferenceBackward.Gradients> expected = reference.truncated(trace, f.dOutputsRef(), f.rows(f.dFinalH),
                f.dFinalC == null ? null : f.rows(f.dFinalC), CHUNK);
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            TrainingState state = f.state(training);
            ParameterGradients total = training.newGradients();
            double[] sumWIh = new double[total.weightIh().length];
            double[] sumWHh = new double[total.weightHh().length];
            double[] sumBIh = new double[total.biasIh().length];
            double[] sumBHh = new double[total.biasHh().length];
            int chunk = 0;
            for (int from = 0; from < STEPS; from += CHUNK, chunk++) {
                int steps = Math.min(CHUNK, STEPS - from);
                boolean last = from + steps == STEPS;
                float[] x = slice(f.x, from, steps, INPUT);
                float[] out = new float[steps * BATCH * HIDDEN];
                training.forward(x, steps, state, out);
                float[] dX = new float[x.length];
                float[] dH = new float[BATCH * HIDDEN];
                float[] dC = f.c0 == null ? null : new float[BATCH * HIDDEN];
                training.backward(state, slice(f.dOutputs, from, steps, HIDDEN), last ? f.dFinalH : null,
                        last ? f.dFinalC : null, dX, dH, dC, total);
                ReferenceBackward.Gradients e = expected.get(chunk);
                String what = f + " chunk " + chunk;
                TrainingVsReferenceTest.compare(what + " dX", TrainFixture.flatten(e.dX()), dX);
                TrainingVsReferenceTest.compare(what + " dInitialH", TrainFixture.flatten(e.dInitialH()), dH);
                if (dC != null) {
                    TrainingVsReferenceTest.compare(what + " dInitialC", TrainFixture.flatten(e.dInitialC()), dC);
                }
                add(sumWIh, e.dWIh());
                add(sumWHh, e.dWHh());
                add(sumBIh, e.dBIh());
                add(sumBHh, e.dBHh());
            }
            assertTrue(chunk == 3, "three chunks");
            TrainingVsReferenceTest.compare(f + " summed dW_ih", sumWIh, total.weightIh());
            TrainingVsReferenceTest.compare(f + " summed dW_hh", sumWHh, total.weightHh());
            TrainingVsReferenceTest.compare(f + " summed db_ih", sumBIh, total.biasIh());
            TrainingVsReferenceTest.compare(f + " summed db_hh", sumBHh, total.biasHh());
            TrainingVsReferenceTest.compare(f + " final h", TrainFixture.flatten(trace.finalH()), state.hidden());
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "GRU", "RAG_LSTM", "MI_RNN", "MI_GRU"})
    void twoCallsAccumulateTheirSum(CellType type) {
        TrainFixture a = TrainingVsReferenceTest.fixture(type, INPUT, HIDDEN, BATCH, 12, 77);
        TrainFixture b = new TrainFixture(type, INPUT, HIDDEN, BATCH, 7, 78, 1f);   // other inputs and upstream gradients
        try (RecurrentLayer layer = a.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            ParameterGradients both = training.newGradients();
            ParameterGradients onlyA = training.newGradients();
            ParameterGradients onlyB = training.newGradients();
            run(training, a, a, both);
            run(training, a, b, both);
            run(training, a, a, onlyA);
            run(training, a, b, onlyB);
            float[][] sums = {both.weightIh(), both.weightHh(), both.biasIh(), both.biasHh(), both.alpha(), both.beta1(), both.beta2()};
            float[][] as = {onlyA.weightIh(), onlyA.weightHh(), onlyA.biasIh(), onlyA.biasHh(), onlyA.alpha(), onlyA.beta1(), onlyA.beta2()};
            float[][] bs = {onlyB.weightIh(), onlyB.weightHh(), onlyB.biasIh(), onlyB.biasHh(), onlyB.alpha(), onlyB.beta1(), onlyB.beta2()};
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
            assertTrue(!nonZero(both.weightHh()) && !nonZero(both.biasIh()), "zero() clears");
        }
    }

    // The sequence and upstream gradients of s, from the initial state of p (the weights are p's layer's)
    private static void run(TrainingLayer training, TrainFixture p, TrainFixture s, ParameterGradients g) {
        TrainingState state = p.state(training);
        training.forward(s.x, s.steps, state, new float[s.steps * s.batch * s.hidden]);
        training.backward(state, s.dOutputs, s.dFinalH, s.dFinalC, null, null, null, g);
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"EGRU"}, mode = EnumSource.Mode.EXCLUDE)
    void trainingForwardMatchesInferenceForward(CellType type) {
        TrainFixture f = new TrainFixture(type, 13, 17, 2, 30, 99, TrainingVsReferenceTest.isRag(type) ? 0.25f : 1f);
        try (RecurrentLayer layer = f.layer()) {
            LayerState inference = layer.newState(f.batch).setHidden(f.h0);
            TrainingLayer training = TrainingLayer.of(layer);
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
