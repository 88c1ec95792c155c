package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.Fixtures;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.simd.Simd;
import org.rnnkernels.train.TorchInit;

/**
 * Both products of every implementation in this JVM (the scalar one always, the vector one when the
 * Vector API is on) against the reference's integer dots, bit for bit, on awkward sizes.
 */
class TernaryDotTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int cols : new int[] {1, 7, 8, 9, 63, 64, 65, 127, 257}) {
            for (int rows : new int[] {1, 3, 17}) {
                for (long seed = 1; seed <= 3; seed++) {
                    cases.add(Arguments.of(rows, cols, seed * 1000 + cols));
                }
            }
        }
        return cases.stream();
    }

    static List<TernaryKernels> implementations() {
        List<TernaryKernels> all = new ArrayList<>();
        all.add(new ScalarTernaryKernels());
        if (Simd.kind() == Simd.Kind.VECTOR) {
            all.add(TernaryKernels.get());
        }
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorTernaryKernels" : "ScalarTernaryKernels",
                TernaryKernels.get().getClass().getSimpleName());
        return all;
    }

    @ParameterizedTest(name = "rows={0} cols={1} seed={2}")
    @MethodSource("cases")
    void integerDotsAreExact(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // A third of the weights each way (so every word has bits in both planes).
        TernaryMatrix m = Ternarizer.standard().ternarize(TorchInit.uniform(random, rows * cols, 1f), rows, cols, 1);
        TernaryReference.Weights ref = TernaryReference.ternarizeWeights(
                TorchInit.uniform(new SplittableRandom(seed), rows * cols, 1f), rows, cols, 1, Ternarizer.DEFAULT_FACTOR);
        int words = m.wordsPerRow();

        float[] v = TorchInit.uniform(random, cols, 1f);
        long[] planes = new long[4 * words];
        TernaryKernels.ternarize(v, 0, cols, 0.4f, planes, words);
        int[] a = TernaryReference.ternarizeActivations(Fixtures.toDouble(v, 0, cols), 0.4f);

        // small integers: every float sum of them is exact, whatever the order
        float[] x = new float[64 * words];
        float[] ints = TernaryFixture.integers(random, cols, 9);
        System.arraycopy(ints, 0, x, 0, cols);
        double[] xd = Fixtures.toDouble(ints, 0, cols);

        for (TernaryKernels k : implementations()) {
            String name = k.getClass().getSimpleName();
            float[] out = new float[rows];
            float[] bias = new float[rows];
            for (int r = 0; r < rows; r++) {
                long expectedTernary = TernaryReference.dot(ref, r, a);
                assertEquals(expectedTernary, k.dotTernary(m.interleaved(), words, r, planes), name + " ternary row " + r);
                double expectedFloat = TernaryReference.dot(ref, r, xd);
                assertEquals(expectedFloat, k.dotFloat(m.interleaved(), words, r, x), 0.0, name + " float row " + r);
            }
            // the row-block products: scale * dot + bias, rows 1.. of the matrix into out[2..]
            if (rows > 1) {
                for (int r = 0; r < rows; r++) {
                    bias[r] = r;
                }
                float[] outFloat = new float[rows - 1];
                k.multiplyTernary(m, 1, rows, 0.5f, planes, bias, out, 1);
                k.multiplyFloat(m, 1, rows, 2f, x, bias, outFloat, 0);
                for (int r = 1; r < rows; r++) {
                    assertEquals(0.5f * TernaryReference.dot(ref, r, a) + r, out[r], 0.0, name + " scaled row " + r);
                    assertEquals(2 * TernaryReference.dot(ref, r, xd) + r, outFloat[r - 1], 0.0, name + " scaled float row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "rows={0} cols={1} seed={2}")
    @MethodSource("cases")
    void floatDotsOfRealActivationsAgreeToRounding(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TernaryMatrix m = Ternarizer.standard().ternarize(TorchInit.uniform(random, rows * cols, 1f), rows, cols, 1);
        TernaryReference.Weights ref = TernaryReference.ternarizeWeights(
                TorchInit.uniform(new SplittableRandom(seed), rows * cols, 1f), rows, cols, 1, Ternarizer.DEFAULT_FACTOR);
        float[] x = new float[64 * m.wordsPerRow()];
        float[] v = TorchInit.uniform(random, cols, 1f);
        System.arraycopy(v, 0, x, 0, cols);
        for (TernaryKernels k : implementations()) {
            for (int r = 0; r < rows; r++) {
                double expected = TernaryReference.dot(ref, r, Fixtures.toDouble(v, 0, cols));
                // cols terms of |x| <= 1, each add rounding by at most 2^-24 of the running sum
                assertEquals(expected, k.dotFloat(m.interleaved(), m.wordsPerRow(), r, x), cols * 1.2e-7 * cols,
                        k.getClass().getSimpleName() + " row " + r);
            }
        }
    }
}
