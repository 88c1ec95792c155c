package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.Fixtures;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.ternary.TernaryLayer.Activations;

/**
 * {@link TernaryTrainingLayer}s in a {@link TrainingModel} ({@link TrainingModel#of(boolean, List, LinearHead,
 * TrainingModel.HeadOn)}): one ternary layer in a model is the layer and its head trained by hand, bit for bit
 * (its draws from the state's seed); ternary and dense layers stack, one or two directions, and learn; the
 * parameters carry the stack's names; refused input is refused before anything is written.
 */
class TernaryTrainingModelTest {
    static final int INPUT = 4, HIDDEN = 9, BATCH = 3, STEPS = 7, OUTPUTS = 2;

    @Test
    void aLoneTernaryLayerInAModelIsTheLayerAndItsHeadByHand() {
        for (CellType type : List.of(CellType.GRU, CellType.LSTM)) {
            for (Activations mode : Activations.values()) {
                for (TrainingModel.HeadOn on : TrainingModel.HeadOn.values()) {
                    String what = type + " " + mode + " " + on;
                    SplittableRandom random = new SplittableRandom(17);
                    float[] x = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1.5f);
                    int rows = on == TrainingModel.HeadOn.LAST_STEP ? BATCH : STEPS * BATCH;
                    float[] dy = TorchInit.uniform(random, rows * OUTPUTS, 1);
                    float[] h0 = TorchInit.uniform(random, BATCH * HIDDEN, 0.5f);

                    // By hand: the layer, then the head on its last or every output row
                    TernaryTrainingLayer layer = TernaryTrainingTest.randomLayer(type, mode, INPUT, HIDDEN, 3);
                    LinearHead head = LinearHead.create(HIDDEN, OUTPUTS, 4);
                    ParameterGradients g = layer.newGradients();
                    TernaryTrainingState st = layer.newState(BATCH).setHidden(h0);
                    float[] out = new float[STEPS * BATCH * HIDDEN];
                    layer.forward(x, STEPS, st, out, new SplittableRandom(99));
                    int from = on == TrainingModel.HeadOn.LAST_STEP ? (STEPS - 1) * BATCH * HIDDEN : 0;
                    float[] y = new float[rows * OUTPUTS];
                    head.forward(out, from, rows, y, 0);
                    float[] dRows = new float[rows * HIDDEN];
                    head.backward(dy, 0, rows, dRows, 0);
                    boolean last = on == TrainingModel.HeadOn.LAST_STEP;
                    layer.backward(st, last ? null : dRows, last ? dRows : null, null, null, null, null, g);

                    // The same through a model, its draws seeded alike
                    TrainingModel model = TrainingModel.of(false,
                            List.of(TernaryTrainingTest.randomLayer(type, mode, INPUT, HIDDEN, 3)), LinearHead.create(HIDDEN, OUTPUTS, 4), on);
                    TrainingModel.State state = model.newState(BATCH, 99);
                    state.setHidden(0, 0, h0);
                    float[] yModel = new float[y.length];
                    model.forward(x, STEPS, state, yModel);
                    model.backward(state, dy);
                    assertArrayEquals(y, yModel, what + ": head outputs");
                    assertArrayEquals(st.hidden(), state.hidden(0, 0), what + ": final h");
                    List<Parameter> expected = new ArrayList<>(layer.parameters(g));
                    head.parameters().forEach(p -> expected.add(new Parameter("head." + p.name(), p.value(), p.gradient())));
                    List<Parameter> actual = model.parameters();
                    assertEquals(expected.size(), actual.size(), what);
                    for (int p = 0; p < expected.size(); p++) {
                        assertEquals(expected.get(p).name(), actual.get(p).name(), what);   // weight_ih_l0, ...: the same names
                        assertArrayEquals(expected.get(p).gradient(), actual.get(p).gradient(), what + " d" + actual.get(p).name());
                    }
                }
            }
        }
    }

    @Test
    void ternaryAndDenseLayersStackInOneOrTwoDirectionsAndLearn() {
        SplittableRandom random = new SplittableRandom(5);
        // A ternary GRU (TERNARY activations) under a dense GRU; a bidirectional pair of ternary LSTMs (FLOAT) under a
        // bidirectional ternary GRU pair (TERNARY).
        TrainingModel mixed = TrainingModel.of(false, List.of(
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, INPUT, HIDDEN, 1),
                TrainingLayer.of(TrainingModelTest.layer(CellType.GRU, HIDDEN, HIDDEN, random))),
                LinearHead.create(HIDDEN, OUTPUTS, 2), TrainingModel.HeadOn.EVERY_STEP);
        TrainingModel bidirectional = TrainingModel.of(true, List.of(
                TernaryTrainingTest.randomLayer(CellType.LSTM, Activations.FLOAT, INPUT, HIDDEN, 3),
                TernaryTrainingTest.randomLayer(CellType.LSTM, Activations.FLOAT, INPUT, HIDDEN, 4),
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, 2 * HIDDEN, HIDDEN, 5),
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, 2 * HIDDEN, HIDDEN, 6)),
                LinearHead.create(2 * HIDDEN, OUTPUTS, 7), TrainingModel.HeadOn.EVERY_STEP);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
                "head.weight", "head.bias"), bidirectional.parameters().stream().map(Parameter::name).toList());
        for (TrainingModel model : List.of(mixed, bidirectional)) {
            float[] x = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
            float[] target = TorchInit.uniform(random, STEPS * BATCH * OUTPUTS, 1);
            // stochastic activations: means over 10 steps
            double[] loss = LayerKindsTrainingTest.fitOneBatch(model, model.newState(BATCH, 8), x, target, STEPS, 80, 10);
            double first = loss[0], last = loss[1];
            assertTrue(last < 0.8 * first, (model == mixed ? "mixed" : "bidirectional") + ": " + first + " -> " + last);
        }
    }

    /**
     * A saved stack with ternary layers loads back into a {@link TrainingModel}: the file holds trits and scales,
     * not the master weights, so training goes on from {@code alpha * t}, which quantises to the saved trits and
     * scales again: the reloaded model exports the saved ternary weights exactly, and it learns.
     */
    @Test
    void aSavedTernaryStackLoadsToTrainFurther(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(9);
        TrainingModel model = TrainingModel.of(true, List.of(
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, INPUT, HIDDEN, 1),
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, INPUT, HIDDEN, 2),
                TernaryTrainingTest.randomLayer(CellType.LSTM, Activations.FLOAT, 2 * HIDDEN, HIDDEN, 3),
                TernaryTrainingTest.randomLayer(CellType.LSTM, Activations.FLOAT, 2 * HIDDEN, HIDDEN, 4)),
                LinearHead.create(2 * HIDDEN, OUTPUTS, 7), TrainingModel.HeadOn.EVERY_STEP);
        float[] x = TorchInit.uniform(random, STEPS * BATCH * INPUT, 1);
        float[] target = TorchInit.uniform(random, STEPS * BATCH * OUTPUTS, 1);
        LayerKindsTrainingTest.fitOneBatch(model, model.newState(BATCH, 8), x, target, STEPS, 20, 1);
        java.nio.file.Path file = dir.resolve("ternary.safetensors");
        model.save(file);

        TrainingModel reloaded = TrainingModel.load(file);
        try (RecurrentModel saved = model.toModel(); RecurrentModel again = reloaded.toModel()) {
            for (int k = 0; k < 2; k++) {
                for (int d = 0; d < 2; d++) {
                    assertEquals(saved.layer(k, d).ternaryWeights(), again.layer(k, d).ternaryWeights(), "layer " + k + " direction " + d);
                }
            }
        }
        assertEquals(model.parameters().stream().map(Parameter::name).toList(),
                reloaded.parameters().stream().map(Parameter::name).toList());
        assertArrayEquals(model.head().weight(), reloaded.head().weight(), "the head as saved");
        double[] loss = LayerKindsTrainingTest.fitOneBatch(reloaded, reloaded.newState(BATCH, 8), x, target, STEPS, 80, 10);
        assertTrue(loss[1] < 0.8 * loss[0], "the reloaded ternary stack learns: " + loss[0] + " -> " + loss[1]);
    }

    @Test
    void theDrawsComeFromTheStatesSeed() {
        TrainingModel model = TrainingModel.of(false,
                List.of(TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY, INPUT, HIDDEN, 1)),
                LinearHead.create(HIDDEN, OUTPUTS, 2), TrainingModel.HeadOn.EVERY_STEP);
        float[] x = TorchInit.uniform(new SplittableRandom(3), STEPS * BATCH * INPUT, 1);
        float[] a = new float[STEPS * BATCH * OUTPUTS], b = a.clone(), c = a.clone();
        model.forward(x, STEPS, model.newState(BATCH, 42), a);
        model.forward(x, STEPS, model.newState(BATCH, 42), b);
        model.forward(x, STEPS, model.newState(BATCH, 43), c);
        assertArrayEquals(a, b, "one seed, one draw sequence");
        assertFalse(Arrays.equals(a, c), "another seed, other draws");
    }

    @Test
    void refusedCallsWriteNothing() {
        TernaryTrainingLayer ternary = TernaryTrainingTest.randomLayer(CellType.GRU, Activations.FLOAT, INPUT, HIDDEN, 1);
        TrainingModel model = TrainingModel.of(false, List.of(ternary), LinearHead.create(HIDDEN, OUTPUTS, 2),
                TrainingModel.HeadOn.LAST_STEP);
        float[] x = TorchInit.uniform(new SplittableRandom(3), STEPS * BATCH * INPUT, 1);
        float[] dy = TorchInit.uniform(new SplittableRandom(4), BATCH * OUTPUTS, 1);
        TrainingModel.State a = model.newState(BATCH);
        model.forward(x, STEPS, a, new float[BATCH * OUTPUTS]);
        model.forward(x, STEPS, model.newState(BATCH), new float[BATCH * OUTPUTS]);    // re-quantises the layer
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.backward(a, dy));
        assertTrue(e.getMessage().contains("re-quantised"), e.getMessage());
        for (Parameter p : model.parameters()) {
            for (float v : p.gradient()) {
                assertEquals(0f, v, p.name() + ": a refused backward wrote no gradient (the head's included)");
            }
        }

        // The inference stack: the ternary layer's own export, a RecurrentLayer like the others.
        try (RecurrentModel exported = model.toModel(); RecurrentLayer alone = ternary.toInference()) {
            assertEquals(alone.ternaryWeights(), exported.layer(0, 0).ternaryWeights());
        }

        // The list factory's checks
        LinearHead head = LinearHead.create(HIDDEN, OUTPUTS, 2);
        TrainingModel.HeadOn on = TrainingModel.HeadOn.LAST_STEP;
        List<TrainableLayer> withNull = new ArrayList<>();
        withNull.add(null);
        expect("is null", () -> TrainingModel.of(false, withNull, head, on));
        expect("given twice", () -> TrainingModel.of(false, List.of(ternary, ternary), head, on));
        expect("multiple of 2", () -> TrainingModel.of(true, List.of(ternary), head, on));
        TernaryTrainingLayer wide = TernaryTrainingTest.randomLayer(CellType.GRU, Activations.FLOAT, HIDDEN + 1, HIDDEN, 1);
        expect("expected 1 * H of layer 0", () -> TrainingModel.of(false, List.of(ternary, wide), head, on));
        try (RecurrentLayer dense = TrainingModelTest.layer(CellType.GRU, INPUT, HIDDEN, new SplittableRandom(1))) {
            expect("both directions of a layer must be alike",
                    () -> TrainingModel.of(true, List.of(ternary, TrainingLayer.of(dense)), LinearHead.create(2 * HIDDEN, 1, 1), on));
        }
        expect("output size " + 2 * HIDDEN, () -> TrainingModel.of(true, List.of(ternary,
                TernaryTrainingTest.randomLayer(CellType.GRU, Activations.FLOAT, INPUT, HIDDEN, 2)), head, on));
        expect("head is null", () -> TrainingModel.of(false, List.of(ternary), null, on));
    }

    private static void expect(String message, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
    }
}
