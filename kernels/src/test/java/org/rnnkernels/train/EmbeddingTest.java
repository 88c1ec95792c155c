package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The embedding as a model's input: its forward is the float model's forward on the gathered rows (exactly), its
 * gradient (with every other one) matches a directional finite difference of a softmax cross-entropy language-model
 * loss, one and two directions, the backward adds only to the rows of the ids seen, bad ids are refused before
 * anything changes, and the table travels in the model file and checkpoint.
 */
class EmbeddingTest {
    static final int VOCABULARY = 11, DIMENSION = 5, HIDDEN = 7, BATCH = 3, STEPS = 6;

    @Test
    void isPyTorchsDefaultStandardNormal() {
        Embedding e = Embedding.create(400, 50, new SplittableRandom(3));
        double sum = 0, squares = 0;
        for (float v : e.weight()) {
            sum += v;
            squares += (double) v * v;
        }
        int n = e.weight().length;
        double mean = sum / n;
        assertEquals(0, mean, 4 / Math.sqrt(n), "mean of N(0, 1) entries");
        assertEquals(1, squares / n - mean * mean, 0.05, "variance of N(0, 1) entries");
    }

    @Test
    void forwardGathersAndBackwardScatterAddsIntoTheRowsSeen() {
        Embedding e = Embedding.create(VOCABULARY, DIMENSION, new SplittableRandom(1));
        int[] ids = {4, 0, 4, 9};
        float[] x = new float[ids.length * DIMENSION];
        e.forward(ids, ids.length, x);
        float[] dx = TorchInit.uniform(new SplittableRandom(2), x.length, 1);
        e.backward(ids, ids.length, dx);
        float[] gradient = e.parameters().get(0).gradient();
        for (int w = 0; w < VOCABULARY; w++) {
            for (int j = 0; j < DIMENSION; j++) {
                double expected = 0;
                for (int i = 0; i < ids.length; i++) {
                    if (ids[i] == w) {
                        expected += dx[i * DIMENSION + j];
                        assertEquals(e.weight()[w * DIMENSION + j], x[i * DIMENSION + j], "row of ids[" + i + "]");
                    }
                }
                assertEquals(expected, gradient[w * DIMENSION + j], 1e-6, "dE[" + w + "][" + j + "]");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void aWordModelIsTheFloatModelOnTheGatheredRows(CellType type) {
        for (boolean bidirectional : new boolean[] {false, true}) {
            TrainingModel words = model(type, bidirectional, 4);
            TrainingModel floats = model(type, bidirectional, 4);
            int[] ids = ids(new SplittableRandom(5));
            float[] x = new float[ids.length * DIMENSION];
            words.embedding().forward(ids, ids.length, x);
            int k = VOCABULARY;
            float[] yWords = new float[STEPS * BATCH * k];
            float[] yFloats = new float[yWords.length];
            words.forward(ids, STEPS, words.newState(BATCH), yWords);
            TrainingModel plain = withoutEmbedding(floats);
            plain.forward(x, STEPS, plain.newState(BATCH), yFloats);
            assertArrayEquals(yFloats, yWords, type + " bidirectional=" + bidirectional);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void gradientsMatchAFiniteDifferenceOfTheLoss(CellType type) {
        for (boolean bidirectional : new boolean[] {false, true}) {
            TrainingModel model = model(type, bidirectional, 11);
            SplittableRandom random = new SplittableRandom(6);
            int[] ids = ids(random);
            int[] targets = ids(random);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(VOCABULARY, Loss.Over.EVERY_STEP);
            float[] y = new float[STEPS * BATCH * VOCABULARY];
            float[] dy = new float[y.length];
            TrainingModel.State state = model.newState(BATCH);
            model.forward(ids, STEPS, state, y);
            loss.compute(y, STEPS, BATCH, targets, null, dy);
            model.backward(state, dy);
            assertEquals("embedding.weight", model.parameters().get(0).name());

            // Along a random direction d over every parameter: (L(p + e d) - L(p - e d)) / 2e = grad . d; and over
            // the table alone, so that its part cannot hide in the others'.
            for (boolean tableOnly : new boolean[] {false, true}) {
                List<float[]> direction = new ArrayList<>();
                List<float[]> origin = new ArrayList<>();
                double predicted = 0;
                for (int p = 0; p < model.parameters().size(); p++) {
                    Parameter parameter = model.parameters().get(p);
                    origin.add(parameter.value().clone());
                    float[] d = tableOnly && p > 0 ? new float[parameter.size()] : TorchInit.uniform(random, parameter.size(), 1);
                    direction.add(d);
                    for (int i = 0; i < d.length; i++) {
                        predicted += (double) parameter.gradient()[i] * d[i];
                    }
                }
                double eps = 1e-2;
                double numeric = (lossAlong(model, origin, direction, eps, ids, targets, loss)
                        - lossAlong(model, origin, direction, -eps, ids, targets, loss)) / (2 * eps);
                assertEquals(predicted, numeric, 2e-3 * Math.max(1, Math.abs(predicted)),
                        type + " bidirectional=" + bidirectional + (tableOnly ? ", the table alone" : ", every parameter"));
                lossAlong(model, origin, direction, 0, ids, targets, loss);
            }
            // Rows of words not in the batch get no gradient.
            float[] gradient = model.parameters().get(0).gradient();
            for (int w = 0; w < VOCABULARY; w++) {
                boolean seen = false;
                for (int id : ids) {
                    seen |= id == w;
                }
                double norm = 0;
                for (int j = 0; j < DIMENSION; j++) {
                    norm += Math.abs(gradient[w * DIMENSION + j]);
                }
                assertEquals(seen, norm > 0, "word " + w + " seen: " + seen + ", its gradient's 1-norm " + norm);
            }
        }
    }

    private static double lossAlong(TrainingModel model, List<float[]> origin, List<float[]> direction, double step,
                                    int[] ids, int[] targets, SoftmaxCrossEntropy loss) {
        List<Parameter> parameters = model.parameters();
        for (int k = 0; k < parameters.size(); k++) {
            float[] v = parameters.get(k).value();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (origin.get(k)[i] + step * direction.get(k)[i]);
            }
        }
        model.parametersChanged();
        float[] y = new float[STEPS * BATCH * VOCABULARY];
        model.forward(ids, STEPS, model.newState(BATCH), y);
        return loss.compute(y, STEPS, BATCH, targets, null, new float[y.length]);
    }

    @Test
    void badIdsAreRefusedNamingTheArgumentBeforeAnythingChanges() {
        TrainingModel model = model(CellType.LSTM, false, 2);
        TrainingModel.State state = model.newState(BATCH);
        float[] y = new float[STEPS * BATCH * VOCABULARY];
        int[] ids = ids(new SplittableRandom(1));
        model.forward(ids, STEPS, state, y);
        float[] before = y.clone();
        for (int bad : new int[] {-1, VOCABULARY, Integer.MIN_VALUE}) {
            int[] wrong = ids.clone();
            wrong[5] = bad;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(wrong, STEPS, state, y));
            assertTrue(e.getMessage().contains("ids[5] = " + bad) && e.getMessage().contains("[0, V=" + VOCABULARY + ")"),
                    e.getMessage());
        }
        IllegalArgumentException shortIds = assertThrows(IllegalArgumentException.class,
                () -> model.forward(new int[STEPS * BATCH - 1], STEPS, state, y));
        assertTrue(shortIds.getMessage().startsWith("ids"), shortIds.getMessage());
        assertArrayEquals(before, y, "a refused forward writes nothing");
        // the state still holds the last good forward: its backward runs
        model.backward(state, new float[y.length]);
        Embedding e = model.embedding();
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
                () -> e.backward(new int[] {VOCABULARY}, 1, new float[DIMENSION]));
        assertTrue(direct.getMessage().contains("ids[0]"), direct.getMessage());
        assertThrows(IllegalStateException.class, () -> model.forward(new float[STEPS * BATCH * DIMENSION], STEPS, state, y),
                "a word model takes ids");
        TrainingModel plain = withoutEmbedding(model);
        assertThrows(IllegalStateException.class, () -> plain.forward(ids, STEPS, plain.newState(BATCH), y),
                "a float model takes floats");
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> model(CellType.GRU, false, 1,
                Embedding.create(VOCABULARY, DIMENSION + 1, new SplittableRandom(1))));
        assertTrue(width.getMessage().startsWith("embedding has D = " + (DIMENSION + 1)), width.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Embedding.of(VOCABULARY, DIMENSION, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> Embedding.create(0, DIMENSION, new SplittableRandom(1)));
    }

    @Test
    void theTableTravelsInTheModelFileAndTheCheckpoint(@TempDir Path dir) throws Exception {
        TrainingModel model = model(CellType.LSTM, false, 3);
        Adam adam = new Adam(model.parameters(), 1e-2);
        TrainingModel.State state = model.newState(BATCH);
        float[] y = new float[STEPS * BATCH * VOCABULARY];
        float[] dy = new float[y.length];
        int[] ids = ids(new SplittableRandom(2));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(VOCABULARY, Loss.Over.EVERY_STEP);
        model.forward(ids, STEPS, state, y);
        loss.compute(y, STEPS, BATCH, ids, null, dy);
        model.backward(state, dy);
        model.update(adam, 1);
        model.forward(ids, STEPS, state.reset(), y);

        Path file = dir.resolve("words.safetensors");
        model.save(file);
        TrainingModel loaded = TrainingModel.load(file);
        assertArrayEquals(model.embedding().weight(), loaded.embedding().weight());
        float[] again = new float[y.length];
        loaded.forward(ids, STEPS, loaded.newState(BATCH), again);
        assertArrayEquals(y, again, "the loaded model's outputs");

        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Checkpoint.save(checkpoint, model, adam, 1);
        Checkpoint resumed = Checkpoint.load(checkpoint);
        assertArrayEquals(adam.firstMoment(0), resumed.adam().firstMoment(0), "the table's Adam moments");
        assertEquals(model.parameters().size(), resumed.model().parameters().size());
    }

    static int[] ids(SplittableRandom random) {
        int[] ids = new int[STEPS * BATCH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(VOCABULARY - 2);   // the last two words never appear
        }
        return ids;
    }

    static TrainingModel model(CellType type, boolean bidirectional, long seed) {
        return model(type, bidirectional, seed, null);
    }

    private static TrainingModel model(CellType type, boolean bidirectional, long seed, Embedding given) {
        SplittableRandom random = new SplittableRandom(seed);
        Embedding embedding = given != null ? given : Embedding.create(VOCABULARY, DIMENSION, random);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int d = 0; d < (bidirectional ? 2 : 1); d++) {
            layers.add(TorchInit.layer(type, DIMENSION, HIDDEN, random, Blases.get()));
        }
        int top = (bidirectional ? 2 : 1) * HIDDEN;
        try (RecurrentModel stack = RecurrentModel.of(bidirectional, layers)) {
            return TrainingModel.of(embedding, stack, LinearHead.create(top, VOCABULARY, random.nextLong()),
                    TrainingModel.HeadOn.EVERY_STEP);
        }
    }

    // The same layers and head, float inputs.
    private static TrainingModel withoutEmbedding(TrainingModel model) {
        LinearHead head = LinearHead.of(model.head().hiddenSize(), model.head().outputs(), model.head().weight(),
                model.head().bias());
        try (RecurrentModel stack = model.toModel()) {
            return TrainingModel.of(stack, head, model.headOn());
        }
    }
}
