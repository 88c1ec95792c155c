package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnnkernels.Fixtures;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;

/** Wrong shapes and unsupported layers: an IllegalArgumentException naming the argument, before any work. */
class TrainingBadInputTest {
    static final int I = 5, H = 4, B = 2, T = 3;

    @Test
    void badPseudoDerivativesAndForeignGradientsAreRefused() {
        float[] theta = new float[H];
        java.util.Arrays.fill(theta, 0.3f);
        TrainFixture f = new TrainFixture(CellType.GRU, I, H, B, T, 1, 1f);
        Fixtures.Weights w = f.weights;
        try (RecurrentLayer egru = RecurrentLayer.create(LayerWeights.of(CellType.EGRU, I, H)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .thresholds(theta)
                .build());
             RecurrentLayer gru = f.layer()) {
            for (double gamma : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY, 1e300}) {
                expect("gamma", () -> TrainingLayer.of(egru, gamma, 1));
            }
            for (double s : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-300}) {
                expect("s", () -> TrainingLayer.of(egru, 0.7, s));
            }
            expect("EGRU only", () -> TrainingLayer.of(gru, 0.7, 1));
            expect("blas", () -> TrainingLayer.of(egru, 0.7, 1, null));
            TrainingLayer.of(egru, 0, 3);   // gamma = 0 is the exact derivative: allowed
            TrainingState gruState = TrainingLayer.of(gru).newState(B);
            assertThrows(UnsupportedOperationException.class, gruState::lastBackwardSupport, "EGRU only");
            assertTrue(Double.isNaN(TrainingLayer.of(egru).newState(B).lastBackwardSupport()), "NaN before a backward");
        }
        assertThrows(IllegalArgumentException.class, () -> TrainingLayer.of(null));
        // A restricted layer's gradients carry the pool: a dense layer's of the same type and sizes do not fit.
        RestrictedWeights weights = restricted();
        try (RecurrentLayer restricted = RecurrentLayer.createRestricted(weights);
             RecurrentLayer dense = RecurrentLayer.create(LayerWeights.of(CellType.GRU, I, H)
                     .inputWeights(weights.weightIh())
                     .recurrentWeights(weights.weightHh())
                     .biases(weights.biasIh(), weights.biasHh())
                     .build())) {
            TrainingLayer training = TrainingLayer.of(restricted);
            TrainingLayer denseTraining = TrainingLayer.of(dense);
            TrainingState state = training.newState(B);
            training.forward(new float[T * B * I], T, state, new float[T * B * H]);
            expect("gradients", () -> training.backward(state, null, null, null, null, null, null, denseTraining.newGradients()));
            expect("gradients", () -> denseTraining.parameters(training.newGradients()));
        }
    }

    private static RestrictedWeights restricted() {
        int rows = RestrictedWeights.poolRows(CellType.GRU, H, 0.5);
        int k = RestrictedWeights.poolColumns(I, H);
        return RestrictedWeights.of(CellType.GRU, I, H, 0.5, new float[rows * k], new float[rows]);
    }

    @Test
    void badShapesThrowBeforeAnyWork() {
        TrainFixture f = new TrainFixture(CellType.LSTM, I, H, B, T, 2, 1f);
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            TrainingState state = f.state(training);
            float[] out = new float[T * B * H];
            expect("input", () -> training.forward(new float[T * B * I - 1], T, state, out));
            expect("output", () -> training.forward(f.x, T, state, new float[3]));
            expect("steps", () -> training.forward(f.x, 0, state, out));
            expect("state", () -> training.forward(f.x, T, null, out));
            assertArrayEquals(f.h0, state.hidden(), "a refused forward leaves the state");
            assertThrows(IllegalStateException.class, () -> training.backward(state, f.dOutputs, null, null, null, null, null,
                    training.newGradients()), "backward before any forward");

            training.forward(f.x, T, state, out);
            float[] hAfter = state.hidden();
            ParameterGradients g = training.newGradients();
            expect("dOutputs", () -> training.backward(state, new float[5], null, null, null, null, null, g));
            expect("dFinalH", () -> training.backward(state, f.dOutputs, new float[H], null, null, null, null, g));
            expect("dFinalC", () -> training.backward(state, f.dOutputs, null, new float[B * H + 1], null, null, null, g));
            expect("dInput", () -> training.backward(state, f.dOutputs, null, null, new float[1], null, null, g));
            expect("dInitialH", () -> training.backward(state, f.dOutputs, null, null, null, new float[1], null, g));
            expect("dInitialC", () -> training.backward(state, f.dOutputs, null, null, null, null, new float[1], g));
            expect("gradients", () -> training.backward(state, f.dOutputs, null, null, null, null, null, null));
            TrainFixture other = new TrainFixture(CellType.GRU, I, H, B, T, 2, 1f);
            try (RecurrentLayer gru = other.layer()) {
                TrainingLayer gruTraining = TrainingLayer.of(gru);
                expect("gradients", () -> training.backward(state, f.dOutputs, null, null, null, null, null, gruTraining.newGradients()));
                expect("state", () -> gruTraining.backward(state, f.dOutputs, null, null, null, null, null, gruTraining.newGradients()));
                TrainingState gruState = gruTraining.newState(B);
                gruTraining.forward(other.x, T, gruState, new float[T * B * H]);
                expect("dFinalC", () -> gruTraining.backward(gruState, null, null, new float[B * H], null, null, null,
                        gruTraining.newGradients()));
            }
            for (float[] a : new float[][] {g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh()}) {
                for (float v : a) {
                    assertTrue(v == 0f, "a refused backward accumulates nothing");
                }
            }
            assertArrayEquals(hAfter, state.hidden());
            expect("batch", () -> training.newState(0));
        }
    }

    private static void expect(String argument, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), "message names " + argument + ": " + e.getMessage());
    }
}
