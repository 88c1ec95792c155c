package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.Fixtures;
import org.rnnkernels.train.TorchInit;

/**
 * Ternary layers as the first-class layers they are: in a two-layer bidirectional {@link RecurrentModel}
 * with variable lengths against the double reference run per sample; shared by a thread team; streamed
 * step by step. Awkward sizes (1, lane counts +-1, primes), both cells, both activation modes, several seeds.
 */
class TernaryModelTest {
    // A TERNARY-mode value this close to +-delta may ternarise one way in float and the other in double
    // (see TernaryLayerTest): a sample whose reference run ternarised such a value is not compared. Float
    // and double runs part by ~1e-7 per step; the nearest values of a sample here sit 1e-5 to 1e-3 away.
    private static final double MARGIN = 1e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        TernaryLayer.Activations t = TernaryLayer.Activations.TERNARY;
        TernaryLayer.Activations f = TernaryLayer.Activations.FLOAT;
        // type, mode, I, H, B, T, seed, delta, lambda
        cases.add(Arguments.of(CellType.GRU, t, 15, 17, 5, 9, 1L, 0.3f, 1f));
        cases.add(Arguments.of(CellType.GRU, f, 33, 1, 4, 11, 2L, 0.5f, 1.3f));
        cases.add(Arguments.of(CellType.LSTM, t, 7, 33, 6, 8, 3L, 0.2f, 0.8f));
        cases.add(Arguments.of(CellType.LSTM, f, 1, 31, 3, 7, 4L, 0.5f, 1f));
        cases.add(Arguments.of(CellType.GRU, t, 64, 13, 17, 6, 5L, 0.25f, 1f));
        cases.add(Arguments.of(CellType.LSTM, t, 31, 1, 2, 13, 6L, 0.1f, 1.5f));
        cases.add(Arguments.of(CellType.GRU, f, 65, 29, 19, 5, 7L, 0.5f, 0.7f));
        cases.add(Arguments.of(CellType.LSTM, f, 17, 16, 1, 10, 8L, 0.5f, 1f));
        return cases.stream();
    }

    /** One direction of one layer: its float weights, the kernel layer and its reference twin. */
    private record Direction(RecurrentLayer layer, TernaryReference reference) {
    }

    private static Direction[][] directions(CellType type, TernaryLayer.Activations mode, int input, int hidden, long seed,
                                            float delta, float lambda) {
        Direction[][] grid = new Direction[2][2];
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                TernaryFixture f = new TernaryFixture(type, k == 0 ? input : 2 * hidden, hidden, 1, 1, seed * 10 + 2 * k + d);
                // no biases in one direction of the first layer, to cover layers without them
                boolean biases = !(k == 0 && d == 1);
                RecurrentLayer layer = TernaryLayer.create(LayerWeights.of(type, f.input, hidden).inputWeights(f.weights.weightIh())
                        .recurrentWeights(f.weights.weightHh())
                        .biases(biases ? f.weights.biasIh() : null, biases ? f.weights.biasHh() : null)
                        .build(), mode, Ternarizer.standard(), delta, lambda);
                int rows = type.gates() * hidden;
                TernaryReference reference = new TernaryReference(RefCellType.valueOf(type.name()), mode == TernaryLayer.Activations.TERNARY,
                        f.input, hidden, TernaryReference.ternarizeWeights(f.weights.weightIh(), rows, f.input, type.gates(), Ternarizer.DEFAULT_FACTOR),
                        TernaryReference.ternarizeWeights(f.weights.weightHh(), rows, hidden, type.gates(), Ternarizer.DEFAULT_FACTOR),
                        biases ? Fixtures.toDouble(f.weights.biasIh(), 0, rows) : new double[rows],
                        biases ? Fixtures.toDouble(f.weights.biasHh(), 0, rows) : new double[rows], delta, lambda);
                grid[k][d] = new Direction(layer, reference);
            }
        }
        return grid;
    }

    private static RecurrentModel model(Direction[][] grid) {
        return RecurrentModel.of(true, List.of(grid[0][0].layer, grid[0][1].layer, grid[1][0].layer, grid[1][1].layer));
    }

    /** Lengths in [0, T], at least one T and (with B > 2) one 0. */
    private static int[] lengths(SplittableRandom random, int batch, int steps) {
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = random.nextInt(steps + 1);
        }
        lengths[batch / 2] = steps;
        if (batch > 2) {
            lengths[batch - 1] = 0;
        }
        return lengths;
    }

    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} T={5} seed={6}")
    @MethodSource("cases")
    void bidirectionalStackWithVariableLengthsMatchesTheReferencePerSample(CellType type, TernaryLayer.Activations mode,
                                                                           int input, int hidden, int batch, int steps,
                                                                           long seed, float delta, float lambda) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean lstm = type.hasCellState();
        float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
        float[] h0 = TorchInit.uniform(random, 4 * batch * hidden, 0.9f);
        float[] c0 = lstm ? TorchInit.uniform(random, 4 * batch * hidden, 0.9f) : null;
        int[] lengths = lengths(random, batch, steps);
        Direction[][] grid = directions(type, mode, input, hidden, seed, delta, lambda);
        float[] out = new float[steps * batch * 2 * hidden];
        float[] hN;
        float[] cN;
        try (RecurrentModel model = model(grid); ModelState state = model.newState(batch)) {
            state.setHidden(h0);
            if (lstm) {
                state.setCell(c0);
            }
            model.forward(x, steps, lengths, state, out);
            hN = state.hidden();
            cN = lstm ? state.cell() : null;
        }
        int compared = 0;
        for (int b = 0; b < batch; b++) {
            int length = lengths[b];
            // the reference, one sample, layer by layer: both directions over the sample's own length
            double[][] layerInput = new double[length][];
            for (int t = 0; t < length; t++) {
                layerInput[t] = Fixtures.toDouble(x, (t * batch + b) * input, input);
            }
            double closest = Double.POSITIVE_INFINITY;      // to +-delta, of every value a product ternarised
            double[][][] finals = new double[4][][];
            for (int k = 0; k < 2; k++) {
                double[][] layerOutput = new double[length][2 * hidden];
                for (int d = 0; d < 2; d++) {
                    int slot = (2 * k + d) * batch + b;
                    double[] h = Fixtures.toDouble(h0, slot * hidden, hidden);
                    double[] c = lstm ? Fixtures.toDouble(c0, slot * hidden, hidden) : null;
                    for (int i = 0; i < length; i++) {
                        int t = d == 0 ? i : length - 1 - i;
                        closest = Math.min(closest, Math.min(distance(layerInput[t], delta), distance(h, delta)));
                        grid[k][d].reference.step(layerInput[t], h, c, h, c);
                        System.arraycopy(h, 0, layerOutput[t], d * hidden, hidden);
                    }
                    finals[2 * k + d] = new double[][] {h, c};
                }
                layerInput = layerOutput;
            }
            if (mode == TernaryLayer.Activations.TERNARY && closest < MARGIN) {
                continue;
            }
            compared++;
            String where = type + " " + mode + " b=" + b + " length=" + length;
            for (int t = 0; t < steps; t++) {
                int row = (t * batch + b) * 2 * hidden;
                if (t < length) {
                    TernaryLayerTest.compare(where + " t=" + t, layerInput[t], out, row);
                } else {
                    for (int j = 0; j < 2 * hidden; j++) {
                        assertEquals(0f, out[row + j], where + " t=" + t + ": past the sample's length");
                    }
                }
            }
            for (int s = 0; s < 4; s++) {
                TernaryLayerTest.compare(where + " h_n[" + s + "]", finals[s][0], hN, (s * batch + b) * hidden);
                if (lstm) {
                    TernaryLayerTest.compare(where + " c_n[" + s + "]", finals[s][1], cN, (s * batch + b) * hidden);
                }
            }
        }
        // a case whose every sample sat at a threshold would prove nothing
        assertTrue(compared * 2 >= batch, compared + " of " + batch + " samples compared");
    }

    // min over j of | |v_j| - delta |: how near a value came to flipping its trit
    private static double distance(double[] v, float delta) {
        double min = Double.POSITIVE_INFINITY;
        for (double value : v) {
            min = Math.min(min, Math.abs(Math.abs(value) - delta));
        }
        return min;
    }

    /** A team of two shares every part of a call (both products by rows, the gate pass by units): bit for bit one thread's result. */
    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} T={5} seed={6}")
    @MethodSource("cases")
    void twoThreadsComputeWhatOneDoes(CellType type, TernaryLayer.Activations mode, int input, int hidden, int batch, int steps,
                                      long seed, float delta, float lambda) {
        SplittableRandom random = new SplittableRandom(seed + 100);
        float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
        int[] lengths = lengths(random, batch, steps);
        Direction[][] grid = directions(type, mode, input, hidden, seed, delta, lambda);
        float[] one = new float[steps * batch * 2 * hidden];
        float[] two = new float[one.length];
        try (RecurrentModel model = model(grid); ModelState single = model.newState(batch); ModelState team = model.newState(batch, 2)) {
            model.forward(x, steps, lengths, single, one);
            model.forward(x, steps, lengths, team, two);
            assertArrayEquals(one, two, "model outputs");
            assertArrayEquals(single.hidden(), team.hidden(), "model final h");
            // and one layer alone, every sample running every step
            RecurrentLayer layer = grid[0][0].layer;
            float[] a = new float[steps * batch * hidden];
            float[] b = new float[a.length];
            try (LayerState s1 = layer.newState(batch); LayerState s2 = layer.newState(batch, 2)) {
                layer.forward(x, steps, s1, a);
                layer.forward(x, steps, s2, b);
            }
            assertArrayEquals(a, b, "layer outputs");
        }
    }

    /** Step by step gives the bits of one call: the batched input projection computes each row as one row alone. */
    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} T={5} seed={6}")
    @MethodSource("cases")
    void streamingStepsEqualOneCall(CellType type, TernaryLayer.Activations mode, int input, int hidden, int batch, int steps,
                                    long seed, float delta, float lambda) {
        TernaryFixture f = new TernaryFixture(type, input, hidden, batch, steps, seed + 200);
        for (int threads : new int[] {1, 2}) {
            try (RecurrentLayer layer = f.layer(mode, Ternarizer.standard(), delta, lambda);
                 LayerState whole = layer.newState(batch, threads); LayerState stream = layer.newState(batch, threads)) {
                whole.setHidden(f.h0);
                stream.setHidden(f.h0);
                float[] all = new float[steps * batch * hidden];
                layer.forward(f.x, steps, whole, all);
                float[] x = new float[batch * input];
                float[] out = new float[batch * hidden];
                for (int t = 0; t < steps; t++) {
                    System.arraycopy(f.x, t * batch * input, x, 0, x.length);
                    layer.step(x, stream, out);
                    for (int i = 0; i < out.length; i++) {
                        if (Float.compare(out[i], all[t * batch * hidden + i]) != 0) {
                            fail(f + " " + mode + " threads=" + threads + " t=" + t + " i=" + i + ": " + out[i]
                                    + " vs " + all[t * batch * hidden + i]);
                        }
                    }
                }
                assertArrayEquals(whole.hidden(), stream.hidden());
                if (type.hasCellState()) {
                    assertArrayEquals(whole.cell(), stream.cell());
                }
            }
        }
    }
}
