package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.io.ModelFiles;

/**
 * The stack-plus-head trainer: its gradients against a directional finite difference of its own loss
 * (in float, smooth cells, so the whole chain — head, both layers, the dX handed down — is checked
 * independently of the per-layer tests), training that learns, save/load round trips, bad input.
 */
class TrainingModelTest {
    static final int INPUT = 3, HIDDEN = 9, BATCH = 4, STEPS = 7;

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "LSTM", "GRU", "MI_GRU"})
    void gradientsMatchAFiniteDifferenceOfTheLoss(CellType type) {
        for (TrainingModel.HeadOn on : TrainingModel.HeadOn.values()) {
            checkGradients(stack(type, 2, 3, on, 11), type, on);
        }
    }

    /**
     * Dropout between the layers of a stack of three: the mask multiplies both the forward and the gradient
     * handed down, so the gradient still matches a finite difference of the loss under the same masks (a state
     * of the same draw seed draws the same ones).
     */
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void dropoutBetweenLayersIsDifferentiatedThroughItsMask(CellType type) {
        for (TrainingModel.HeadOn on : TrainingModel.HeadOn.values()) {
            TrainingModel model = stack(type, 3, 3, on, 13);
            model.setDropout(0.4);
            checkGradients(model, type, on);
        }
    }

    @Test
    void dropoutZeroesAboutPOfTheElementsAndScalesTheRest() {
        TrainingModel model = stack(CellType.GRU, 2, 3, TrainingModel.HeadOn.EVERY_STEP, 17);
        int steps = 40, batch = 8;
        float[] x = TorchInit.uniform(new SplittableRandom(2), steps * batch * INPUT, 1);
        float[] y = new float[steps * batch * 3];
        float[] plain = y.clone();
        model.forward(x, steps, model.newState(batch), plain);
        model.setDropout(0.25);
        TrainingModel.State state = model.newState(batch, 9);
        model.forward(x, steps, state, y);
        float[] out = state.layerOutput(0);
        float[] kept = state.droppedOutput(0);
        int zeroed = 0;
        for (int i = 0; i < out.length; i++) {
            if (kept[i] == 0f && out[i] != 0f) {
                zeroed++;
            } else {
                assertEquals(out[i] / 0.75f, kept[i], Math.ulp(kept[i]), "a kept element is scaled by 1/(1-p)");
            }
        }
        double fraction = (double) zeroed / out.length;   // 2,880 draws: p = 0.25 +- 0.008 (one sigma)
        assertTrue(Math.abs(fraction - 0.25) < 0.04, "zeroed fraction " + fraction);
        assertFalse(java.util.Arrays.equals(plain, y), "the dropped stack computes another output");
        model.setDropout(0);
        float[] again = new float[y.length];
        model.forward(x, steps, model.newState(batch), again);
        assertArrayEquals(plain, again, "p = 0 is the stack without dropout");
        assertEquals("dropout p = 1.0, expected 0 <= p < 1",
                assertThrows(IllegalArgumentException.class, () -> model.setDropout(1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.setDropout(Double.NaN));
    }

    private static void checkGradients(TrainingModel model, CellType type, TrainingModel.HeadOn on) {
        {
            SplittableRandom random = new SplittableRandom(5);
            float[] x = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
            int rows = on == TrainingModel.HeadOn.LAST_STEP ? BATCH : STEPS * BATCH;
            float[] target = TorchInit.uniform(random, rows * 3, 1);
            float[] y = new float[rows * 3];
            float[] dy = new float[y.length];
            MeanSquaredError mse = new MeanSquaredError(3, Loss.Over.EVERY_STEP);
            TrainingModel.State state = model.newState(BATCH);
            model.forward(x, STEPS, state, y);
            mse.compute(y, rows / BATCH, BATCH, target, null, dy);
            model.backward(state, dy);

            // Along a random direction d over every parameter: (L(p + e d) - L(p - e d)) / 2e = grad . d
            List<float[]> direction = new ArrayList<>();
            List<float[]> origin = new ArrayList<>();
            double predicted = 0;
            for (Parameter p : model.parameters()) {
                origin.add(p.value().clone());
                float[] d = TorchInit.uniform(random, p.size(), 1);
                direction.add(d);
                for (int i = 0; i < d.length; i++) {
                    predicted += (double) p.gradient()[i] * d[i];
                }
            }
            double eps = 1e-2;
            double plus = lossAlong(model, origin, direction, eps, x, target, mse, rows);
            double minus = lossAlong(model, origin, direction, -eps, x, target, mse, rows);
            double numeric = (plus - minus) / (2 * eps);
            assertEquals(predicted, numeric, 2e-3 * Math.max(1, Math.abs(predicted)),
                    type + " " + on + ": directional derivative");
        }
    }

    // Moves every parameter to origin + step * direction, refreshes, and returns the loss.
    private static double lossAlong(TrainingModel model, List<float[]> origin, List<float[]> direction, double step,
                                    float[] x, float[] target, MeanSquaredError mse, int rows) {
        List<Parameter> parameters = model.parameters();
        for (int k = 0; k < parameters.size(); k++) {
            float[] v = parameters.get(k).value();
            float[] d = direction.get(k);
            float[] o = origin.get(k);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (o[i] + step * d[i]);
            }
        }
        model.parametersChanged();
        float[] y = new float[rows * 3];
        model.forward(x, STEPS, model.newState(BATCH), y);
        return mse.compute(y, rows / BATCH, BATCH, target, null, new float[y.length]);
    }

    @Test
    void learnsTheAddingProblem() {
        int steps = 12, batch = 32, hidden = 16;
        TrainingModel model = stackOn(CellType.GRU, Tasks.Adding.INPUT_SIZE, hidden, 1, 1, TrainingModel.HeadOn.LAST_STEP, 3);
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-2), 1, batch, steps);
        Tasks.Adding data = Tasks.adding(steps, 9);
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        float[] x = new float[steps * batch * 2];
        float[] target = new float[batch];
        double[] firstAndLast = new double[2];   // mean loss of steps 1-20 and 381-400
        trainer.train(400, () -> {
            data.next(batch, x, target);
            return x;
        }, (y, t, b, dy) -> mse.compute(y, t, b, target, null, dy), p -> {
            firstAndLast[0] += p.step() <= 20 ? p.loss() / 20 : 0;
            firstAndLast[1] += p.step() > 380 ? p.loss() / 20 : 0;
        });
        double first = firstAndLast[0];
        double last = firstAndLast[1];
        assertTrue(first > 0.1, "the untrained loss is near the baseline 0.167: " + first);
        assertTrue(last < 0.02, "400 Adam steps learn the adding problem at T = 12: " + first + " -> " + last);
    }

    @Test
    void aBackwardDifferentiatesItsOwnStateEvenAfterAnotherForward() {
        for (TrainingModel.HeadOn on : TrainingModel.HeadOn.values()) {
            int rows = on == TrainingModel.HeadOn.LAST_STEP ? BATCH : STEPS * BATCH;
            SplittableRandom random = new SplittableRandom(8);
            float[] xA = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
            float[] xB = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
            float[] dy = TorchInit.uniform(random, rows * 2, 1);
            float[] y = new float[rows * 2];

            TrainingModel alone = stack(CellType.GRU, 2, 2, on, 4);
            TrainingModel.State a = alone.newState(BATCH);
            alone.forward(xA, STEPS, a, y);
            alone.backward(a, dy);

            TrainingModel interleaved = stack(CellType.GRU, 2, 2, on, 4);
            TrainingModel.State a2 = interleaved.newState(BATCH);
            interleaved.forward(xA, STEPS, a2, y);
            interleaved.forward(xB, STEPS, interleaved.newState(BATCH), new float[y.length]);   // e.g. an evaluation
            interleaved.backward(a2, dy);
            for (int k = 0; k < alone.parameters().size(); k++) {
                assertArrayEquals(alone.parameters().get(k).gradient(), interleaved.parameters().get(k).gradient(),
                        on + " " + alone.parameters().get(k).name());
            }
        }
    }

    @Test
    void savedModelsLoadWithTheSameOutputs(@TempDir Path dir) throws Exception {
        TrainingModel model = stack(CellType.LSTM, 2, 2, TrainingModel.HeadOn.EVERY_STEP, 21);
        // Move the weights off their initial values first, so that the file must hold the trained ones.
        model.parameters().forEach(p -> p.gradient()[0] = 1f);
        model.update(new Sgd(model.parameters(), 0.5), Double.POSITIVE_INFINITY);
        float[] x = TorchInit.uniform(new SplittableRandom(2), STEPS * BATCH * INPUT, 1);
        float[] expected = new float[STEPS * BATCH * 2];
        model.forward(x, STEPS, model.newState(BATCH), expected);

        Path file = dir.resolve("trained.safetensors");
        model.save(file);
        TrainingModel loaded = TrainingModel.load(file);
        assertEquals(TrainingModel.HeadOn.EVERY_STEP, loaded.headOn());
        float[] actual = new float[expected.length];
        loaded.forward(x, STEPS, loaded.newState(BATCH), actual);
        assertArrayEquals(expected, actual);

        // The same file is an ordinary model file for inference.
        try (RecurrentModel inference = ModelFiles.load(file); RecurrentModel exported = model.toModel()) {
            assertEquals(2, inference.numLayers());
            assertArrayEquals(exported.layer(1, 0).weightHh(), inference.layer(1, 0).weightHh());
        }
        // A plain model file has no head.
        Path plain = dir.resolve("plain.safetensors");
        try (RecurrentModel exported = model.toModel()) {
            ModelFiles.save(exported, plain);
        }
        Exception e = assertThrows(java.io.IOException.class, () -> TrainingModel.load(plain));
        assertTrue(e.getMessage().contains("no head"), e.getMessage());
        assertTrue(Files.size(file) > Files.size(plain));
    }

    @Test
    void badInputIsRefusedWithTheExpectedShape() {
        TrainingModel model = stack(CellType.GRU, 1, 2, TrainingModel.HeadOn.LAST_STEP, 1);
        TrainingModel.State state = model.newState(BATCH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[5], STEPS, state, new float[BATCH * 2]));
        assertTrue(e.getMessage().contains("input") && e.getMessage().contains("[T=7][B=4][I=3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[STEPS * BATCH * INPUT], STEPS, state, new float[STEPS * BATCH * 2]));
        assertTrue(e.getMessage().contains("output") && e.getMessage().contains("[B=4][K=2]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> model.backward(state, new float[BATCH * 2]));
        TrainingModel other = stack(CellType.GRU, 1, 2, TrainingModel.HeadOn.LAST_STEP, 1);
        assertThrows(IllegalArgumentException.class,
                () -> model.forward(new float[STEPS * BATCH * INPUT], STEPS, other.newState(BATCH), new float[BATCH * 2]));
        e = assertThrows(IllegalArgumentException.class, () -> model.update(new Adam(other.parameters()), 1));
        assertTrue(e.getMessage().contains("parameters()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.update(new Adam(model.parameters()), 0));
        try (RecurrentModel m = RecurrentModel.of(false, List.of(layer(CellType.GRU, INPUT, HIDDEN, new SplittableRandom(1))))) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> TrainingModel.of(m, LinearHead.create(HIDDEN + 1, 1, 1), TrainingModel.HeadOn.LAST_STEP));
            assertTrue(e.getMessage().contains("output size " + HIDDEN), e.getMessage());
        }
        try (RecurrentModel bi = RecurrentModel.of(true, List.of(layer(CellType.GRU, INPUT, HIDDEN, new SplittableRandom(1)),
                layer(CellType.GRU, INPUT, HIDDEN, new SplittableRandom(2))))) {
            // A bidirectional model's output rows are 2H wide: a head of H inputs does not fit.
            e = assertThrows(IllegalArgumentException.class,
                    () -> TrainingModel.of(bi, LinearHead.create(HIDDEN, 1, 1), TrainingModel.HeadOn.LAST_STEP));
            assertTrue(e.getMessage().contains("output size " + 2 * HIDDEN), e.getMessage());
        }
        // Refused before any state is touched: the parameters are those of before.
        float[] before = model.parameters().get(0).value().clone();
        assertThrows(IllegalArgumentException.class, () -> model.update(new Adam(model.parameters()), Double.NaN));
        assertArrayEquals(before, model.parameters().get(0).value());
    }

    static TrainingModel stack(CellType type, int layers, int outputs, TrainingModel.HeadOn on, long seed) {
        return stackOn(type, INPUT, HIDDEN, layers, outputs, on, seed);
    }

    static TrainingModel stackOn(CellType type, int input, int hidden, int layers, int outputs, TrainingModel.HeadOn on,
                                 long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RecurrentLayer> built = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            built.add(layer(type, k == 0 ? input : hidden, hidden, random));
        }
        try (RecurrentModel model = RecurrentModel.of(false, built)) {
            return TrainingModel.of(model, LinearHead.create(hidden, outputs, random.nextLong()), on);
        }
    }

    static RecurrentLayer layer(CellType type, int input, int hidden, SplittableRandom random) {
        return TorchInit.layer(type, input, hidden, random, Blases.get());
    }
}
