package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.Fixtures;

/**
 * The ternary LSTM and GRU against the double reference over 100 steps, within CELLS.md's 1e-4
 * (sigm/tanh); the error of an element is {@code |kernel - reference| / max(1, |reference|)}.
 *
 * <p>TERNARY mode is compared step by step from the same state (the reference's, rounded to float):
 * activation ternarisation is a threshold, so in a free run a 1e-7 difference in one {@code h_j}
 * that sits at {@code ±delta} flips a trit and the runs part, however right both are. From the same
 * float state both ternarise identically and the integer dots are exact, so each step must agree.
 * FLOAT mode is continuous, and also compared as one free run.
 */
class TernaryLayerTest {
    private static final double TOLERANCE = 1e-4;
    private static final int STEPS = 100;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : new CellType[] {CellType.GRU, CellType.LSTM}) {
            for (TernaryLayer.Activations mode : TernaryLayer.Activations.values()) {
                for (int batch : new int[] {1, 3}) {
                    for (long seed = 1; seed <= 2; seed++) {
                        // I != H, neither a whole word nor a lane multiple
                        cases.add(Arguments.of(type, mode, 37, 33, batch, seed, Ternarizer.standard(), 0.5f, 1f));
                    }
                }
                // wider, a lower threshold (busier ternary activations), per-matrix scales, lambda != 1
                cases.add(Arguments.of(type, mode, 130, 70, 3, 9L, new Ternarizer(0.7, Ternarizer.Scaling.PER_MATRIX), 0.2f, 1.7f));
                cases.add(Arguments.of(type, mode, 64, 1, 1, 5L, new Ternarizer(0.5, Ternarizer.Scaling.PER_GATE_BLOCK), 0.3f, 0.6f));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} seed={5} delta={7} lambda={8}")
    @MethodSource("cases")
    void everyStepMatchesTheReference(CellType type, TernaryLayer.Activations mode, int input, int hidden, int batch, long seed,
                                      Ternarizer ternarizer, float delta, float lambda) {
        TernaryFixture f = new TernaryFixture(type, input, hidden, batch, STEPS, seed);
        for (int threads : new int[] {1, 2}) {      // a team shares the products by rows, the gate pass by units
            try (RecurrentLayer layer = f.layer(mode, ternarizer, delta, lambda); LayerState state = layer.newState(batch, threads)) {
                everyStepMatchesTheReference(f, layer, f.reference(mode, ternarizer, delta, lambda), state, mode, delta);
            }
        }
    }

    private static void everyStepMatchesTheReference(TernaryFixture f, RecurrentLayer layer, TernaryReference reference,
                                                     LayerState state, TernaryLayer.Activations mode, float delta) {
        CellType type = f.type;
        int input = f.input, hidden = f.hidden, batch = f.batch;
        boolean lstm = type == CellType.LSTM;
        float[] h = f.h0.clone();
        float[] c = lstm ? f.c0.clone() : null;
        float[] x = new float[batch * input];
        float[] out = new float[batch * hidden];
        double[] hRef = new double[hidden];
        double[] cRef = new double[hidden];
        int activeInputs = 0;
        for (int t = 0; t < STEPS; t++) {
            state.setHidden(h);
            if (lstm) {
                state.setCell(c);
            }
            System.arraycopy(f.x, t * batch * input, x, 0, x.length);
            layer.step(x, state, out);
            float[] cKernel = lstm ? state.cell() : null;
            for (int b = 0; b < batch; b++) {
                double[] hb = Fixtures.toDouble(h, b * hidden, hidden);
                for (double v : hb) {
                    activeInputs += Math.abs(v) > delta ? 1 : 0;
                }
                reference.step(Fixtures.toDouble(x, b * input, input), hb,
                        lstm ? Fixtures.toDouble(c, b * hidden, hidden) : null, hRef, cRef);
                String where = f + " " + mode + " threads=" + state.threads() + " t=" + t + " b=" + b;
                compare(where + " h", hRef, out, b * hidden);
                if (lstm) {
                    compare(where + " c", cRef, cKernel, b * hidden);
                }
                for (int j = 0; j < hidden; j++) {
                    h[b * hidden + j] = (float) hRef[j];
                    if (lstm) {
                        c[b * hidden + j] = (float) cRef[j];
                    }
                }
            }
        }
        // the recurrent ternary product must have seen nonzero activations, or it was not tested
        assertTrue(activeInputs > 0, "no |h| ever passed delta");
    }

    static Stream<Arguments> floatCases() {
        return cases().filter(a -> a.get()[1] == TernaryLayer.Activations.FLOAT);
    }

    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} seed={5} delta={7} lambda={8}")
    @MethodSource("floatCases")
    void freeRunInFloatModeMatchesTheReference(CellType type, TernaryLayer.Activations mode, int input, int hidden, int batch,
                                               long seed, Ternarizer ternarizer, float delta, float lambda) {
        TernaryFixture f = new TernaryFixture(type, input, hidden, batch, STEPS, seed);
        TernaryReference reference = f.reference(mode, ternarizer, delta, lambda);
        boolean lstm = type == CellType.LSTM;
        float[] out = new float[STEPS * batch * hidden];
        float[] cKernel;
        try (RecurrentLayer layer = f.layer(mode, ternarizer, delta, lambda); LayerState state = layer.newState(batch)) {
            state.setHidden(f.h0);
            if (lstm) {
                state.setCell(f.c0);
            }
            layer.forward(f.x, STEPS, state, out);
            cKernel = lstm ? state.cell() : null;
        }
        for (int b = 0; b < batch; b++) {
            double[] h = Fixtures.toDouble(f.h0, b * hidden, hidden);
            double[] c = lstm ? Fixtures.toDouble(f.c0, b * hidden, hidden) : null;
            for (int t = 0; t < STEPS; t++) {
                reference.step(Fixtures.toDouble(f.x, (t * batch + b) * input, input), h, c, h, c);
                compare(f + " t=" + t + " b=" + b, h, out, (t * batch + b) * hidden);
            }
            if (lstm) {
                compare(f + " final c b=" + b, c, cKernel, b * hidden);
            }
        }
    }

    @Test
    void layerFromMatricesEqualsLayerFromFloats() {
        TernaryFixture f = new TernaryFixture(CellType.GRU, 20, 9, 2, 10, 3L);
        for (TernaryLayer.Activations mode : TernaryLayer.Activations.values()) {
            try (RecurrentLayer fromFloats = f.layer(mode, Ternarizer.standard(), 0.5f, 1f)) {
                TernaryMatrix wIh = fromFloats.ternaryWeights().weightIh();
                TernaryMatrix wHh = fromFloats.ternaryWeights().weightHh();
                try (RecurrentLayer fromMatrices = TernaryLayer.create(CellType.GRU, mode,
                        TernaryMatrix.of(wIh.rows(), wIh.cols(), wIh.plus(), wIh.minus(), wIh.scales()),
                        TernaryMatrix.of(wHh.rows(), wHh.cols(), wHh.plus(), wHh.minus(), wHh.scales()), f.weights.biasIh(), f.weights.biasHh(), 0.5f, 1f)) {
                    float[] a = new float[10 * 2 * 9];
                    float[] b = new float[10 * 2 * 9];
                    fromFloats.forward(f.x, 10, fromFloats.newState(2).setHidden(f.h0), a);
                    fromMatrices.forward(f.x, 10, fromMatrices.newState(2).setHidden(f.h0), b);
                    assertArrayEquals(a, b);
                }
            }
        }
    }

    @Test
    void streamingStepsEqualOneSequenceCall() {
        TernaryFixture f = new TernaryFixture(CellType.LSTM, 11, 13, 3, 20, 8L);
        for (TernaryLayer.Activations mode : TernaryLayer.Activations.values()) {
            try (RecurrentLayer layer = f.layer(mode, Ternarizer.standard(), 0.5f, 1f)) {
                float[] whole = new float[20 * 3 * 13];
                layer.forward(f.x, 20, layer.newState(3), whole);
                LayerState state = layer.newState(3);
                float[] x = new float[3 * 11];
                float[] out = new float[3 * 13];
                for (int t = 0; t < 20; t++) {
                    System.arraycopy(f.x, t * 33, x, 0, 33);
                    layer.step(x, state, out);
                    for (int i = 0; i < out.length; i++) {
                        if (Float.compare(out[i], whole[t * 39 + i]) != 0) {
                            fail(mode + " t=" + t + " i=" + i + ": " + out[i] + " vs " + whole[t * 39 + i]);
                        }
                    }
                }
            }
        }
    }

    static void compare(String where, double[] expected, float[] actual, int offset) {
        for (int j = 0; j < expected.length; j++) {
            float a = actual[offset + j];
            if (!Float.isFinite(a)) {
                fail(where + " j=" + j + ": " + a);
            }
            double error = Math.abs(a - expected[j]) / Math.max(1, Math.abs(expected[j]));
            if (error > TOLERANCE) {
                fail(where + " j=" + j + ": kernel " + a + ", reference " + expected[j] + ", error " + error);
            }
        }
    }
}
