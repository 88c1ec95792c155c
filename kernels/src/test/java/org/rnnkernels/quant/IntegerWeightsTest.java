package org.rnnkernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.IntegerRagReference;

/**
 * Integer weights: the int32 bounds refused when the layer is built, with the bound in the message; a layer at
 * the largest size the bounds allow, driven to its extremes, bit-exact with the reference (which checks every
 * intermediate against int32); the max-abs quantiser; bad arguments.
 */
class IntegerWeightsTest {

    /** Full-range weights in [-127, 127], alternating sign by column so that x = +-max makes every product add up. */
    private static byte[] extreme(int rows, int cols) {
        byte[] w = new byte[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) ((i % cols) % 2 == 0 ? 127 : -127);
        }
        return w;
    }

    private static IntegerWeights.Builder extremeLayer(int hidden, int bits, int exponent) {
        int[] e = new int[2];
        Arrays.fill(e, exponent);
        return IntegerWeights.of(CellType.RAG_MINIMAL, 1, hidden).format(bits, 0)
                .inputWeights(extreme(2 * hidden, 1), e).recurrentWeights(extreme(2 * hidden, hidden), e.clone());
    }

    @Test
    void accumulationsPastInt32AreRefusedWithTheBound() {
        // F = 16, H = 259: 259 * 127 * 2^16 = 2,155,675,648 > 2^31 - 1
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> extremeLayer(259, 16, 2).build());
        assertTrue(e.getMessage().contains("W_hh row 0") && e.getMessage().contains("accumulation bound")
                && e.getMessage().contains("= 2155675650") && e.getMessage().contains("exceeds int32"), e.getMessage());
        // H = 258 fits the accumulation (2,147,352,578) but not the cells' sums: 4 * (2147352578 >> 2 + 1) + 2^17
        IllegalArgumentException sums = assertThrows(IllegalArgumentException.class, () -> extremeLayer(258, 16, 2).build());
        assertTrue(sums.getMessage().contains("pre-activation bound") && sums.getMessage().contains("= 2147483652"), sums.getMessage());
        // the example: 16 fractional bits, int8 weights, K = 1024 needs 2^33
        assertThrows(IllegalArgumentException.class, () -> extremeLayer(1024, 16, 7).build());
        // and the same sizes with 12 fractional bits fit
        extremeLayer(1024, 12, 7).build();
    }

    /** The largest layer the bounds allow, with every input and state at +-max: no overflow anywhere (the reference checks). */
    @Test
    void theLargestAllowedLayerAtItsExtremesMatchesTheReference() {
        int hidden = 257;
        IntegerWeights w = extremeLayer(hidden, 16, 2).build();
        IntegerRagReference reference = IntegerFixture.reference(w);
        float[] x = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, 1f, -1f, 0.5f};
        long[] h0 = new long[hidden];
        for (int j = 0; j < hidden; j++) {
            h0[j] = j % 2 == 0 ? 1L << 16 : -(1L << 16);     // every product of row 0 at +max
        }
        float[] out = new float[x.length * hidden];
        try (RecurrentLayer layer = IntegerLayer.create(w); LayerState state = layer.newState(1)) {
            state.setHidden(IntegerFixture.toFloat(h0, 16));
            layer.forward(x, x.length, state, out);
        }
        float[][] xs = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            xs[t] = new float[] {x[t]};
        }
        long[][][] expected = reference.run(xs, h0, null);
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < hidden; j++) {
                assertEquals(expected[0][t][j], IntegerFixture.toInteger(out[t * hidden + j], 16), "t=" + t + " j=" + j);
            }
        }
    }

    @Test
    void theQuantizerPicksTheLargestExponentPerBlockAndRoundsHalfUp() {
        LayerWeights floats = IntegerFixture.floats(CellType.RAG_GRU, 11, 6, 41L, 1f, true);
        IntegerWeights w = IntegerWeights.quantize(floats, 12, 0);
        float[][] given = {floats.inputWeights(), floats.recurrentWeights()};
        byte[][] ints = {w.inputWeights(), w.recurrentWeights()};
        int[][] exponents = {w.inputExponents(), w.recurrentExponents()};
        for (int m = 0; m < 2; m++) {
            int block = given[m].length / 3;
            for (int k = 0; k < 3; k++) {
                int e = exponents[m][k];
                int largest = 0;
                for (int i = k * block; i < (k + 1) * block; i++) {
                    double scaled = given[m][i] * Math.scalb(1.0, e);
                    assertEquals(Math.floor(scaled + 0.5), ints[m][i], "w[" + i + "]");
                    largest = Math.max(largest, Math.abs(ints[m][i]));
                }
                // the largest exponent: one more would put the block's largest weight past 127
                assertTrue(largest > 63 && largest <= 127, "block " + k + ": max |w| = " + largest);
            }
        }
        int[] bIh = w.inputBias();
        float[] bias = floats.inputBias();
        for (int i = 0; i < bias.length; i++) {
            assertEquals(Math.floor(bias[i] * 4096.0 + 0.5), bIh[i], "b_ih[" + i + "]");
        }
        // toLayerWeights is the dequantised float layer: within half a step of each weight
        float[] back = w.toLayerWeights().recurrentWeights();
        for (int i = 0; i < back.length; i++) {
            assertTrue(Math.abs(back[i] - given[1][i]) <= Math.scalb(0.5, -exponents[1][i / (back.length / 3)]), "W_hh[" + i + "]");
        }
    }

    @Test
    void nanOrInfinityInAFloatModelIsRefusedNamingTheTensor() {
        float[] wHh = IntegerFixture.floats(CellType.RAG_MINIMAL, 3, 4, 42L, 1f, false).recurrentWeights();
        wHh[5] = Float.NaN;
        LayerWeights bad = LayerWeights.of(CellType.RAG_MINIMAL, 3, 4).inputWeights(new float[8 * 3]).recurrentWeights(wHh).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IntegerWeights.quantize(bad, 12, 0));
        assertTrue(e.getMessage().startsWith("W_hh[5] = NaN"), e.getMessage());
        float[] bIh = new float[8];
        bIh[2] = Float.POSITIVE_INFINITY;
        LayerWeights badBias = LayerWeights.of(CellType.RAG_MINIMAL, 3, 4).inputWeights(new float[8 * 3])
                .recurrentWeights(new float[8 * 4]).biases(bIh, new float[8]).build();
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> IntegerWeights.quantize(badBias, 12, 0));
        assertTrue(b.getMessage().startsWith("b_ih[2] = Infinity"), b.getMessage());
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        IllegalArgumentException gru = assertThrows(IllegalArgumentException.class, () -> IntegerWeights.of(CellType.GRU, 2, 3));
        assertTrue(gru.getMessage().contains("GRU has no integer kernel") && gru.getMessage().contains("RAG_MINIMAL"), gru.getMessage());
        int[] e = {7, 7};
        IntegerWeights.Builder b = IntegerWeights.of(CellType.RAG_MINIMAL, 2, 3);
        assertMessage("inputWeights (w_ih) has 5 bytes, expected [G*H=6][I=2] = 12 bytes",
                () -> b.inputWeights(new byte[5], e).recurrentWeights(new byte[18], e).build());
        assertMessage("recurrentWeights (w_hh) is null", () -> b.inputWeights(new byte[12], e).recurrentWeights(null, e).build());
        assertMessage("e_hh[1] = 31, expected 0 .. 30", () -> b.inputWeights(new byte[12], e).recurrentWeights(new byte[18], new int[] {0, 31}).build());
        assertMessage("b_hh", () -> b.recurrentWeights(new byte[18], e).biases(new int[6], new int[5]).build());
        assertMessage("b_ih[0] = 16777217, expected within +-2^24", () -> b.biases(new int[] {(1 << 24) + 1, 0, 0, 0, 0, 0}, new int[6]).build());
        assertMessage("fractionBits = 25, expected 1 .. 24", () -> b.format(25, 0));
        assertMessage("inputBits = 19, expected 0 .. 30 - fractionBits = 18", () -> b.format(12, 19));
        assertMessage("hiddenSize", () -> IntegerWeights.of(CellType.RAG_LSTM, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> IntegerLayer.create(null));
    }

    @Test
    void inputBitsAreCalibratedByMaxAbs() {
        assertEquals(0, IntegerWeights.inputBitsFor(new float[] {0.5f, -1f, 0f}));
        assertEquals(1, IntegerWeights.inputBitsFor(new float[] {1.01f}));
        assertEquals(3, IntegerWeights.inputBitsFor(new float[] {-8f, 2f}));
        // Percentile calibration: one outlier in 1000 sets the max-abs range (2^10) but not the 99.9% one.
        float[] withOutlier = new float[1000];
        for (int i = 0; i < withOutlier.length; i++) {
            withOutlier[i] = (i % 2 == 0 ? 1 : -1) * (i % 100) / 100f;
        }
        withOutlier[500] = -1000f;
        assertEquals(10, IntegerWeights.inputBitsFor(withOutlier));
        assertEquals(10, IntegerWeights.inputBitsFor(withOutlier, 1.0));
        assertEquals(0, IntegerWeights.inputBitsFor(withOutlier, 0.999));
        assertEquals(0, IntegerWeights.inputBitsFor(new float[0], 0.5));
        assertEquals("fraction = 0.0, expected in (0, 1]", assertThrows(IllegalArgumentException.class,
                () -> IntegerWeights.inputBitsFor(withOutlier, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> IntegerWeights.inputBitsFor(withOutlier, 1.5));
        assertThrows(IllegalArgumentException.class, () -> IntegerWeights.inputBitsFor(new float[] {1, Float.NaN}, 0.9));
        assertThrows(IllegalArgumentException.class, () -> IntegerWeights.inputBitsFor(new float[] {Float.NaN}));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

}
