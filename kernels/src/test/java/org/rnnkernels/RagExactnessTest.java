package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.reference.ReferenceCell;
import java.util.stream.Stream;
import org.rnnkernels.train.TorchInit;

/**
 * RAG's exactness: every elementwise operation is an add, subtract, max or min, so on a dyadic
 * grid (integer weights, inputs, biases and states multiples of 1/4, sums far below 2^24) the
 * float kernel has no rounding at all and must equal the double reference bit for bit, over
 * any number of steps. This is the integer/fixed-point form of the paper, checked on floats.
 */
class RagExactnessTest {

    static Stream<Arguments> cases() {
        return Stream.of(CellType.RAG_GRU, CellType.RAG_MINIMAL, CellType.RAG_LSTM)
                .flatMap(type -> Stream.of(
                        Arguments.of(type, 5, 1, 1), Arguments.of(type, 9, 17, 3),
                        Arguments.of(type, 40, 33, 5), Arguments.of(type, 64, 256, 2)));
    }

    @ParameterizedTest(name = "{0} I={1} H={2} B={3}")
    @MethodSource("cases")
    void floatKernelEqualsReferenceBitForBit(CellType type, int input, int hidden, int batch) {
        int steps = 200;
        SplittableRandom random = new SplittableRandom(input * 31L + hidden);
        int rows = type.gates() * hidden;
        float[] wIh = sparseIntegers(random, rows * input);
        float[] wHh = sparseIntegers(random, rows * hidden);
        float[] bIh = quarters(random, rows);
        float[] bHh = quarters(random, rows);
        float[] x = quarters(random, steps * batch * input);
        float[] h0 = quarters(random, batch * hidden);
        float[] c0 = type.hasCellState() ? quarters(random, batch * hidden) : null;

        float[] out = new float[steps * batch * hidden];
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .build())) {
            LayerState state = layer.newState(batch).setHidden(h0);
            if (c0 != null) {
                state.setCell(c0);
            }
            layer.forward(x, steps, state, out);
        }

        ReferenceCell reference = Fixtures.referenceCell(type, input, hidden, new Fixtures.Weights(wIh, wHh, bIh, bHh),
                null, null);
        ReferenceCell.Sequence expected = reference.run(Fixtures.sequence(x, steps, batch, input),
                Fixtures.rows(h0, batch, hidden), c0 == null ? null : Fixtures.rows(c0, batch, hidden));
        int nonZero = 0;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < hidden; j++) {
                    double e = expected.outputs()[t][b][j];
                    float a = out[(t * batch + b) * hidden + j];
                    assertEquals((float) e, a, 0f, type + " t=" + t + " b=" + b + " j=" + j);
                    assertEquals(e, a, 0.0, "the reference left the grid at t=" + t);
                    nonZero += a != 0 ? 1 : 0;
                }
            }
        }
        // Not a trivial run: a good part of the states must be live (a single unit may well die out).
        if (hidden > 1) {
            assertEquals(true, nonZero > out.length / 10, "only " + nonZero + " of " + out.length + " outputs non-zero");
        }
    }

    // Integers in {-1, 0, 1}, mostly 0, so pre-activations stay small and the gates stay mixed.
    private static float[] sparseIntegers(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            a[i] = u < 0.1 ? -1 : u > 0.9 ? 1 : 0;
        }
        return a;
    }

    // Multiples of 1/4 in [-1, 1].
    private static float[] quarters(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextInt(-4, 5) / 4f;
        }
        return a;
    }
}
