package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;

/** Learning-rate schedules (PyTorch's formulas, worked out by hand), early stopping, and the task metrics. */
class TrainingPiecesTest {

    static double[] rates(LearningRateSchedule s, int steps) {
        double[] r = new double[steps];
        for (int i = 0; i < steps; i++) {
            r[i] = s.rate(i + 1);
        }
        return r;
    }

    @Test
    void schedulesGivePyTorchsRates() {
        assertArrayEquals(new double[] {0.1, 0.1, 0.1}, rates(LearningRateSchedule.constant(0.1), 3));
        // StepLR(step_size = 2, gamma = 0.5) from 0.1, stepped after every iteration
        assertArrayEquals(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, rates(LearningRateSchedule.stepDecay(0.1, 2, 0.5), 5),
                1e-15);
        // CosineAnnealingLR(T_max = 4, eta_min = 0) from 1: (1 + cos(pi k / 4)) / 2 for k = 0..4, then eta_min
        double c = (1 + Math.cos(Math.PI / 4)) / 2;
        assertArrayEquals(new double[] {1, c, 0.5, 1 - c, 1e-9, 1e-9}, rates(LearningRateSchedule.cosine(1, 4, 1e-9), 6),
                1e-9);
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1, 1}, rates(LearningRateSchedule.warmup(4,
                LearningRateSchedule.constant(1)), 5), 1e-15);
        assertEquals("rate = 0.0, expected finite and > 0",
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(1, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(1, 1, 1.5));
        assertEquals("minRate = 2.0, expected <= rate 1.0",
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 4, 2)).getMessage());
    }

    static TrainingModel model() {
        try (RecurrentModel layers = RecurrentModel.of(false,
                List.of(TorchInit.layer(CellType.GRU, Tasks.Adding.INPUT_SIZE, 6, new SplittableRandom(3), Blases.get())))) {
            return TrainingModel.of(layers, LinearHead.create(6, 1, 5), TrainingModel.HeadOn.LAST_STEP);
        }
    }

    @Test
    void theTrainerSetsEachStepsRate() {
        TrainingModel model = model();
        Adam adam = new Adam(model.parameters(), 1e-2);
        int batch = 4, steps = 5;
        Trainer trainer = new Trainer(model, adam, 1, batch, steps)
                .schedule(LearningRateSchedule.stepDecay(0.2, 2, 0.5));
        Tasks.Adding data = Tasks.adding(steps, 7);
        float[] x = new float[steps * batch * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[batch];
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        List<Double> seen = new ArrayList<>();
        trainer.train(5, () -> {
            data.next(batch, x, y);
            return x;
        }, (out, t, b, d) -> mse.compute(out, t, b, y, null, d), p -> seen.add(adam.learningRate()));
        assertEquals(List.of(0.2, 0.2, 0.1, 0.1, 0.05), seen);
    }

    @Test
    void earlyStoppingKeepsAndRestoresTheBestParameters() {
        TrainingModel model = model();
        Parameter first = model.parameters().get(0);
        EarlyStopping stop = new EarlyStopping(model, 2, 0.01, false);
        assertTrue(stop.update(1.0));
        float[] atBest = first.value().clone();
        first.value()[0] += 1;                         // training moves on
        assertFalse(stop.update(0.995), "not better by more than minDelta");
        assertFalse(stop.shouldStop());
        assertFalse(stop.update(1.2));
        assertTrue(stop.shouldStop(), "two evaluations in a row without improvement");
        assertEquals(1.0, stop.bestMetric());
        assertEquals(1, stop.bestEvaluation());
        stop.restoreBest(model);
        assertArrayEquals(atBest, first.value());

        EarlyStopping accuracy = new EarlyStopping(model, 1, 0, true);
        accuracy.update(0.5);
        assertTrue(accuracy.update(0.6), "higher is better for accuracy");
        assertThrows(IllegalArgumentException.class, () -> accuracy.update(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> accuracy.restoreBest(model()));
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(model, 0, 0, true));
    }

    @Test
    void metrics() {
        float[] logits = {0.1f, 0.9f, 0.0f,   // row 0: class 1
                2f, 2f, 1f,                    // row 1: a tie, the lower class (0) wins
                0f, 0f, 3f};                   // row 2: class 2
        assertEquals(2.0 / 3, Metrics.accuracy(logits, 3, new int[] {1, 1, 2}), 1e-15);
        assertEquals(1.0, Metrics.accuracy(logits, 3, new int[] {1, 0, 2}));
        assertEquals("logits has 9 floats, expected targets.length x classes = 2 x 3", assertThrows(
                IllegalArgumentException.class, () -> Metrics.accuracy(logits, 3, new int[] {1, 0})).getMessage());
        assertEquals("targets[2] = 3, expected in [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> Metrics.accuracy(logits, 3, new int[] {1, 0, 3})).getMessage());
        assertEquals(Math.E, Metrics.perplexity(1), 1e-15);
        assertEquals(1.0, Metrics.bitsPerCharacter(Math.log(2)), 1e-15);
    }

    // Iterations from..to-1 of a run on the adding problem whose batch i is the i-th of seed 7's stream.
    static void run(Trainer trainer, int from, int to) {
        int batch = trainer.batch(), steps = trainer.steps();
        Tasks.Adding data = Tasks.adding(steps, 7);
        float[] x = new float[steps * batch * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[batch];
        for (int i = 0; i < from; i++) {
            data.next(batch, x, y);
        }
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        trainer.train(to - from, () -> {
            data.next(batch, x, y);
            return x;
        }, (out, t, b, d) -> mse.compute(out, t, b, y, null, d), p -> { });
    }

    @Test
    void aResumedCheckpointTrainsOnAsIfNeverStopped(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        TrainingModel straight = model();
        Adam adam = new Adam(straight.parameters(), 1e-2);
        Trainer trainer = new Trainer(straight, adam, 1, 4, 6);
        run(trainer, 0, 3);
        java.nio.file.Path file = tmp.resolve("run.safetensors");
        Checkpoint.save(file, straight, adam, 3);
        run(trainer, 3, 6);

        Checkpoint c = Checkpoint.load(file);
        assertEquals(3, c.iteration());
        assertEquals(3, c.adam().steps());
        run(new Trainer(c.model(), c.adam(), 1, 4, 6), (int) c.iteration(), 6);
        for (int k = 0; k < straight.parameters().size(); k++) {
            assertArrayEquals(straight.parameters().get(k).value(), c.model().parameters().get(k).value(),
                    straight.parameters().get(k).name());
        }
        assertEquals(6, c.adam().steps());

        java.nio.file.Path plain = tmp.resolve("model.safetensors");
        straight.save(plain);
        assertTrue(assertThrows(org.rnnkernels.io.SafeTensorsException.class, () -> Checkpoint.load(plain)).getMessage()
                .contains("not a checkpoint"));
        TrainingModel.load(file);   // a checkpoint is a model file too
    }
}
