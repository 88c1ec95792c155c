package org.rnnkernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.reference.IntegerRagReference;
import org.rnnkernels.train.TorchInit;

/**
 * Integer layers in models: a two-layer bidirectional stack with variable lengths bit for bit against the
 * integer reference run per sample (layer 1 reads layer 0's float outputs, which are exact, so the stack is
 * the all-integer pipeline), a thread team, and the library's model files (round trip bit for bit).
 */
class IntegerModelTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        // type, I, H, B, T, seed, F
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 5, 9, 5, 12, 31L, 12));
        cases.add(Arguments.of(CellType.RAG_MINIMAL, 1, 33, 3, 9, 32L, 10));
        cases.add(Arguments.of(CellType.RAG_GRU, 13, 7, 4, 11, 33L, 12));
        cases.add(Arguments.of(CellType.RAG_GRU, 8, 17, 1, 8, 34L, 14));
        cases.add(Arguments.of(CellType.RAG_LSTM, 7, 1, 6, 10, 35L, 12));
        cases.add(Arguments.of(CellType.RAG_LSTM, 3, 31, 3, 7, 36L, 8));
        return cases.stream();
    }

    private static IntegerWeights[][] weights(CellType type, int input, int hidden, long seed, int bits) {
        IntegerWeights[][] grid = new IntegerWeights[2][2];
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                // no biases in one direction of the first layer, to cover layers without them
                grid[k][d] = IntegerFixture.quantized(type, k == 0 ? input : 2 * hidden, hidden, seed * 10 + 2 * k + d, bits,
                        0, 1f, !(k == 0 && d == 1));
            }
        }
        return grid;
    }

    private static RecurrentModel model(IntegerWeights[][] grid) {
        return RecurrentModel.of(true, List.of(IntegerLayer.create(grid[0][0]), IntegerLayer.create(grid[0][1]),
                IntegerLayer.create(grid[1][0]), IntegerLayer.create(grid[1][1])));
    }

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

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} seed={5} F={6}")
    @MethodSource("cases")
    void bidirectionalStackWithVariableLengthsIsBitExactPerSample(CellType type, int input, int hidden, int batch, int steps,
                                                                  long seed, int bits) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean lstm = type.hasCellState();
        float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
        long[] h0 = IntegerFixture.state(random, 4 * batch * hidden, bits);
        long[] c0 = lstm ? IntegerFixture.state(random, 4 * batch * hidden, bits) : null;
        int[] lengths = lengths(random, batch, steps);
        IntegerWeights[][] grid = weights(type, input, hidden, seed, bits);
        float[] out = new float[steps * batch * 2 * hidden];
        float[] hN;
        float[] cN;
        try (RecurrentModel model = model(grid); ModelState state = model.newState(batch)) {
            state.setHidden(IntegerFixture.toFloat(h0, bits));
            if (lstm) {
                state.setCell(IntegerFixture.toFloat(c0, bits));
            }
            model.forward(x, steps, lengths, state, out);
            hN = state.hidden();
            cN = lstm ? state.cell() : null;
        }
        for (int b = 0; b < batch; b++) {
            int length = lengths[b];
            float[][] layerInput = new float[length][];
            for (int t = 0; t < length; t++) {
                layerInput[t] = Arrays.copyOfRange(x, (t * batch + b) * input, (t * batch + b + 1) * input);
            }
            for (int k = 0; k < 2; k++) {
                float[][] layerOutput = new float[length][2 * hidden];
                for (int d = 0; d < 2; d++) {
                    IntegerRagReference reference = IntegerFixture.reference(grid[k][d]);
                    int slot = (2 * k + d) * batch + b;
                    long[] h = Arrays.copyOfRange(h0, slot * hidden, (slot + 1) * hidden);
                    long[] c = lstm ? Arrays.copyOfRange(c0, slot * hidden, (slot + 1) * hidden) : null;
                    for (int i = 0; i < length; i++) {
                        int t = d == 0 ? i : length - 1 - i;
                        reference.step(layerInput[t], h, c);
                        System.arraycopy(IntegerFixture.toFloat(h, bits), 0, layerOutput[t], d * hidden, hidden);
                    }
                    for (int j = 0; j < hidden; j++) {
                        String where = type + " b=" + b + " layer " + k + " direction " + d + " j=" + j;
                        assertEquals(h[j], IntegerFixture.toInteger(hN[slot * hidden + j], bits), where + ": final h");
                        if (lstm) {
                            assertEquals(c[j], IntegerFixture.toInteger(cN[slot * hidden + j], bits), where + ": final c");
                        }
                    }
                }
                layerInput = layerOutput;
            }
            for (int t = 0; t < steps; t++) {
                float[] row = Arrays.copyOfRange(out, (t * batch + b) * 2 * hidden, (t * batch + b + 1) * 2 * hidden);
                assertArrayEquals(t < length ? layerInput[t] : new float[2 * hidden], row, type + " b=" + b + " t=" + t);
            }
        }
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} seed={5} F={6}")
    @MethodSource("cases")
    void aTeamOfTwoAndTheModelFileGiveTheSameBits(CellType type, int input, int hidden, int batch, int steps, long seed, int bits,
                                                  @TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(seed + 50);
        float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
        int[] lengths = lengths(random, batch, steps);
        IntegerWeights[][] grid = weights(type, input, hidden, seed, bits);
        float[] one = new float[steps * batch * 2 * hidden];
        float[] two = new float[one.length];
        float[] loaded = new float[one.length];
        Path file = dir.resolve("integer.safetensors");
        try (RecurrentModel model = model(grid); ModelState single = model.newState(batch); ModelState team = model.newState(batch, 2)) {
            model.forward(x, steps, lengths, single, one);
            model.forward(x, steps, lengths, team, two);
            assertArrayEquals(one, two, "a team of two");
            ModelFiles.save(model, file);
        }
        assertTrue(Files.size(file) > 0);
        try (RecurrentModel back = ModelFiles.load(file); ModelState state = back.newState(batch)) {
            assertEquals(2, back.numLayers());
            assertTrue(back.bidirectional());
            for (int k = 0; k < 2; k++) {
                for (int d = 0; d < 2; d++) {
                    RecurrentLayer layer = back.layer(k, d);
                    IntegerWeights w = layer.integerWeights();
                    IntegerWeights given = grid[k][d];
                    assertEquals(type, layer.cellType());
                    assertArrayEquals(given.inputWeights(), w.inputWeights());
                    assertArrayEquals(given.recurrentWeights(), w.recurrentWeights());
                    assertArrayEquals(given.inputExponents(), w.inputExponents());
                    assertArrayEquals(given.recurrentExponents(), w.recurrentExponents());
                    assertArrayEquals(given.inputBias(), w.inputBias());
                    assertArrayEquals(given.recurrentBias(), w.recurrentBias());
                    assertEquals(given.fractionBits(), w.fractionBits());
                    assertEquals(given.inputBits(), w.inputBits());
                }
            }
            back.forward(x, steps, lengths, state, loaded);
        }
        assertArrayEquals(one, loaded, "the model read back from its file");
    }

    private static void assertTrue(boolean condition) {
        org.junit.jupiter.api.Assertions.assertTrue(condition);
    }
}
