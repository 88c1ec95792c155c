package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnkernels.train.LossTest.rejects;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;

/**
 * The training loop: a step is the model's step written out by hand (bit for bit, head on the last step
 * and on every step), the callback sees every step, and bad arguments are refused before anything changes.
 */
class TrainerTest {
    static final int HIDDEN = 6, BATCH = 5, STEPS = 9, ITERATIONS = 4;

    @Test
    void aStepIsForwardLossBackwardUpdateOnNewSequences() {
        // Head on the last step: the adding problem with the mean squared error.
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        float[] x = new float[STEPS * BATCH * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[BATCH];
        TrainingModel byHand = model(CellType.GRU, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP);
        Adam adam = new Adam(byHand.parameters(), 1e-2);
        TrainingModel.State state = byHand.newState(BATCH);
        float[] prediction = new float[BATCH];
        float[] dPrediction = new float[BATCH];
        Tasks.Adding data = Tasks.adding(STEPS, 4);
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        for (int it = 0; it < ITERATIONS; it++) {
            data.next(BATCH, x, y);
            state.reset();
            byHand.forward(x, STEPS, state, prediction);
            losses.add(mse.compute(prediction, 1, BATCH, y, null, dPrediction));
            byHand.backward(state, dPrediction);
            norms.add(byHand.update(adam, 0.5));
        }

        TrainingModel trained = model(CellType.GRU, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP);
        Trainer trainer = new Trainer(trained, new Adam(trained.parameters(), 1e-2), 0.5, BATCH, STEPS);
        Tasks.Adding same = Tasks.adding(STEPS, 4);
        List<Trainer.Progress> seen = new ArrayList<>();
        Trainer.Progress last = trainer.train(ITERATIONS, () -> {
            same.next(BATCH, x, y);
            return x;
        }, (out, t, b, dOut) -> mse.compute(out, t, b, y, null, dOut), seen::add);
        assertSameParameters(byHand, trained, model(CellType.GRU, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP));
        for (int it = 0; it < ITERATIONS; it++) {
            assertEquals(losses.get(it), seen.get(it).loss(), "loss of step " + (it + 1));
            assertEquals(norms.get(it), seen.get(it).gradNorm(), "gradient norm of step " + (it + 1));
        }
        assertTrue(norms.get(0) > 0.5, "the clip took effect: " + norms.get(0));
        assertSame(seen.get(ITERATIONS - 1), last);
        assertEquals(norms.get(ITERATIONS - 1), trainer.lastGradNorm());
    }

    @Test
    void aHeadOnEveryStepGetsTheSequenceLengthAsTheLossSteps() {
        Tasks.CopyMemory data = Tasks.copyMemory(2, 3, 4, 6);
        int steps = data.steps();
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(data.classes(), Loss.Over.EVERY_STEP);
        float[] x = new float[steps * BATCH * data.inputSize()];
        int[] y = new int[steps * BATCH];
        data.next(BATCH, x, y);

        TrainingModel byHand = model(CellType.LSTM, data.inputSize(), data.classes(), TrainingModel.HeadOn.EVERY_STEP);
        Sgd sgd = new Sgd(byHand.parameters(), 0.1, 0.9);
        TrainingModel.State state = byHand.newState(BATCH);
        float[] logits = new float[steps * BATCH * data.classes()];
        float[] dLogits = new float[logits.length];
        double[] losses = new double[2];
        for (int it = 0; it < 2; it++) {
            state.reset();
            byHand.forward(x, steps, state, logits);
            losses[it] = loss.compute(logits, steps, BATCH, y, null, dLogits);
            byHand.backward(state, dLogits);
            byHand.update(sgd, Double.POSITIVE_INFINITY);
        }

        TrainingModel trained = model(CellType.LSTM, data.inputSize(), data.classes(), TrainingModel.HeadOn.EVERY_STEP);
        Trainer trainer = new Trainer(trained, new Sgd(trained.parameters(), 0.1, 0.9), Double.POSITIVE_INFINITY, BATCH, steps);
        int[] lossSteps = new int[1];
        Trainer.Objective objective = (out, t, b, dOut) -> {
            lossSteps[0] = t;
            return loss.compute(out, t, b, y, null, dOut);
        };
        assertEquals(losses[0], trainer.step(x, objective));
        assertEquals(losses[1], trainer.step(x, objective));
        assertEquals(steps, lossSteps[0]);
        assertSameParameters(byHand, trained,
                model(CellType.LSTM, data.inputSize(), data.classes(), TrainingModel.HeadOn.EVERY_STEP));
    }

    @Test
    void theCallbackSeesEveryStepAndEvaluatesEveryNAndAtTheEnd() {
        TrainingModel model = model(CellType.RAG_MINIMAL, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP);
        Trainer trainer = new Trainer(model, new Adam(model.parameters()), 1, BATCH, STEPS);
        float[] x = new float[STEPS * BATCH * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[BATCH];
        Tasks.Adding data = Tasks.adding(STEPS, 2);
        List<Integer> steps = new ArrayList<>();
        List<Integer> evaluated = new ArrayList<>();
        long[] nanos = {0};
        Trainer.Progress last = trainer.train(7, () -> {
            data.next(BATCH, x, y);
            return x;
        }, (out, t, b, dOut) -> new MeanSquaredError(1, Loss.Over.EVERY_STEP).compute(out, t, b, y, null, dOut), p -> {
            steps.add(p.step());
            assertEquals(7, p.iterations());
            assertTrue(p.trainingNanos() > nanos[0], "training time grows: " + p.trainingNanos());
            nanos[0] = p.trainingNanos();
            assertEquals(p.trainingNanos() / 1e6 / p.step(), p.millisPerStep());
            assertTrue(p.loss() > 0 && p.gradNorm() > 0, p.toString());
            if (p.every(3)) {
                evaluated.add(p.step());
            }
        });
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), steps);
        assertEquals(List.of(3, 6, 7), evaluated);
        assertEquals(7, last.step());
        assertSame(model, trainer.model());
        assertEquals(BATCH, trainer.batch());
        assertEquals(STEPS, trainer.steps());
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingChanges() {
        TrainingModel model = model(CellType.GRU, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP);
        TrainingModel other = model(CellType.GRU, Tasks.Adding.INPUT_SIZE, 1, TrainingModel.HeadOn.LAST_STEP);
        Adam adam = new Adam(model.parameters());
        rejects(() -> new Trainer(null, adam, 1, BATCH, STEPS), "model");
        rejects(() -> new Trainer(model, new Adam(other.parameters()), 1, BATCH, STEPS), "optimizer", "parameters()");
        rejects(() -> new Trainer(model, null, 1, BATCH, STEPS), "optimizer");
        rejects(() -> new Trainer(model, adam, 0, BATCH, STEPS), "maxGradNorm = 0.0");
        rejects(() -> new Trainer(model, adam, Double.NaN, BATCH, STEPS), "maxGradNorm = NaN");
        rejects(() -> new Trainer(model, adam, 1, 0, STEPS), "batch");
        rejects(() -> new Trainer(model, adam, 1, BATCH, 0), "steps");

        Trainer trainer = new Trainer(model, adam, 1, BATCH, STEPS);
        assertTrue(Double.isNaN(trainer.lastGradNorm()), "no step yet");
        Trainer.Objective objective = (out, t, b, dOut) -> new MeanSquaredError(1, Loss.Over.EVERY_STEP)
                .compute(out, t, b, new float[BATCH], null, dOut);
        Trainer.Batches batches = () -> new float[STEPS * BATCH * Tasks.Adding.INPUT_SIZE];
        List<float[]> before = new ArrayList<>();
        model.parameters().forEach(p -> before.add(p.value().clone()));
        rejects(() -> trainer.step(new float[STEPS * BATCH], objective), "input", "[T=9][B=5][I=2]");
        rejects(() -> trainer.step(batches.next(), null), "objective");
        rejects(() -> trainer.train(0, batches, objective, p -> { }), "iterations");
        rejects(() -> trainer.train(1, null, objective, p -> { }), "batches");
        rejects(() -> trainer.train(1, batches, null, p -> { }), "objective");
        rejects(() -> trainer.train(1, batches, objective, null), "callback");
        for (int k = 0; k < before.size(); k++) {
            assertArrayEquals(before.get(k), model.parameters().get(k).value(), model.parameters().get(k).name());
        }
        assertTrue(Double.isNaN(trainer.lastGradNorm()));
        trainer.step(batches.next(), objective);
        assertFalse(Double.isNaN(trainer.lastGradNorm()));
    }

    // One layer of `type` and a head, PyTorch's initialisation from fixed seeds.
    private static TrainingModel model(CellType type, int input, int outputs, TrainingModel.HeadOn on) {
        try (RecurrentModel layers = RecurrentModel.of(false,
                List.of(TorchInit.layer(type, input, HIDDEN, new SplittableRandom(3), Blases.get())))) {
            return TrainingModel.of(layers, LinearHead.create(HIDDEN, outputs, 5), on);
        }
    }

    // Every parameter equal to the bit, and moved away from where it started.
    private static void assertSameParameters(TrainingModel expected, TrainingModel actual, TrainingModel initial) {
        for (int k = 0; k < expected.parameters().size(); k++) {
            Parameter p = expected.parameters().get(k);
            assertArrayEquals(p.value(), actual.parameters().get(k).value(), p.name());
            assertFalse(Arrays.equals(initial.parameters().get(k).value(), p.value()), p.name() + " was trained");
        }
    }
}
