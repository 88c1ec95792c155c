package org.rnnkernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.IntegerRagReference;
import org.rnnkernels.train.TorchInit;

/**
 * Integer RAG layers bit for bit against the integer reference ({@code IntegerRagReference}, long arithmetic):
 * every bit of every step's {@code h} (and of RAG-LSTM's {@code c}, read step by step while streaming), on
 * awkward sizes (1, lane counts +-1, panel sizes +-1, primes, {@code G*H} past several panels), long sequences
 * (T = 500), several seeds and formats, with weights quantised from PyTorch's initialisation and with
 * full-range random int8 weights (large pre-activations: the clamps and inhibitions saturate often). The suite
 * runs in the four ways (Vector API at three widths, scalar), so each product kernel is held to the reference.
 */
class IntegerLayerTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        // type, I, H, B, T, seed, F, random full-range weights
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 1, 1, 1, 600, 1L, 12, false));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 7, 13, 3, 500, 2L, 12, false));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 37, 33, 2, 50, 3L, 10, false));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 13, 257, 1, 30, 4L, 12, false));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 9, 31, 5, 40, 5L, 8, true));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 64, 65, 4, 20, 6L, 16, true));
        cases.add(Arguments.of(CellType.RAG_GRU, 1, 7, 2, 500, 7L, 12, false));
        cases.add(Arguments.of(CellType.RAG_GRU, 33, 37, 3, 40, 8L, 14, false));
        cases.add(Arguments.of(CellType.RAG_GRU, 8, 9, 1, 30, 9L, 12, true));
        cases.add(Arguments.of(CellType.RAG_GRU, 17, 129, 2, 20, 10L, 12, false));
        cases.add(Arguments.of(CellType.RAG_LSTM, 5, 1, 4, 500, 11L, 12, false));
        cases.add(Arguments.of(CellType.RAG_LSTM, 16, 15, 3, 40, 12L, 12, false));
        cases.add(Arguments.of(CellType.RAG_LSTM, 7, 17, 1, 50, 13L, 6, true));
        cases.add(Arguments.of(CellType.RAG_LSTM, 31, 97, 2, 25, 14L, 12, false));
        return cases.stream();
    }

    static IntegerWeights weights(CellType type, int input, int hidden, long seed, int bits, boolean random) {
        if (random) {
            int[] e = new int[type.gates()];
            java.util.Arrays.fill(e, 7);
            return IntegerFixture.random(type, input, hidden, seed, bits, 1, e, e.clone(), bits);
        }
        return IntegerFixture.quantized(type, input, hidden, seed, bits, 0, 1f, seed % 2 == 0);
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} seed={5} F={6} random={7}")
    @MethodSource("cases")
    void everyStepIsBitExactWithTheIntegerReference(CellType type, int input, int hidden, int batch, int steps, long seed,
                                                   int bits, boolean random) {
        IntegerWeights w = weights(type, input, hidden, seed, bits, random);
        IntegerRagReference reference = IntegerFixture.reference(w);
        SplittableRandom draws = new SplittableRandom(seed + 1000);
        boolean lstm = type.hasCellState();
        float[] x = TorchInit.uniform(draws, steps * batch * input, 1.5f);      // beyond the input range now and then: saturates
        long[] h0 = IntegerFixture.state(draws, batch * hidden, bits);
        long[] c0 = lstm ? IntegerFixture.state(draws, batch * hidden, bits) : null;
        float[] out = new float[steps * batch * hidden];
        float[] streamed = new float[steps * batch * hidden];
        float[][] cells = new float[steps][];
        float[] hN;
        float[] cN = null;
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState state = layer.newState(batch);
             LayerState stream = layer.newState(batch)) {
            assertEquals(type, layer.cellType());
            for (LayerState s : new LayerState[] {state, stream}) {
                s.setHidden(IntegerFixture.toFloat(h0, bits));
                if (lstm) {
                    s.setCell(IntegerFixture.toFloat(c0, bits));
                }
            }
            layer.forward(x, steps, state, out);
            hN = state.hidden();
            if (lstm) {
                cN = state.cell();
            }
            float[] xt = new float[batch * input];
            float[] ht = new float[batch * hidden];
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, t * batch * input, xt, 0, xt.length);
                layer.step(xt, stream, ht);
                System.arraycopy(ht, 0, streamed, t * batch * hidden, ht.length);
                if (lstm) {
                    cells[t] = stream.cell();
                }
            }
        }
        assertArrayEquals(out, streamed, "step by step against the whole sequence in one call");
        for (int b = 0; b < batch; b++) {
            float[][] xs = new float[steps][input];
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, (t * batch + b) * input, xs[t], 0, input);
            }
            long[][][] expected = reference.run(xs, slice(h0, b, hidden), lstm ? slice(c0, b, hidden) : null);
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < hidden; j++) {
                    String where = type + " b=" + b + " t=" + t + " j=" + j;
                    assertEquals(expected[0][t][j], IntegerFixture.toInteger(out[(t * batch + b) * hidden + j], bits), where + ": h");
                    if (lstm) {
                        assertEquals(expected[1][t][j], IntegerFixture.toInteger(cells[t][b * hidden + j], bits), where + ": c");
                    }
                }
            }
            for (int j = 0; j < hidden; j++) {
                assertEquals(expected[0][steps - 1][j], IntegerFixture.toInteger(hN[b * hidden + j], bits), "final h");
                if (lstm) {
                    assertEquals(expected[1][steps - 1][j], IntegerFixture.toInteger(cN[b * hidden + j], bits), "final c");
                }
            }
        }
    }

    /** A team of two (products split by panels, the cell step by units) computes what one thread does, bit for bit. */
    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} seed={5} F={6} random={7}")
    @MethodSource("cases")
    void twoThreadsComputeWhatOneDoes(CellType type, int input, int hidden, int batch, int steps, long seed, int bits, boolean random) {
        IntegerWeights w = weights(type, input, hidden, seed, bits, random);
        int t = Math.min(steps, 60);
        float[] x = TorchInit.uniform(new SplittableRandom(seed + 7), t * batch * input, 1f);
        float[] one = new float[t * batch * hidden];
        float[] two = new float[one.length];
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState single = layer.newState(batch);
             LayerState team = layer.newState(batch, 2)) {
            layer.forward(x, t, single, one);
            layer.forward(x, t, team, two);
            assertArrayEquals(one, two, "outputs");
            assertArrayEquals(single.hidden(), team.hidden(), "final h");
            if (type.hasCellState()) {
                assertArrayEquals(single.cell(), team.cell(), "final c");
            }
        }
    }

    /** Inputs at the extremes: +-infinity and values past the range saturate at +-2^inputBits, NaN counts as 0, 0 stays 0. */
    @Test
    void inputsSaturateAtTheExtremes() {
        IntegerWeights w = IntegerFixture.quantized(CellType.RAG_MINIMAL, 6, 9, 21L, 12, 1, 1f, true);
        IntegerRagReference reference = IntegerFixture.reference(w);
        float[] x = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0f, 1e30f, -2.0001f,
                     2f, -2f, Float.MAX_VALUE, -Float.MIN_VALUE, 0.5f, -0f};
        float[] out = new float[2 * 9];
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState state = layer.newState(1)) {
            layer.forward(x, 2, state, out);
        }
        long[][][] expected = reference.run(new float[][] {java.util.Arrays.copyOfRange(x, 0, 6), java.util.Arrays.copyOfRange(x, 6, 12)}, null, null);
        for (int t = 0; t < 2; t++) {
            for (int j = 0; j < 9; j++) {
                assertEquals(expected[0][t][j], IntegerFixture.toInteger(out[t * 9 + j], 12), "t=" + t + " j=" + j);
            }
        }
        // the quantiser itself: max positive, max negative, zero, NaN
        assertEquals(1L << 13, IntegerRagReference.quantize(Float.POSITIVE_INFINITY, 12, 1));
        assertEquals(-(1L << 13), IntegerRagReference.quantize(-1e30, 12, 1));
        assertEquals(0L, IntegerRagReference.quantize(0, 12, 1));
        assertEquals(0L, IntegerRagReference.quantize(Double.NaN, 12, 1));
        assertEquals(1L, IntegerRagReference.quantize(0.5 / 4096, 12, 1), "a tie rounds up");
        assertEquals(0L, IntegerRagReference.quantize(-0.5 / 4096, 12, 1), "a negative tie rounds up too");
    }

    /** A state set off the grid (or outside [-1, 1]) is rounded and clamped when the next step reads it, as the reference's quantiser does. */
    @Test
    void aStateSetFromOutsideIsReadOnTheGrid() {
        IntegerWeights w = IntegerFixture.quantized(CellType.RAG_LSTM, 3, 5, 22L, 10, 0, 1f, true);
        IntegerRagReference reference = IntegerFixture.reference(w);
        float[] h0 = {0.3f, -7f, 1e-9f, 0.99999f, Float.NaN};
        float[] c0 = {-0.2f, 3f, -1e-9f, -0.99999f, 0.123456f};
        float[] x = {0.1f, -0.4f, 0.9f};
        long[] h = new long[5];
        long[] c = new long[5];
        for (int j = 0; j < 5; j++) {
            h[j] = IntegerRagReference.quantize(h0[j], 10, 0);
            c[j] = IntegerRagReference.quantize(c0[j], 10, 0);
        }
        float[] out = new float[5];
        float[] cell;
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState state = layer.newState(1)) {
            state.setHidden(h0).setCell(c0);
            layer.step(x, state, out);
            cell = state.cell();
        }
        reference.step(x, h, c);
        for (int j = 0; j < 5; j++) {
            assertEquals(h[j], IntegerFixture.toInteger(out[j], 10), "h j=" + j);
            assertEquals(c[j], IntegerFixture.toInteger(cell[j], 10), "c j=" + j);
        }
    }

    @Test
    void anIntegerLayerHasNoFloatWeightsAndTakesNoProjectedInput() {
        IntegerWeights w = IntegerFixture.quantized(CellType.RAG_GRU, 3, 4, 23L, 12, 0, 1f, true);
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState state = layer.newState(1)) {
            assertThrows(UnsupportedOperationException.class, layer::weightIh);
            assertThrows(UnsupportedOperationException.class, layer::weights);
            assertNull(layer.ternaryWeights());
            assertTrue(layer.integerWeights() == w);
            assertThrows(UnsupportedOperationException.class, () -> layer.forwardProjected(new float[12], 1, state, new float[4]));
        }
    }

    private static long[] slice(long[] v, int b, int n) {
        return java.util.Arrays.copyOfRange(v, b * n, (b + 1) * n);
    }
}
