package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.rnnkernels.Fixtures;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.train.TorchInit;

/** Bad input: an IllegalArgumentException naming the argument and the expected shape or range, before any work. */
class TernaryBadInputTest {
    private final TernaryFixture f = new TernaryFixture(CellType.GRU, 5, 7, 2, 3, 1L);
    private final Fixtures.Weights w = f.weights;
    private static final TernaryLayer.Activations T = TernaryLayer.Activations.TERNARY;

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' does not mention '" + fragment + "'");
        }
    }

    private RecurrentLayer layer(float delta, float lambda) {
        return TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), T, Ternarizer.standard(), delta, lambda);
    }

    @Test
    void badThresholdOrSlopeIsRejected() {
        for (float delta : new float[] {0f, -0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            rejects(() -> layer(delta, 1f), "delta", "> 0");
        }
        for (float lambda : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            rejects(() -> layer(0.5f, lambda), "lambda", "> 0");
        }
        // the activation quantiser: given, STOCHASTIC only with TERNARY activations deployed at delta 0.5
        try (RecurrentLayer good = layer(0.5f, 1f)) {
            TernaryWeights g = good.ternaryWeights();
            rejects(() -> new TernaryWeights(g.cellType(), T, null, g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh(),
                    0.5f, 1f), "quantizer", "THRESHOLD or STOCHASTIC");
            rejects(() -> new TernaryWeights(g.cellType(), T, ActivationQuantizer.STOCHASTIC, g.weightIh(), g.weightHh(),
                    g.biasIh(), g.biasHh(), 0.4f, 1f), "delta = 0.4", "expected 0.5");
            rejects(() -> new TernaryWeights(g.cellType(), TernaryLayer.Activations.FLOAT, ActivationQuantizer.STOCHASTIC,
                    g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh(), 0.5f, 1f), "quantizer", "TERNARY activations");
            assertEquals(ActivationQuantizer.STOCHASTIC, new TernaryWeights(g.cellType(), T, ActivationQuantizer.STOCHASTIC,
                    g.weightIh(), g.weightHh(), g.biasIh(), g.biasHh(), 0.5f, 1f).quantizer());
            assertEquals(ActivationQuantizer.THRESHOLD, g.quantizer(), "a layer made from float weights thresholds");
        }
        rejects(() -> new Ternarizer(Double.NaN, Ternarizer.Scaling.PER_MATRIX), "factor");
        rejects(() -> new Ternarizer(-0.1, Ternarizer.Scaling.PER_MATRIX), "factor");
    }

    @Test
    void badWeightsAreRejected() {
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(new float[3])
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), T), "W_ih", "[G*H=21][I=5]", "105");
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(null)
                .biases(w.biasIh(), w.biasHh())
                .build(), T), "W_hh", "null");
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(new float[20], w.biasHh())
                .build(), T), "b_ih", "[G*H=21]");
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), null)
                .build(), T), "b_ih", "b_hh");
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.RNN_TANH, 5, 7).inputWeights(new float[35])
                .recurrentWeights(new float[49])
                .build(), T), "type", "LSTM or GRU");
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), null), "activations");
        float[] nan = w.weightHh().clone();
        nan[8] = Float.NaN;
        rejects(() -> TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(nan)
                .biases(w.biasIh(), w.biasHh())
                .build(), T), "weights[8]", "finite");
    }

    @Test
    void badPackedWeightsAreRejected() {
        long[] planes = new long[3 * 2];     // rows 3, cols 70: 2 words per row
        float[] scales = {1f};
        rejects(() -> TernaryMatrix.of(3, 70, new long[5], planes, scales), "packed weights of the wrong length", "plus", "6 words");
        rejects(() -> TernaryMatrix.of(3, 70, planes, new long[7], scales), "packed weights of the wrong length", "minus", "[rows=3]");
        rejects(() -> TernaryMatrix.of(3, 70, planes, null, scales), "packed weights of the wrong length", "minus");
        long[] plus = new long[6];
        long[] minus = new long[6];
        plus[2] = 1L << 5;
        minus[2] = 1L << 5;
        rejects(() -> TernaryMatrix.of(3, 70, plus, minus, scales), "both", "row 1", "column 5");
        long[] padded = new long[6];
        padded[5] = 1L << 6;                 // column 64 + 6 = 70 of row 2: padding
        rejects(() -> TernaryMatrix.of(3, 70, padded, new long[6], scales), "padding", "row 2", "column 70");
        rejects(() -> TernaryMatrix.of(3, 70, planes, planes.clone(), new float[2]), "scales", "dividing rows");
        rejects(() -> TernaryMatrix.of(3, 70, planes, planes.clone(), new float[] {Float.NaN}), "scales[0]");
        // a layer from matrices of the wrong shape or scale count
        TernaryMatrix wIh = Ternarizer.standard().ternarize(w.weightIh(), 21, 5, 3);
        TernaryMatrix wHh = Ternarizer.standard().ternarize(w.weightHh(), 21, 7, 3);
        rejects(() -> TernaryLayer.create(CellType.LSTM, T, wIh, wHh, null, null, 0.5f, 1f), "wHh", "[21][7]");
        TernaryMatrix sevenScales = TernaryMatrix.of(21, 5, wIh.plus(), wIh.minus(), new float[7]);
        rejects(() -> TernaryLayer.create(CellType.GRU, T, sevenScales, wHh, null, null, 0.5f, 1f), "wIh", "7 scales");
    }

    @Test
    void badCallsLeaveStateAndOutputUntouched() {
        for (TernaryLayer.Activations mode : TernaryLayer.Activations.values()) {
            RecurrentLayer layer = TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                    .recurrentWeights(w.weightHh())
                    .biases(w.biasIh(), w.biasHh())
                    .build(), mode);
            LayerState state = layer.newState(2).setHidden(f.h0);
            float[] out = new float[3 * 2 * 7];
            Arrays.fill(out, 42f);
            float[] untouched = out.clone();
            rejects(() -> layer.forward(new float[f.x.length - 1], 3, state, out), "input", "[T=3][B=2][I=5]", "30");
            rejects(() -> layer.forward((float[]) null, 3, state, out), "input", "null");
            rejects(() -> layer.forward(f.x, 3, state, new float[5]), "output", "[T=3][B=2][H=7]");
            rejects(() -> layer.forward(f.x, -1, state, out), "steps");
            rejects(() -> layer.forward(f.x, 3, null, out), "state");
            rejects(() -> layer.step(new float[9], state, new float[14]), "input", "[T=1][B=2][I=5]");
            rejects(() -> state.setHidden(new float[13]), "hidden", "[2][7]");
            RecurrentLayer lstm = TernaryLayer.create(LayerWeights.of(CellType.LSTM, 5, 7).inputWeights(new float[140])
                    .recurrentWeights(new float[196])
                    .build(), mode);
            rejects(() -> lstm.forward(f.x, 3, state, out), "state", "LSTM");
            rejects(() -> layer.newState(0), "batch");
            assertArrayEquals(untouched, out, "output written by a rejected call");
            assertArrayEquals(f.h0, state.hidden(), "h changed by a rejected call");
        }
    }

    /** A ternary layer has no float W_ih, W_hh to report: it says so rather than pretend; its ternary weights are what it was made from. */
    @Test
    void ternaryWeightsAreReportedAndFloatWeightsRefused() {
        TernaryWeights given = TernaryWeights.ternarize(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh()).build(), T, Ternarizer.standard(), 0.3f, 1.2f);
        try (RecurrentLayer layer = TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), T, Ternarizer.standard(), 0.3f, 1.2f)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, layer::weightIh);
            assertTrue(e.getMessage().contains("ternaryWeights()"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, layer::weightHh);
            assertEquals(given, layer.ternaryWeights());
            assertArrayEquals(w.biasIh(), layer.biasIh());
            assertArrayEquals(w.biasHh(), layer.ternaryWeights().biasHh());
            assertNull(layer.restrictedWeights());
            assertNull(layer.miParameters());
            assertNull(layer.thresholds());
        }
        try (RecurrentLayer noBias = TernaryLayer.create(LayerWeights.of(CellType.LSTM, 5, 7).inputWeights(new float[140])
                .recurrentWeights(new float[196])
                .build(), T)) {
            assertNull(noBias.biasIh());
            assertNull(noBias.ternaryWeights().biasHh());
        }
    }

    /** Closed, a ternary layer refuses calls as every layer does (it owns no off-heap memory, but one rule for all). */
    @Test
    void aClosedLayerRefusesCalls() {
        RecurrentLayer layer = TernaryLayer.create(LayerWeights.of(CellType.GRU, 5, 7).inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), T);
        LayerState state = layer.newState(2);
        layer.close();
        layer.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> layer.forward(f.x, 3, state, new float[42]));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
