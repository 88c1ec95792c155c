package org.rnnkernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.reference.Int8Reference;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.train.TorchInit;

/**
 * int8-weight layers ({@link Int8Layer}) against the double reference of their dequantised weights
 * ({@link Int8Reference}) over long free runs, and against the float layer of the same dequantised weights.
 * Error of an element: {@code |kernel - expected| / max(1, |expected|)}, held to CELLS.md's sequence bound
 * {@code 1e-4} (float32 products and the vectorised sigm/tanh): the layer computes in float32 what the
 * reference computes in double, with the same weights, so nothing but float rounding separates them. Against
 * the float layer the same bound: each is within it of the reference.
 */
class Int8LayerTest {
    private static final double TOLERANCE = 1e-4;
    private static final int STEPS = 200;

    /** Sizes: 1, lane counts +-1 at 128, 256 and 512 bits (3, 5, 7, 9, 15, 17), primes, a 64-row panel +-1. */
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{1, 1}, {17, 64}, {37, 37}, {15, 17}, {16, 15}, {9, 7}, {5, 3}, {3, 21}, {65, 33}};
        long seed = 1;
        for (CellType type : new CellType[] {CellType.GRU, CellType.LSTM}) {
            for (int[] shape : shapes) {
                cases.add(Arguments.of(type, shape[0], shape[1], 1, seed++));
                cases.add(Arguments.of(type, shape[0], shape[1], 3, seed++));
            }
            // batches of four samples and more: the four-sample kernel, then a pair, then one
            cases.add(Arguments.of(type, 17, 64, 5, seed++));
            cases.add(Arguments.of(type, 37, 37, 7, seed++));
        }
        // the other cells without parameters beside W and b run behind the same products
        cases.add(Arguments.of(CellType.RNN_TANH, 13, 29, 2, 40L));
        cases.add(Arguments.of(CellType.RAG_GRU, 13, 29, 2, 41L));
        return cases.stream();
    }

    private static LayerWeights floats(CellType type, int input, int hidden, long seed) {
        Fixtures.Weights w = Fixtures.weights(type, input, hidden, new SplittableRandom(seed), 1f);
        return LayerWeights.of(type, input, hidden).inputWeights(w.weightIh()).recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh()).build();
    }

    private static ReferenceCell reference(LayerWeights w) {
        int rows = w.cell().gates() * w.hiddenSize();
        return Int8Reference.cell(RefCellType.valueOf(w.cell().name()), w.inputSize(), w.hiddenSize(),
                Int8Reference.quantize(w.inputWeights(), rows, w.inputSize()),
                Int8Reference.quantize(w.recurrentWeights(), rows, w.hiddenSize()),
                Fixtures.toDouble(w.inputBias()), Fixtures.toDouble(w.recurrentBias()));
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} seed={4}")
    @MethodSource("cases")
    void quantisationMatchesTheReference(CellType type, int input, int hidden, int batch, long seed) {
        LayerWeights w = floats(type, input, hidden, seed);
        Int8Weights q = Int8Weights.quantize(w);
        int rows = type.gates() * hidden;
        assertQuantized("W_ih", Int8Reference.quantize(w.inputWeights(), rows, input), q.weightIh(), q.scaleIh());
        assertQuantized("W_hh", Int8Reference.quantize(w.recurrentWeights(), rows, hidden), q.weightHh(), q.scaleHh());
    }

    private static void assertQuantized(String name, Int8Reference.Matrix expected, byte[] q, float[] scales) {
        for (int i = 0; i < q.length; i++) {
            assertEquals(expected.q()[i], q[i], name + " q[" + i + "]");
        }
        for (int r = 0; r < scales.length; r++) {
            assertEquals(expected.scales()[r], scales[r], 0.0, name + " scale[" + r + "]");
        }
    }

    @Test
    void quantisationRoundsHalfToEvenAndKeepsZeroRows() {
        // row 0: s = 1.27 / 127 = 0.01f; 0.025 / s is 2.4999... or 2.5000... in double: rint decides, as the reference
        // row 1: all zero, s = 0, q = 0; row 2: s = 1 exactly, so 62.5 and 63.5 are ties
        float[] w = {1.27f, 0.025f, -0.635f, 0, 0, 0, -127f, 62.5f, 63.5f};
        LayerWeights weights = LayerWeights.of(CellType.RNN_TANH, 3, 3).inputWeights(w).recurrentWeights(w).build();
        Int8Weights q = Int8Weights.quantize(weights);
        assertQuantized("W_ih", Int8Reference.quantize(w, 3, 3), q.weightIh(), q.scaleIh());
        byte[] bytes = q.weightIh();
        assertEquals(127, bytes[0]);
        assertEquals(0, bytes[3]);
        assertEquals(0f, q.scaleIh()[1]);
        assertEquals(1f, q.scaleIh()[2]);
        assertEquals(-127, bytes[6]);
        assertEquals(62, bytes[7]);     // half to even
        assertEquals(64, bytes[8]);
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} seed={4}")
    @MethodSource("cases")
    void freeRunMatchesTheReference(CellType type, int input, int hidden, int batch, long seed) {
        LayerWeights w = floats(type, input, hidden, seed);
        SplittableRandom random = new SplittableRandom(seed + 1000);
        float[] x = TorchInit.uniform(random, STEPS * batch * input, 1f);
        float[] h0 = TorchInit.uniform(random, batch * hidden, 0.9f);
        float[] c0 = TorchInit.uniform(random, batch * hidden, 0.9f);
        boolean withCell = type.hasCellState();
        float[] single = null;
        for (int threads : new int[] {1, 2}) {      // a team splits the products by panels: the same bits
            float[] out = new float[STEPS * batch * hidden];
            float[] finalC;
            try (RecurrentLayer layer = Int8Layer.quantize(w); LayerState state = layer.newState(batch, threads)) {
                state.setHidden(h0);
                if (withCell) {
                    state.setCell(c0);
                }
                layer.forward(x, STEPS, state, out);
                finalC = withCell ? state.cell() : null;
            }
            if (single == null) {
                single = out;
            } else {
                assertArrayEquals(single, out, "threads=" + threads + " vs 1");
            }
            ReferenceCell reference = reference(w);
            for (int b = 0; b < batch; b++) {
                double[] h = Fixtures.toDouble(h0, b * hidden, hidden);
                double[] c = withCell ? Fixtures.toDouble(c0, b * hidden, hidden) : null;
                for (int t = 0; t < STEPS; t++) {
                    reference.step(Fixtures.toDouble(x, (t * batch + b) * input, input), h, c, h, c);
                    compare(type + " I=" + input + " H=" + hidden + " threads=" + threads + " t=" + t + " b=" + b, h, out,
                            (t * batch + b) * hidden);
                }
                if (withCell) {
                    compare(type + " final c b=" + b, c, finalC, b * hidden);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} seed={4}")
    @MethodSource("cases")
    void agreesWithTheFloatLayerOfItsDequantisedWeights(CellType type, int input, int hidden, int batch, long seed) {
        Int8Weights q = Int8Weights.quantize(floats(type, input, hidden, seed));
        float[] x = TorchInit.uniform(new SplittableRandom(seed + 2000), STEPS * batch * input, 1f);
        float[] int8 = new float[STEPS * batch * hidden];
        float[] dense = new float[STEPS * batch * hidden];
        try (RecurrentLayer layer = Int8Layer.create(q); LayerState state = layer.newState(batch)) {
            layer.forward(x, STEPS, state, int8);
        }
        try (RecurrentLayer layer = RecurrentLayer.create(q.dequantize()); LayerState state = layer.newState(batch)) {
            layer.forward(x, STEPS, state, dense);
        }
        compare(type + " I=" + input + " H=" + hidden + " int8 vs float", Fixtures.toDouble(dense), int8, 0);
    }

    @Test
    void stepsEqualOneSequenceCall() {
        CellType type = CellType.LSTM;
        int input = 11, hidden = 70, batch = 3, steps = 20;
        LayerWeights w = floats(type, input, hidden, 8L);
        float[] x = TorchInit.uniform(new SplittableRandom(9), steps * batch * input, 1f);
        try (RecurrentLayer layer = Int8Layer.quantize(w); LayerState whole = layer.newState(batch);
             LayerState stepped = layer.newState(batch, 2)) {
            float[] all = new float[steps * batch * hidden];
            layer.forward(x, steps, whole, all);
            float[] xt = new float[batch * input];
            float[] out = new float[batch * hidden];
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, t * batch * input, xt, 0, xt.length);
                layer.step(xt, stepped, out);
                for (int i = 0; i < out.length; i++) {
                    if (Float.compare(out[i], all[t * batch * hidden + i]) != 0) {
                        fail("t=" + t + " i=" + i + ": " + out[i] + " vs " + all[t * batch * hidden + i]);
                    }
                }
            }
            assertArrayEquals(whole.cell(), stepped.cell());
        }
    }

    @Test
    void aQuantisedModelStacksBothDirectionsAndVariableLengths() {
        int input = 7, hidden = 19, batch = 3, steps = 30;
        List<RecurrentLayer> floatLayers = new ArrayList<>();
        List<RecurrentLayer> dequantized = new ArrayList<>();
        long seed = 50;
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                LayerWeights w = floats(CellType.GRU, k == 0 ? input : 2 * hidden, hidden, seed++);
                floatLayers.add(RecurrentLayer.create(w));
                dequantized.add(RecurrentLayer.create(Int8Weights.quantize(w).dequantize()));
            }
        }
        int[] lengths = {30, 17, 1};
        float[] x = TorchInit.uniform(new SplittableRandom(5), steps * batch * input, 1f);
        float[] expected = new float[steps * batch * 2 * hidden];
        float[] actual = new float[steps * batch * 2 * hidden];
        try (RecurrentModel floatModel = RecurrentModel.of(true, floatLayers);
             RecurrentModel reference = RecurrentModel.of(true, dequantized);
             RecurrentModel int8 = Int8Layer.quantize(floatModel)) {
            assertEquals(CellType.GRU, int8.layer(1, 1).cellType());
            assertTrue(int8.layer(1, 1).int8Weights() != null);
            try (ModelState s = reference.newState(batch)) {
                reference.forward(x, steps, lengths, s, expected);
            }
            try (ModelState s = int8.newState(batch, 2)) {
                int8.forward(x, steps, lengths, s, actual);
            }
        }
        compare("bidirectional 2-layer GRU", Fixtures.toDouble(expected), actual, 0);
    }

    @Test
    void badInputIsRefusedNamingTheArgument() {
        LayerWeights w = floats(CellType.GRU, 4, 3, 1L);
        float[] wHh = w.recurrentWeights();
        wHh[5] = Float.NaN;
        LayerWeights nan = LayerWeights.of(CellType.GRU, 4, 3).inputWeights(w.inputWeights()).recurrentWeights(wHh).build();
        assertMessage(() -> Int8Weights.quantize(nan), "W_hh[5]");
        float[] wIh = w.inputWeights();
        wIh[7] = Float.NEGATIVE_INFINITY;
        LayerWeights inf = LayerWeights.of(CellType.GRU, 4, 3).inputWeights(wIh).recurrentWeights(w.recurrentWeights()).build();
        assertMessage(() -> Int8Weights.quantize(inf), "W_ih[7]");
        assertMessage(() -> Int8Weights.quantize(null), "weights");
        assertMessage(() -> Int8Layer.create(null), "weights");
        assertMessage(() -> Int8Layer.quantize((RecurrentModel) null), "model");
        LayerWeights mi = LayerWeights.of(CellType.MI_GRU, 4, 3).inputWeights(w.inputWeights())
                .recurrentWeights(w.recurrentWeights()).mi(Fixtures.randomMi(new SplittableRandom(1), 9)).build();
        assertMessage(() -> Int8Weights.quantize(mi), "MI_GRU");
        Int8Weights q = Int8Weights.quantize(w);
        byte[] wq = q.weightHh();
        float[] s = q.scaleHh();
        assertMessage(() -> new Int8Weights(CellType.GRU, 4, 3, q.weightIh(), q.scaleIh(), new byte[8], s, null, null), "weightHh");
        float[] negative = s.clone();
        negative[2] = -1f;
        assertMessage(() -> new Int8Weights(CellType.GRU, 4, 3, q.weightIh(), q.scaleIh(), wq, negative, null, null), "scaleHh[2]");
        assertMessage(() -> new Int8Weights(CellType.GRU, 4, 3, q.weightIh(), new float[8], wq, s, null, null), "scaleIh");
        assertMessage(() -> new Int8Weights(CellType.GRU, 4, 3, q.weightIh(), q.scaleIh(), wq, s, new float[9], null), "biasIh");
        assertMessage(() -> new Int8Weights(CellType.GRU, 0, 3, q.weightIh(), q.scaleIh(), wq, s, null, null), "inputSize");
        try (RecurrentLayer layer = Int8Layer.create(q); LayerState state = layer.newState(2)) {
            assertMessage(() -> layer.forward(new float[2 * 2 * 5], 2, state, new float[2 * 2 * 3]), "input");
            assertThrows(UnsupportedOperationException.class, layer::weightIh);
            assertEquals(q.cell(), layer.int8Weights().cell());
        }
    }

    private static void assertMessage(Runnable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), "message \"" + e.getMessage() + "\" should name " + expected);
    }

    private static void compare(String where, double[] expected, float[] actual, int offset) {
        for (int j = 0; j < expected.length; j++) {
            float a = actual[offset + j];
            if (!Float.isFinite(a)) {
                fail(where + " j=" + j + ": " + a);
            }
            double error = Math.abs(a - expected[j]) / Math.max(1, Math.abs(expected[j]));
            if (error > TOLERANCE) {
                fail(where + " j=" + j + ": kernel " + a + ", expected " + expected[j] + ", error " + error);
            }
        }
    }
}
