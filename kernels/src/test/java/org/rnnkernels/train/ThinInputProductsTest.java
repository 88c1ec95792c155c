package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.simd.FloatLanes;
import org.rnnkernels.simd.Simd;

/**
 * Both twins of {@link ThinInputProducts} in this JVM (the scalar one always, the vector one when the Vector
 * API is on) against the same sums in double, on awkward sizes: widths around the lane count and its
 * multiples and primes (whole vectors and a scalar tail), every input count up to
 * {@link ThinInputProducts#MAX_INPUTS} with and without the bias sum, row counts from 1 to thousands. The weight
 * gradient also on the inputs up to {@link ThinInputProducts#MAX_GRADIENT_INPUTS} (the vector twin's register tiles
 * of 4 or 2 inputs by four vectors of columns, over blocks of 64 rows): widths around a tile's four vectors
 * (whole tiles, a tile and a column tail, only a tail), input counts around the 4-input groups, rows around a block.
 * Error bound: float sums of {@code n} terms, {@code n * 2^-23} of the sum of the terms' magnitudes (no
 * cancellation credit), with {@code n} the terms in one sum.
 */
class ThinInputProductsTest {
    static final int L = Simd.kind() == Simd.Kind.VECTOR ? FloatLanes.LANES : 8;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int w : new int[] {1, L - 1, L, L + 1, 2 * L + 3, 97}) {
            for (int inputs = 1; inputs <= ThinInputProducts.MAX_INPUTS; inputs++) {
                for (int rows : new int[] {1, 2, 3, 17, 2048 + 5}) {
                    cases.add(Arguments.of(Math.max(1, w), inputs, rows, 31L * w + 7L * inputs + rows));
                }
            }
        }
        return cases.stream();
    }

    static Stream<Arguments> gradientCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int w : new int[] {1, L + 1, 4 * L - 1, 4 * L, 4 * L + 1, 9 * L + 3}) {
            for (int inputs : new int[] {1, 8, 9, 10, 11, 12, 13, 27, 28, 29, ThinInputProducts.MAX_GRADIENT_INPUTS}) {
                for (int rows : new int[] {1, 3, 64, 65, 1000 + 7}) {
                    cases.add(Arguments.of(w, inputs, rows, 31L * w + 7L * inputs + rows));
                }
            }
        }
        return cases.stream();
    }

    static List<ThinInputProducts> implementations() {
        List<ThinInputProducts> all = new ArrayList<>();
        all.add(new ScalarThinInputProducts());
        if (Simd.kind() == Simd.Kind.VECTOR) {
            all.add(ThinInputProducts.get());
        }
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorThinInputProducts" : "ScalarThinInputProducts",
                ThinInputProducts.get().getClass().getSimpleName());
        return all;
    }

    static float[] uniform(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) random.nextDouble(-1, 1);
        }
        return a;
    }

    @ParameterizedTest(name = "w={0} I={1} rows={2} seed={3}")
    @MethodSource("cases")
    void projectionMatchesDoubleSums(int w, int inputs, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = uniform(random, rows * inputs);
        float[] wIhT = uniform(random, inputs * w);
        for (ThinInputProducts products : implementations()) {
            float[] gi = new float[rows * w];
            java.util.Arrays.fill(gi, Float.NaN);   // every element must be written
            products.project(x, rows, inputs, wIhT, w, gi);
            for (int r = 0; r < rows; r++) {
                for (int g = 0; g < w; g++) {
                    double sum = 0, magnitude = 0;
                    for (int i = 0; i < inputs; i++) {
                        sum += (double) x[r * inputs + i] * wIhT[i * w + g];
                        magnitude += Math.abs((double) x[r * inputs + i] * wIhT[i * w + g]);
                    }
                    double error = Math.abs(gi[r * w + g] - sum);
                    assertTrue(error <= inputs * 0x1p-23 * magnitude,
                            () -> products.getClass().getSimpleName() + ": gi[" + rows + "x" + w + "] off by " + error);
                }
            }
        }
    }

    @ParameterizedTest(name = "w={0} I={1} rows={2} seed={3}")
    @MethodSource({"cases", "gradientCases"})
    void weightGradientMatchesDoubleSums(int w, int inputs, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = uniform(random, rows * inputs);
        float[] dG = uniform(random, rows * w);
        for (ThinInputProducts products : implementations()) {
            for (boolean withBias : new boolean[] {false, true}) {
                int sums = withBias ? inputs + 1 : inputs;   // the bias sum as a last row, against an input of ones
                float[] dWT = uniform(new SplittableRandom(seed + 1), sums * w);   // overwritten, not added to
                products.weightGradient(dG, x, rows, inputs, w, withBias, dWT);
                for (int i = 0; i < sums; i++) {
                    for (int g = 0; g < w; g++) {
                        double sum = 0, magnitude = 0;
                        for (int r = 0; r < rows; r++) {
                            double xi = i < inputs ? x[r * inputs + i] : 1.0;
                            sum += dG[r * w + g] * xi;
                            magnitude += Math.abs(dG[r * w + g] * xi);
                        }
                        double error = Math.abs(dWT[i * w + g] - sum);
                        int fi = i, fg = g;
                        assertTrue(error <= rows * 0x1p-23 * magnitude, () -> products.getClass().getSimpleName()
                                + ": dWT[" + fi + "][" + fg + "] of " + sums + "x" + w + " over " + rows + " rows off by " + error);
                    }
                }
            }
        }
    }
}
