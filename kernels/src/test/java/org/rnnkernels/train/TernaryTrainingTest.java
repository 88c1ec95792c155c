package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.ternary.TernaryLayer.Activations;
import org.rnnkernels.ternary.TernaryMatrix;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * {@link TernaryTrainingLayer} as a training loop uses it: learning the adding problem with {@link Adam},
 * evaluated through the exported inference layer ({@link TernaryLayer}); the export; the draws of a
 * {@link SplittableRandom}; the optimiser wiring.
 */
class TernaryTrainingTest {
    static final int STEPS = 20;
    static final int HIDDEN = 16;
    static final int BATCH = 32;
    static final int TEST_BATCH = 256;

    /** TERNARY activations drawn stochastically (the tests that need draws), FLOAT as they are. */
    static TernaryTrainingLayer randomLayer(CellType type, Activations mode, int input, int hidden, long seed) {
        return randomLayer(type, mode, mode == Activations.TERNARY ? ActivationQuantizer.STOCHASTIC
                : ActivationQuantizer.THRESHOLD, input, hidden, seed);
    }

    static TernaryTrainingLayer randomLayer(CellType type, Activations mode, ActivationQuantizer quantizer, int input,
                                            int hidden, long seed) {
        return TernaryTrainingLayer.create(TorchInit.weights(type, input, hidden, new SplittableRandom(seed)), mode,
                quantizer, Ternarizer.standard(), TernaryLayer.DEFAULT_DELTA, TernaryLayer.DEFAULT_LAMBDA, Blases.get());
    }

    /** Trains a ternary GRU on the adding problem; returns the test MSE of the exported inference layer. */
    static double trainAdding(Activations mode, int iterations, long seed, double learningRate) {
        return trainAdding(randomLayer(CellType.GRU, mode, Tasks.Adding.INPUT_SIZE, HIDDEN, seed), iterations, seed,
                learningRate);
    }

    static double trainAdding(TernaryTrainingLayer layer, int iterations, long seed, double learningRate) {
        LinearHead head = LinearHead.create(HIDDEN, 1, seed + 1);
        ParameterGradients grads = layer.newGradients();
        List<Parameter> parameters = new java.util.ArrayList<>(layer.parameters(grads));
        parameters.addAll(head.parameters());
        Adam adam = new Adam(parameters, learningRate);
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        Tasks.Adding data = Tasks.adding(STEPS, seed + 2);
        SplittableRandom draws = new SplittableRandom(seed + 3);
        float[] x = new float[STEPS * BATCH * 2];
        float[] y = new float[BATCH];
        float[] out = new float[STEPS * BATCH * HIDDEN];
        float[] prediction = new float[BATCH];
        float[] dPrediction = new float[BATCH];
        float[] dLast = new float[BATCH * HIDDEN];
        TernaryTrainingState state = layer.newState(BATCH);
        for (int it = 0; it < iterations; it++) {
            data.next(BATCH, x, y);
            state.reset();
            layer.forward(x, STEPS, state, out, draws);
            head.forward(out, (STEPS - 1) * BATCH * HIDDEN, BATCH, prediction, 0);
            mse.compute(prediction, 1, BATCH, y, null, dPrediction);
            head.backward(dPrediction, 0, BATCH, dLast, 0);
            layer.backward(state, null, dLast, null, null, null, null, grads);
            Gradients.clipGradNorm(parameters, 1.0);
            adam.step();
            Gradients.zero(parameters);
        }
        try (RecurrentLayer inference = layer.toInference()) {
            return testMse(inference, head, seed + 4);
        }
    }

    static double testMse(RecurrentLayer layer, LinearHead head, long seed) {
        float[] x = new float[STEPS * TEST_BATCH * 2];
        float[] y = new float[TEST_BATCH];
        Tasks.adding(STEPS, seed).next(TEST_BATCH, x, y);
        float[] out = new float[STEPS * TEST_BATCH * HIDDEN];
        layer.forward(x, STEPS, layer.newState(TEST_BATCH), out);
        float[] prediction = new float[TEST_BATCH];
        head.forward(out, (STEPS - 1) * TEST_BATCH * HIDDEN, TEST_BATCH, prediction, 0);
        double sum = 0;
        for (int b = 0; b < TEST_BATCH; b++) {
            double e = prediction[b] - y[b];
            sum += e * e;
        }
        return sum / TEST_BATCH;
    }

    /**
     * FLOAT activations (ternary weights): a GRU of H = 16 learns the adding problem (T = 20) in 250 Adam steps
     * (lr 1e-2, clip 1, batch 32), far below the baseline 0.167 of always answering 1. Measured on seeds 5, 6, 7:
     * 0.0064, 0.028, 0.0035.
     */
    @Test
    void ternaryWeightsLearnTheAddingProblem() {
        double before = trainAdding(Activations.FLOAT, 0, 5, 1e-2);
        double after = trainAdding(Activations.FLOAT, 250, 5, 1e-2);
        assertTrue(before > Tasks.Adding.BASELINE_MSE, "untrained test MSE " + before);
        assertTrue(after < 0.03, "test MSE after 250 steps " + after + " (baseline " + Tasks.Adding.BASELINE_MSE + ")");
    }

    /**
     * TERNARY activations: the inference layer sees each value in [0, 1) as one bit (threshold 0.5), so its best
     * test MSE is 2 * 1/48 = 0.042, and training sees it through a stochastic bit (best 2 * 1/18 = 0.11 on the
     * training loss). 400 steps reach 0.138, 0.092, 0.079 on seeds 5, 6, 7; held here: seed 7 below two thirds
     * of the baseline.
     */
    @Test
    void ternaryActivationsLearnTheAddingProblem() {
        double after = trainAdding(Activations.TERNARY, 400, 7, 1e-2);
        assertTrue(after < Tasks.Adding.BASELINE_MSE * 2 / 3, "test MSE after 400 steps " + after);
    }

    /**
     * TERNARY activations by the THRESHOLD quantiser: training sees what the inference layer sees (each value
     * in [0, 1) as one bit at 0.5, best test MSE 2 * 1/48 = 0.042). Seed 7 after 400 steps: 0.047 (the
     * STOCHASTIC quantiser's 0.079 above); held below 0.07.
     */
    @Test
    void thresholdActivationsLearnTheAddingProblem() {
        double after = trainAdding(randomLayer(CellType.GRU, Activations.TERNARY, ActivationQuantizer.THRESHOLD,
                Tasks.Adding.INPUT_SIZE, HIDDEN, 7), 400, 7, 1e-2);
        assertTrue(after < 0.07, "test MSE after 400 steps " + after);
    }

    /**
     * FLOAT mode has no draws: the training forward is the exported inference layer's forward; nor has
     * STOCHASTIC TERNARY mode with every draw at delta (then u < min(|v|, 1) is the inference threshold).
     */
    @Test
    void exportedLayerComputesTheTrainingForward() {
        for (CellType type : new CellType[] {CellType.LSTM, CellType.GRU}) {
            for (Activations mode : Activations.values()) {
                int in = 7, hidden = 9, batch = 3, steps = 6;
                TernaryTrainingLayer layer = randomLayer(type, mode, in, hidden, 11);
                float[] atDelta = null;
                if (mode == Activations.TERNARY) {
                    atDelta = new float[steps * batch * (in + hidden)];
                    java.util.Arrays.fill(atDelta, layer.delta());
                }
                float[][] runs = trainingAndDeployed(layer, batch, steps, new SplittableRandom(12), atDelta);
                for (int i = 0; i < runs[0].length; i++) {
                    assertEquals(runs[1][i], runs[0][i], 1e-5, type + " " + mode + " output " + i);
                }
                assertArrayEquals(runs[3], runs[2], 1e-5f);
            }
        }
    }

    /**
     * THRESHOLD activations: training and deployment use one quantiser, so the training forward IS the
     * exported {@link TernaryLayer}'s forward (to float rounding: the trits and the integer dots are the same,
     * the bias folding and gate passes round differently), at awkward sizes (1, primes, lane counts +-1 for
     * 128- to 512-bit vectors), batch 1 and 3, three seeds, both scale layouts, lambda 1 and 1.5; the scalar
     * and vector ways by the surefire executions. Inputs in (-1.5, 1.5) and states cross the threshold, so
     * the trits are not all zero. A state within {@code 1e-6} of {@code +-delta}, where the two roundings could
     * pick different trits and the runs part, moves {@code delta} up by {@code 3e-6} and the case runs again.
     */
    @Test
    void thresholdTrainingForwardIsTheDeployedForward() {
        int checked = 0;
        for (CellType type : new CellType[] {CellType.LSTM, CellType.GRU}) {
            for (int size : new int[] {1, 3, 7, 15, 16, 17, 31, 33}) {
                for (int batch : new int[] {1, 3}) {
                    for (long seed = 1; seed <= 3; seed++) {
                        float delta = seed == 1 ? TernaryLayer.DEFAULT_DELTA : 0.3f;
                        for (int moves = 0; ; moves++) {
                            String what = type + " I=" + (size + 2) + " H=" + size + " B=" + batch + " seed " + seed
                                    + " delta " + delta;
                            assertTrue(moves < 50, what + ": states still at the threshold after " + moves + " moves");
                            float[][] runs = trainingAndDeployed(type, size + 2, size, batch, seed, delta);
                            float[] out = runs[0], expected = runs[1];
                            boolean tie = false;
                            for (float v : expected) {
                                tie |= Math.abs(Math.abs(v) - delta) < 1e-6f;
                            }
                            if (tie) {
                                delta += 3e-6f;
                                continue;
                            }
                            for (int i = 0; i < out.length; i++) {
                                assertTrue(Float.isFinite(out[i]), what + " output " + i + " = " + out[i]);
                                assertEquals(expected[i], out[i], 1e-5, what + " output " + i);
                                checked += Math.abs(expected[i]) > delta ? 1 : 0;
                            }
                            assertArrayEquals(runs[3], runs[2], 1e-5f, what + " final state");
                            break;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 1000, "only " + checked + " states passed the threshold: the trits were mostly 0");
    }

    // A THRESHOLD layer (seed 2: one scale per matrix; seed 3: lambda 1.5) over T = 30 steps, as below.
    private static float[][] trainingAndDeployed(CellType type, int in, int hidden, int batch, long seed, float delta) {
        Ternarizer ternarizer = seed == 2 ? new Ternarizer(Ternarizer.DEFAULT_FACTOR, Ternarizer.Scaling.PER_MATRIX)
                : Ternarizer.standard();
        TernaryTrainingLayer layer = TernaryTrainingLayer.create(
                TorchInit.weights(type, in, hidden, new SplittableRandom(seed * 131 + hidden)), Activations.TERNARY,
                ActivationQuantizer.THRESHOLD, ternarizer, delta, seed == 3 ? 1.5f : 1f, Blases.get());
        return trainingAndDeployed(layer, batch, 30, new SplittableRandom(seed * 17 + hidden * 3 + batch), null);
    }

    // {training forward's outputs, the exported layer's outputs, training's final h, the exported layer's final h}
    // from inputs in (-1.5, 1.5) and a state in (-0.9, 0.9) drawn from r; uniforms as forward takes them
    private static float[][] trainingAndDeployed(TernaryTrainingLayer layer, int batch, int steps, SplittableRandom r,
                                                 float[] uniforms) {
        int in = layer.inputSize(), hidden = layer.hiddenSize();
        boolean lstm = layer.cellType() == CellType.LSTM;
        float[] x = TorchInit.uniform(r, steps * batch * in, 1.5f);
        float[] h0 = TorchInit.uniform(r, batch * hidden, 0.9f);
        float[] c0 = TorchInit.uniform(r, batch * hidden, 0.9f);
        TernaryTrainingState state = layer.newState(batch).setHidden(h0);
        if (lstm) {
            state.setCell(c0);
        }
        float[] out = new float[steps * batch * hidden];
        layer.forward(x, steps, state, out, uniforms);
        try (RecurrentLayer inference = layer.toInference()) {
            TernaryWeights exported = inference.ternaryWeights();
            assertEquals(layer.quantizer(), exported.quantizer());
            assertEquals(layer.delta(), exported.delta());
            assertEquals(layer.lambda(), exported.lambda());
            LayerState s = inference.newState(batch).setHidden(h0);
            if (lstm) {
                s.setCell(c0);
            }
            float[] expected = new float[out.length];
            inference.forward(x, steps, s, expected);
            return new float[][] {out, expected, state.hidden(), s.hidden()};
        }
    }

    /** The SplittableRandom form draws the uniforms array in its documented order with nextFloat(). */
    @Test
    void randomDrawsAreTheUniformsInLayoutOrder() {
        int in = 3, hidden = 5, batch = 2, steps = 4;
        TernaryTrainingLayer layer = randomLayer(CellType.GRU, Activations.TERNARY, in, hidden, 21);
        float[] x = TorchInit.uniform(new SplittableRandom(22), steps * batch * in, 1f);
        float[] byRandom = new float[steps * batch * hidden];
        layer.forward(x, steps, layer.newState(batch), byRandom, new SplittableRandom(23));
        SplittableRandom same = new SplittableRandom(23);
        float[] u = new float[steps * batch * (in + hidden)];
        for (int i = 0; i < u.length; i++) {
            u[i] = same.nextFloat();
        }
        float[] byArray = new float[byRandom.length];
        layer.forward(x, steps, layer.newState(batch), byArray, u);
        assertArrayEquals(byArray, byRandom);
        float[] other = new float[byRandom.length];
        layer.forward(x, steps, layer.newState(batch), other, new SplittableRandom(24));
        assertTrue(!java.util.Arrays.equals(other, byRandom), "other draws, other outputs");
    }

    /** parameters() hands out the live masters: an optimiser's update is what the next forward and the export use. */
    @Test
    void parametersAreTheLiveMasterWeights() {
        TernaryTrainingLayer layer = randomLayer(CellType.GRU, Activations.FLOAT, 3, 4, 31);
        ParameterGradients g = layer.newGradients();
        List<Parameter> ps = layer.parameters(g);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), ps.stream().map(Parameter::name).toList());
        assertTrue(ps.get(1).gradient() == g.weightHh() && ps.get(2).gradient() == g.biasIh());
        float[] x = TorchInit.uniform(new SplittableRandom(32), 2 * 3, 1f);
        float[] before = new float[2 * 4];
        layer.forward(x, 2, layer.newState(1), before, (SplittableRandom) null);
        TernaryMatrix exportedBefore = exportedWeightHh(layer);
        java.util.Arrays.fill(g.weightHh(), 1f);   // every master of W_hh moves by -lr: the signs flip where |w| < lr
        java.util.Arrays.fill(g.biasIh(), 1f);
        new Sgd(ps, 0.5).step();
        float[] after = new float[before.length];
        layer.forward(x, 2, layer.newState(1), after, (SplittableRandom) null);
        assertTrue(!java.util.Arrays.equals(before, after), "the update reaches the forward");
        assertTrue(!java.util.Arrays.equals(exportedBefore.toFloat(), exportedWeightHh(layer).toFloat()),
                "the update reaches the export");
    }

    private static TernaryMatrix exportedWeightHh(TernaryTrainingLayer layer) {
        try (RecurrentLayer inference = layer.toInference()) {
            return inference.ternaryWeights().weightHh();
        }
    }

    @Test
    void divergedMastersAreReported() {
        TernaryTrainingLayer layer = randomLayer(CellType.LSTM, Activations.FLOAT, 3, 4, 41);
        List<Parameter> ps = layer.parameters(layer.newGradients());
        ps.get(0).value()[5] = Float.NaN;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> layer.forward(new float[3], 1, layer.newState(1), new float[4], (SplittableRandom) null));
        assertTrue(e.getMessage().contains("weight_ih_l0"), e.getMessage());
    }
}
