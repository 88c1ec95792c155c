package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.lightrnn.LightRnn;
import org.rnnkernels.lightrnn.LightRnnState;
import org.rnnkernels.lightrnn.WordTable;
import org.rnnkernels.ternary.TernaryLayer.Activations;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.ParameterGradients;
import org.rnnkernels.train.TernaryTrainingLayer;
import org.rnnkernels.train.TernaryTrainingState;
import org.rnnkernels.train.TrainableLayer;
import org.rnnkernels.train.TrainingLayer;
import org.rnnkernels.train.TrainingModel;
import org.rnnkernels.train.TrainingState;

/**
 * The common state API ({@link RecurrentState}) over every kind of state: {@link LayerState} (one thread and
 * a team), {@link ModelState} (bidirectional; layers of different sizes), {@link TrainingState},
 * {@link TernaryTrainingState}, {@link TrainingModel.State} (bidirectional, ternary and dense layers) and
 * {@link LightRnnState}: sizes, per-layer and whole-state {@code h}/{@code c} in PyTorch's {@code [L*D][B][H]}
 * layout, copies in and out, refused input leaving the state as it was, reset, and close: idempotent, after
 * which the state refuses use (and running it) with IllegalStateException; a part of a state closes with it.
 */
class RecurrentStateTest {
    static final int BATCH = 2, INPUT = 3, STEPS = 4;

    /** A state of one kind, what it should report, how to run it through its owner, and the owner to close. */
    record Kind(RecurrentState state, int layers, int directions, int[] hidden, boolean cell, Runnable run,
                AutoCloseable owner) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            state.close();
            owner.close();
        }
    }

    static Stream<Arguments> kinds() {
        List<Arguments> kinds = new ArrayList<>();
        kinds.add(Arguments.of("LayerState GRU", (Supplier<Kind>) () -> {
            RecurrentLayer layer = layer(CellType.GRU, INPUT, 5, 1);
            LayerState state = layer.newState(BATCH);
            return new Kind(state, 1, 1, new int[] {5}, false,
                    () -> layer.forward(input(INPUT), STEPS, state, new float[STEPS * BATCH * 5]), layer);
        }));
        kinds.add(Arguments.of("LayerState LSTM, two threads", (Supplier<Kind>) () -> {
            RecurrentLayer layer = layer(CellType.LSTM, INPUT, 6, 2);
            LayerState state = layer.newState(BATCH, 2);
            return new Kind(state, 1, 1, new int[] {6}, true,
                    () -> layer.forward(input(INPUT), STEPS, state, new float[STEPS * BATCH * 6]), layer);
        }));
        kinds.add(Arguments.of("ModelState bidirectional LSTM x2", (Supplier<Kind>) () -> {
            RecurrentModel model = RecurrentModel.of(true, List.of(layer(CellType.LSTM, INPUT, 5, 1),
                    layer(CellType.LSTM, INPUT, 5, 2), layer(CellType.LSTM, 10, 5, 3), layer(CellType.LSTM, 10, 5, 4)));
            ModelState state = model.newState(BATCH);
            return new Kind(state, 2, 2, new int[] {5, 5}, true,
                    () -> model.forward(input(INPUT), STEPS, null, state, new float[STEPS * BATCH * 10]), model);
        }));
        kinds.add(Arguments.of("ModelState GRU H=5 under RNN H=4", (Supplier<Kind>) () -> {
            RecurrentModel model = RecurrentModel.of(false, List.of(layer(CellType.GRU, INPUT, 5, 1),
                    layer(CellType.RNN_TANH, 5, 4, 2)));
            ModelState state = model.newState(BATCH, 2);
            return new Kind(state, 2, 1, new int[] {5, 4}, false,
                    () -> model.forward(input(INPUT), STEPS, null, state, new float[STEPS * BATCH * 4]), model);
        }));
        kinds.add(Arguments.of("TrainingState EGRU", (Supplier<Kind>) () -> {
            TrainingLayer layer;
            try (RecurrentLayer egru = RecurrentLayer.create(LayerWeights.of(CellType.EGRU, INPUT, 7)
                    .inputWeights(uniform(21 * INPUT, 1))
                    .recurrentWeights(uniform(21 * 7, 2))
                    .biases(uniform(21, 3), uniform(21, 4))
                    .thresholds(new float[] {0.05f, 0.1f, 0.2f, 0.3f, 0.1f, 0.05f, 0.4f})
                    .build())) {
                layer = TrainingLayer.of(egru);
            }
            TrainingState state = layer.newState(BATCH);
            ParameterGradients g = layer.newGradients();
            return new Kind(state, 1, 1, new int[] {7}, true, () -> {
                layer.forward(input(INPUT), STEPS, state, new float[STEPS * BATCH * 7]);
                layer.backward(state, uniform(STEPS * BATCH * 7, 6), null, null, null, null, null, g);
            }, () -> { });
        }));
        kinds.add(Arguments.of("TernaryTrainingState LSTM TERNARY", (Supplier<Kind>) () -> {
            TernaryTrainingLayer layer = ternary(CellType.LSTM, Activations.TERNARY, INPUT, 6, 1);
            TernaryTrainingState state = layer.newState(BATCH);
            return new Kind(state, 1, 1, new int[] {6}, true,
                    () -> layer.forward(input(INPUT), STEPS, state, new float[STEPS * BATCH * 6], new SplittableRandom(1)),
                    () -> { });
        }));
        kinds.add(Arguments.of("TrainingModel.State bidirectional ternary LSTM under dense LSTM", (Supplier<Kind>) () -> {
            List<TrainableLayer> layers = new ArrayList<>();
            layers.add(ternary(CellType.LSTM, Activations.FLOAT, INPUT, 5, 1));
            layers.add(ternary(CellType.LSTM, Activations.FLOAT, INPUT, 5, 2));
            for (int d = 0; d < 2; d++) {
                try (RecurrentLayer dense = layer(CellType.LSTM, 10, 5, 3 + d)) {
                    layers.add(TrainingLayer.of(dense));
                }
            }
            TrainingModel model = TrainingModel.of(true, layers, LinearHead.create(10, 1, 5), TrainingModel.HeadOn.LAST_STEP);
            TrainingModel.State state = model.newState(BATCH);
            return new Kind(state, 2, 2, new int[] {5, 5}, true, () -> {
                model.forward(input(INPUT), STEPS, state, new float[BATCH]);
                model.backward(state, uniform(BATCH, 7));
            }, () -> { });
        }));
        kinds.add(Arguments.of("LightRnnState LSTM", (Supplier<Kind>) () -> {
            WordTable table = WordTable.sequential(9);
            int e = 4, h = 5;
            LightRnn model = LightRnn.create(table, uniform(table.rows() * e, 1), uniform(table.columns() * e, 2),
                    uniform(table.rows() * h, 3), uniform(table.columns() * h, 4), layer(CellType.LSTM, e, h, 5));
            LightRnnState state = model.newState();
            return new Kind(state, 1, 1, new int[] {h}, true,
                    () -> model.logProbabilities(new int[] {1, 4, 8}, state, new float[3]), model);
        }));
        return kinds.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void theCommonApi(String name, Supplier<Kind> make) throws Exception {
        try (Kind kind = make.get()) {
            RecurrentState s = kind.state;
            int batch = s.batchSize();
            assertEquals(kind.layers, s.numLayers(), name);
            assertEquals(kind.directions, s.directions(), name);
            for (int k = 0; k < kind.layers; k++) {
                assertEquals(kind.hidden[k], s.hiddenSize(k), name);
                assertEquals(kind.cell, s.hasCellState(k), name);
            }
            assertFalse(s.isClosed(), name);
            SplittableRandom random = new SplittableRandom(1);
            for (int layer = 0; layer < kind.layers; layer++) {
                for (int direction = 0; direction < kind.directions; direction++) {
                    int k = layer, d = direction;
                    int size = batch * kind.hidden[k];
                    assertArrayEquals(new float[size], s.hidden(k, d), name + ": starts at zero");
                    float[] h = values(random, size);
                    assertSame(s, s.setHidden(k, d, h), name);
                    float[] read = s.hidden(k, d);
                    assertArrayEquals(h, read, name + ": h of layer " + k + " direction " + d);
                    read[0] = 42f;
                    h[0] = 43f;
                    assertNotEquals(42f, s.hidden(k, d)[0], name + ": the getter returns a copy");
                    assertNotEquals(43f, s.hidden(k, d)[0], name + ": the setter copies");
                    if (kind.cell) {
                        float[] c = values(random, size);
                        s.setCell(k, d, c);
                        assertArrayEquals(c, s.cell(k, d), name + ": c of layer " + k + " direction " + d);
                    } else {
                        assertThrows(UnsupportedOperationException.class, () -> s.cell(k, d), name);
                        assertThrows(UnsupportedOperationException.class, () -> s.setCell(k, d, new float[size]), name);
                    }
                }
            }
            checkWholeState(name, kind, random);
            // Refused input: the state stays as it was
            float[] before = s.hidden(0, 0);
            assertThrows(IllegalArgumentException.class, () -> s.setHidden(0, 0, new float[before.length + 1]), name);
            assertThrows(IllegalArgumentException.class, () -> s.setHidden(0, 0, null), name);
            assertThrows(IllegalArgumentException.class, () -> s.hidden(kind.layers, 0), name);
            assertThrows(IllegalArgumentException.class, () -> s.hidden(0, kind.directions), name);
            assertThrows(IllegalArgumentException.class, () -> s.hiddenSize(-1), name);
            assertArrayEquals(before, s.hidden(0, 0), name);
            // Runs, and reset brings every layer back to zero
            s.reset();
            kind.run.run();
            assertSame(s, s.reset(), name);
            for (int k = 0; k < kind.layers; k++) {
                for (int d = 0; d < kind.directions; d++) {
                    assertArrayEquals(new float[batch * kind.hidden[k]], s.hidden(k, d), name + ": reset");
                    if (kind.cell) {
                        assertArrayEquals(new float[batch * kind.hidden[k]], s.cell(k, d), name + ": reset c");
                    }
                }
            }
        }
    }

    // [L*D][B][H]: block k*D + d is layer k, direction d; the whole-state accessors need one H and (for c) cells everywhere.
    private static void checkWholeState(String name, Kind kind, SplittableRandom random) {
        RecurrentState s = kind.state;
        int blocks = kind.layers * kind.directions;
        boolean uniform = true;
        for (int k = 1; k < kind.layers; k++) {
            uniform &= kind.hidden[k] == kind.hidden[0];
        }
        if (!uniform) {
            assertThrows(UnsupportedOperationException.class, s::hidden, name);
            assertThrows(UnsupportedOperationException.class, () -> s.setHidden(new float[0]), name);
            return;
        }
        int block = s.batchSize() * kind.hidden[0];
        float[] whole = s.hidden();
        assertEquals(blocks * block, whole.length, name);
        for (int k = 0; k < kind.layers; k++) {
            for (int d = 0; d < kind.directions; d++) {
                int at = (k * kind.directions + d) * block;
                assertArrayEquals(s.hidden(k, d), java.util.Arrays.copyOfRange(whole, at, at + block), name + ": block " + at);
            }
        }
        float[] h = values(random, blocks * block);
        s.setHidden(h);
        assertArrayEquals(h, s.hidden(), name + ": whole h round trip");
        assertArrayEquals(java.util.Arrays.copyOfRange(h, (blocks - 1) * block, blocks * block),
                s.hidden(kind.layers - 1, kind.directions - 1), name + ": the last block is the last layer's last direction");
        float[] wrong = new float[blocks * block - 1];
        assertThrows(IllegalArgumentException.class, () -> s.setHidden(wrong), name);
        assertArrayEquals(h, s.hidden(), name + ": a refused whole h leaves the state as it was");
        if (kind.cell) {
            float[] c = values(random, blocks * block);
            s.setCell(c);
            assertArrayEquals(c, s.cell(), name + ": whole c round trip");
        } else {
            assertThrows(UnsupportedOperationException.class, s::cell, name);
            assertThrows(UnsupportedOperationException.class, () -> s.setCell(new float[blocks * block]), name);
            assertArrayEquals(h, s.hidden(), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aClosedStateRefusesUse(String name, Supplier<Kind> make) throws Exception {
        try (Kind kind = make.get()) {
            RecurrentState s = kind.state;
            kind.run.run();
            s.close();
            assertTrue(s.isClosed(), name);
            s.close();   // idempotent
            assertTrue(s.isClosed(), name);
            assertEquals(kind.layers, s.numLayers(), name + ": sizes stay readable");
            int size = s.batchSize() * kind.hidden[0];
            List<Runnable> uses = new ArrayList<>(List.of(() -> s.hidden(0, 0), () -> s.setHidden(0, 0, new float[size]),
                    s::reset, kind.run));
            if (kind.cell) {
                uses.add(() -> s.cell(0, 0));
                uses.add(() -> s.setCell(0, 0, new float[size]));
            }
            for (Runnable use : uses) {
                IllegalStateException e = assertThrows(IllegalStateException.class, use::run, name);
                assertTrue(e.getMessage().contains("closed"), name + ": " + e.getMessage());
            }
        }
    }

    /** A layer's state inside a model's state: closing it alone does nothing; closing the whole closes it. */
    @Test
    void aPartClosesWithItsWhole() {
        try (RecurrentModel model = RecurrentModel.of(false, List.of(layer(CellType.GRU, INPUT, 5, 1)))) {
            ModelState whole = model.newState(BATCH, 2);
            checkPart(whole, whole.layer(0, 0), () -> model.forward(input(INPUT), STEPS, null, whole, new float[STEPS * BATCH * 5]));
        }
        TrainingModel training;
        try (RecurrentModel model = RecurrentModel.of(true, List.of(layer(CellType.LSTM, INPUT, 5, 1),
                layer(CellType.LSTM, INPUT, 5, 2)))) {
            training = TrainingModel.of(model, LinearHead.create(10, 1, 3), TrainingModel.HeadOn.EVERY_STEP);
        }
        TrainingModel.State whole = training.newState(BATCH);
        checkPart(whole, whole.layer(0, 1), () -> training.forward(input(INPUT), STEPS, whole, new float[STEPS * BATCH]));
    }

    private static void checkPart(RecurrentState whole, RecurrentState part, Runnable run) {
        part.close();
        assertFalse(part.isClosed(), "closing a part alone does nothing");
        run.run();
        part.setHidden(new float[part.batchSize() * part.hiddenSize(0)]);
        whole.close();
        assertTrue(part.isClosed(), "the part closes with its whole");
        assertThrows(IllegalStateException.class, part::hidden);
        assertThrows(IllegalStateException.class, run::run);
    }

    private static void assertSame(Object expected, Object actual, String message) {
        org.junit.jupiter.api.Assertions.assertSame(expected, actual, message + ": setters return the state");
    }

    static RecurrentLayer layer(CellType type, int input, int hidden, long seed) {
        int rows = type.gates() * hidden;
        return RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                .inputWeights(uniform(rows * input, seed))
                .recurrentWeights(uniform(rows * hidden, seed + 1))
                .biases(uniform(rows, seed + 2), uniform(rows, seed + 3))
                .build());
    }

    static TernaryTrainingLayer ternary(CellType type, Activations mode, int input, int hidden, long seed) {
        int rows = type.gates() * hidden;
        return TernaryTrainingLayer.create(LayerWeights.of(type, input, hidden)
                .inputWeights(uniform(rows * input, seed))
                .recurrentWeights(uniform(rows * hidden, seed + 1))
                .biases(uniform(rows, seed + 2), uniform(rows, seed + 3))
                .build(), mode);
    }

    static float[] input(int width) {
        return uniform(STEPS * BATCH * width, 99);
    }

    static float[] uniform(int n, long seed) {
        return values(new SplittableRandom(seed), n);
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-0.5, 0.5);
        }
        return a;
    }
}
