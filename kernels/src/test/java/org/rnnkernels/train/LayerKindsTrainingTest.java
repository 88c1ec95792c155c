package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.Fixtures;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.io.ModelFiles;

/**
 * EGRU and restricted (weight-shared) layers in a {@link RecurrentModel} go through {@link TrainingModel#of}
 * like dense ones, in one or two directions and mixed: a few Adam steps on a fixed batch lower the loss,
 * and the trained stack, saved and loaded again through {@link ModelFiles} (and {@link TrainingModel#load}),
 * computes the same outputs.
 */
class LayerKindsTrainingTest {
    static final int INPUT = 5, HIDDEN = 12, BATCH = 4, STEPS = 9, OUTPUTS = 3;

    // (layer k, input size) -> a layer of the stack
    static Stream<Arguments> stacks() {
        BiFunction<Integer, Long, RecurrentLayer> egru = (input, seed) ->
                TrainFixture.egru(input, HIDDEN, 1, 1, seed, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S).layer();
        BiFunction<Integer, Long, RecurrentLayer> restrictedGru = (input, seed) ->
                TrainFixture.restricted(CellType.GRU, input, HIDDEN, 1, 1, seed, 0.5).layer();
        BiFunction<Integer, Long, RecurrentLayer> restrictedLstm = (input, seed) ->
                TrainFixture.restricted(CellType.LSTM, input, HIDDEN, 1, 1, seed, 1.0 / 3).layer();
        BiFunction<Integer, Long, RecurrentLayer> denseLstm = (input, seed) ->
                new TrainFixture(CellType.LSTM, input, HIDDEN, 1, 1, seed, 1f).layer();
        return Stream.of(
                Arguments.of("EGRU x2", false, List.of(egru, egru)),
                Arguments.of("bidirectional EGRU x2", true, List.of(egru, egru, egru, egru)),
                Arguments.of("restricted GRU x2", false, List.of(restrictedGru, restrictedGru)),
                Arguments.of("bidirectional restricted LSTM over restricted LSTM / dense LSTM", true,
                        List.of(restrictedLstm, restrictedLstm, restrictedLstm, denseLstm)),
                Arguments.of("EGRU over restricted GRU", false, List.of(restrictedGru, egru)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stacks")
    void trainsSavesAndLoads(String name, boolean bidirectional, List<BiFunction<Integer, Long, RecurrentLayer>> kinds,
                             @TempDir Path dir) throws Exception {
        int directions = bidirectional ? 2 : 1;
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            int k = i / directions;
            layers.add(kinds.get(i).apply(k == 0 ? INPUT : directions * HIDDEN, 100L + i));
        }
        TrainingModel model;
        try (RecurrentModel inference = RecurrentModel.of(bidirectional, layers)) {
            model = TrainingModel.of(inference, LinearHead.create(directions * HIDDEN, OUTPUTS, 7),
                    TrainingModel.HeadOn.EVERY_STEP);
        }
        SplittableRandom random = new SplittableRandom(11);
        float[] x = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
        float[] target = TorchInit.uniform(random, STEPS * BATCH * OUTPUTS, 1);
        TrainingModel.State state = model.newState(BATCH);
        double[] loss = fitOneBatch(model, state, x, target, STEPS, 40, 1);
        assertTrue(loss[1] < 0.8 * loss[0], name + ": 40 Adam steps on one batch lower the loss: " + loss[0] + " -> " + loss[1]);

        // The trained stack: the training forward's outputs, the exported model's, the saved file's.
        float[] y = new float[target.length];
        state.reset();
        model.forward(x, STEPS, state, y);
        float[] trained = state.layerOutput(model.numLayers() - 1).clone();
        Path file = dir.resolve("trained.safetensors");
        model.save(file);
        try (RecurrentModel exported = model.toModel(); RecurrentModel loaded = ModelFiles.load(file)) {
            float[] fromExport = run(exported, x);
            assertArrayEquals(fromExport, run(loaded, x), name + ": the file runs as the exported model");
            for (int i = 0; i < trained.length; i++) {
                double error = Math.abs(fromExport[i] - trained[i]) / Math.max(1, Math.abs(trained[i]));
                assertTrue(error <= 1e-5, name + " output " + i + ": inference " + fromExport[i] + ", training " + trained[i]);
            }
        }
        TrainingModel reloaded = TrainingModel.load(file);
        assertEquals(model.parameters().size(), reloaded.parameters().size(), name);
        for (int p = 0; p < model.parameters().size(); p++) {
            Parameter expected = model.parameters().get(p), actual = reloaded.parameters().get(p);
            assertEquals(expected.name(), actual.name());
            assertArrayEquals(expected.value(), actual.value(), name + " " + expected.name());
        }
        float[] again = new float[y.length];
        reloaded.forward(x, STEPS, reloaded.newState(BATCH), again);
        assertArrayEquals(y, again, name + ": the reloaded training model computes the same head outputs");
    }

    /**
     * Adam (lr 1e-2, clip 1) on one batch, from zero states each step, the mean squared error against
     * {@code target} (shaped as the head's outputs); returns the mean loss of the first and of the last
     * {@code window} steps.
     */
    static double[] fitOneBatch(TrainingModel model, TrainingModel.State state, float[] x, float[] target, int steps,
                                int iterations, int window) {
        int outputs = model.head().outputs();
        int batch = state.batchSize();
        int rows = model.headOn() == TrainingModel.HeadOn.LAST_STEP ? 1 : steps;   // head outputs per sequence
        float[] y = new float[target.length];
        float[] dy = new float[target.length];
        MeanSquaredError mse = new MeanSquaredError(outputs, Loss.Over.EVERY_STEP);
        Adam adam = new Adam(model.parameters(), 1e-2);
        double first = 0, last = 0;
        for (int it = 0; it < iterations; it++) {
            state.reset();
            model.forward(x, steps, state, y);
            double loss = mse.compute(y, rows, batch, target, null, dy);
            first += it < window ? loss / window : 0;
            last += it >= iterations - window ? loss / window : 0;
            model.backward(state, dy);
            model.update(adam, 1);
        }
        return new double[] {first, last};
    }

    private static float[] run(RecurrentModel model, float[] x) {
        try (ModelState state = model.newState(BATCH)) {
            float[] out = new float[STEPS * BATCH * model.outputSize()];
            model.forward(x, STEPS, null, state, out);
            return out;
        }
    }
}
