package org.rnnkernels.product;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryMatrix;
import org.rnnkernels.Fixtures;
import org.rnnkernels.train.TorchInit;

/**
 * The ternary x ternary product of every implementation in this JVM (the scalar one always, the vector one when
 * the Vector API is on) against the reference's integer dots, bit for bit, on awkward sizes; the batched products a
 * layer runs; activation ternarisation against the reference, exactly; and the FLOAT activations' product (the
 * trits on the int8 x float product) against the reference's dots.
 */
class TernaryKernelsTest {

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
        TernaryReference.Weights ref = TernaryReference.ternarizeWeights(TorchInit.uniform(new SplittableRandom(seed), rows * cols, 1f),
                rows, cols, 1, Ternarizer.DEFAULT_FACTOR);
        int words = m.wordsPerRow();
        // two samples at slots 0 and 1: the second is what the first would be at another offset
        float[] v = TorchInit.uniform(random, cols, 1f);
        float[] v2 = TorchInit.uniform(random, cols, 1f);
        long[] planes = new long[2 * 2 * words];
        TernaryKernels.ternarize(v, 0, cols, 0.4f, planes, 0, words);
        TernaryKernels.ternarize(v2, 0, cols, 0.4f, planes, 2 * words, words);
        int[] a = TernaryReference.ternarizeActivations(Fixtures.toDouble(v, 0, cols), 0.4f);
        int[] a2 = TernaryReference.ternarizeActivations(Fixtures.toDouble(v2, 0, cols), 0.4f);

        for (TernaryKernels k : implementations()) {
            String name = k.getClass().getSimpleName();
            long[] packed = k.packTernary(m);
            float[] dots = new float[2 * rows];     // scale 1: the dots themselves, small integers exact in float
            k.multiplyTernary(packed, words, 0, rows, new float[] {1f}, rows, planes, 2, dots, rows);
            for (int r = 0; r < rows; r++) {
                assertEquals(TernaryReference.dot(ref, r, a), dots[r], 0.0, name + " ternary row " + r);
                assertEquals(TernaryReference.dot(ref, r, a2), dots[rows + r], 0.0, name + " ternary row " + r + ", sample 1");
            }
            // the batched products: out[s*stride + r] = scale * dot for rows 1.. and both samples; the rest untouched
            if (rows > 1) {
                int stride = rows + 2;
                float[] out = new float[2 * stride];
                java.util.Arrays.fill(out, -7f);
                k.multiplyTernary(packed, words, 1, rows, new float[] {0.5f}, rows, planes, 2, out, stride);
                for (int s = 0; s < 2; s++) {
                    for (int r = 0; r < stride; r++) {
                        boolean written = r >= 1 && r < rows;
                        float expected = written ? 0.5f * TernaryReference.dot(ref, r, s == 0 ? a : a2) : -7f;
                        assertEquals(expected, out[s * stride + r], 0.0, name + " scaled row " + r + " sample " + s);
                    }
                }
            }
        }
    }

    /**
     * FLOAT activations: {@code (lambda alpha_k) * (T[r] · x_s)} by the int8 product over the trits, against the
     * reference's double dots, for gate blocks of their own scales, several samples, and teams of one to three
     * sharing the rows (every share the same bits).
     */
    @ParameterizedTest(name = "rows={0} cols={1} seed={2}")
    @MethodSource("cases")
    void floatActivationsAgreeWithTheReference(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int blocks = rows % 3 == 0 ? 3 : 1;
        float[] w = TorchInit.uniform(random, rows * cols, 1f);
        TernaryMatrix m = Ternarizer.standard().ternarize(w, rows, cols, blocks);
        TernaryReference.Weights ref = TernaryReference.ternarizeWeights(w, rows, cols, blocks, Ternarizer.DEFAULT_FACTOR);
        float lambda = 0.75f;
        TernaryRows product = new TernaryRows(m, false, 0.5f, lambda);
        int samples = 5;
        TernaryRows.Samples loaded = product.newSamples();
        loaded.reserve(samples);
        float[] x = TorchInit.uniform(random, samples * cols, 1f);
        for (int s = 0; s < samples; s++) {
            loaded.load(x, s * cols, s);
        }
        int stride = rows + 1;
        float[] alone = null;
        for (int members = 1; members <= 3; members++) {
            float[] out = new float[samples * stride];
            java.util.Arrays.fill(out, -7f);
            for (int member = members - 1; member >= 0; member--) {
                product.multiply(member, members, loaded, samples, out, stride);
            }
            for (int s = 0; s < samples; s++) {
                double[] xd = Fixtures.toDouble(x, s * cols, cols);
                for (int r = 0; r < rows; r++) {
                    double scale = lambda * m.scale(r / m.rowsPerBlock());
                    double expected = scale * TernaryReference.dot(ref, r, xd);
                    // CELLS.md: 1e-5 relative, of the dot's magnitude sum_j |t_j x_j| (a dot that cancels to near 0
                    // keeps the absolute rounding of its terms)
                    double magnitude = 0;
                    for (int j = 0; j < cols; j++) {
                        magnitude += Math.abs(ref.trit(r, j) * xd[j]);
                    }
                    assertEquals(expected, out[s * stride + r], 1e-5 * scale * magnitude + Float.MIN_NORMAL,
                            "row " + r + " sample " + s + ", " + members + " members");
                }
                assertEquals(-7f, out[s * stride + rows], "the column past the rows is not written");
            }
            if (alone == null) {
                alone = out;
            } else {
                org.junit.jupiter.api.Assertions.assertArrayEquals(alone, out, members + " members: one member's bits");
            }
        }
    }

    /** The kernels are the ones {@link Simd} chose: a mistyped vector class name would quietly fall back to scalar. */
    @Test
    void ternaryKernelsFollowsSimd() {
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorTernaryKernels" : "ScalarTernaryKernels", TernaryKernels.get().getClass().getSimpleName());
        assertEquals(List.of(), ImplementationLoader.fallbacks());
    }

    @Test
    void activationsMatchTheReferenceExactly() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : new int[] {1, 7, 63, 64, 65, 130}) {
            float[] v = TorchInit.uniform(random, n + 5, 1f);
            v[3] = 0.5f;       // exactly at the threshold: 0
            v[4] = -0.5f;
            v[2] = Float.NaN;  // NaN: 0
            int words = TernaryMatrix.wordsFor(n);
            long[] planes = new long[2 * words + 3];
            java.util.Arrays.fill(planes, -1L);   // every word must be overwritten, padding cleared
            TernaryKernels.ternarize(v, 5, n, 0.5f, planes, 3, words);
            int[] ref = TernaryReference.ternarizeActivations(Fixtures.toDouble(v, 5, n), 0.5);
            for (int i = 0; i < 3; i++) {
                assertEquals(-1L, planes[i], "written before its offset");
            }
            for (int j = 0; j < 64 * words; j++) {
                long bit = 1L << j;
                int w = j >>> 6;
                int t = (planes[3 + 2 * w] & bit) != 0 ? 1 : (planes[3 + 2 * w + 1] & bit) != 0 ? -1 : 0;
                assertEquals(j < n ? ref[j] : 0, t, "n=" + n + " j=" + j);
            }
        }
    }

    /**
     * The ternary x ternary product as layers call it, on the sizes where its vector form changes course: rows
     * that do not fill a group of long lanes (1 to 3 short of it, or one over), gate blocks whose scale changes
     * inside a group, row ranges that start and end inside a group (a team's split), and rows long enough for
     * several blocks of byte counters (up to 15 words each: 960, 1025, 2049 columns). Exact against the reference.
     */
    @ParameterizedTest(name = "rows={0} cols={1} blocks={2}")
    @org.junit.jupiter.params.provider.CsvSource({"15, 1025, 3", "24, 960, 3", "33, 2049, 3", "9, 1, 1", "4, 65, 4",
            "44, 130, 4", "7, 1500, 1"})
    void ternaryProductsOverGroupsBlocksAndRanges(int rows, int cols, int blocks) {
        SplittableRandom random = new SplittableRandom(rows * 7919L + cols);
        float[] w = TorchInit.uniform(random, rows * cols, 1f);
        TernaryMatrix m = Ternarizer.standard().ternarize(w, rows, cols, blocks);
        TernaryReference.Weights ref = TernaryReference.ternarizeWeights(w, rows, cols, blocks, Ternarizer.DEFAULT_FACTOR);
        int words = m.wordsPerRow();
        int samples = 3;
        long[] planes = new long[samples * 2 * words];
        int[][] a = new int[samples][];
        for (int s = 0; s < samples; s++) {
            // thresholds 0.1 / 0.5 / 0.9: dense, a third, sparse activations
            float delta = 0.1f + 0.4f * s;
            float[] v = TorchInit.uniform(random, cols, 1f);
            TernaryKernels.ternarize(v, 0, cols, delta, planes, s * 2 * words, words);
            a[s] = TernaryReference.ternarizeActivations(Fixtures.toDouble(v, 0, cols), delta);
        }
        int blockRows = rows / blocks;
        float[] scales = new float[blocks];
        for (int k = 0; k < blocks; k++) {
            scales[k] = 0.25f * (k + 1);
        }
        for (TernaryKernels k : implementations()) {
            String name = k.getClass().getSimpleName();
            long[] packed = k.packTernary(m);
            long[] plus = new long[rows * words];
            long[] minus = new long[rows * words];
            k.unpackTernary(packed, rows, words, plus, minus);
            assertEquals(java.util.Arrays.toString(m.plus()), java.util.Arrays.toString(plus), name + " plus plane unpacked");
            assertEquals(java.util.Arrays.toString(m.minus()), java.util.Arrays.toString(minus), name + " minus plane unpacked");
            int[][] ranges = {{0, rows}, {1, rows - 1}, {blockRows - 1, Math.min(rows, 2 * blockRows + 1)}, {rows / 2, rows / 2 + 1}};
            for (int[] range : ranges) {
                int from = range[0], to = range[1];
                if (from >= to) {
                    continue;
                }
                int stride = rows + 1;
                float[] out = new float[samples * stride];
                java.util.Arrays.fill(out, -7f);
                k.multiplyTernary(packed, words, from, to, scales, blockRows, planes, samples, out, stride);
                for (int s = 0; s < samples; s++) {
                    for (int r = 0; r < stride; r++) {
                        float expected = r >= from && r < to ? scales[r / blockRows] * TernaryReference.dot(ref, r, a[s]) : -7f;
                        assertEquals(expected, out[s * stride + r], 0.0,
                                name + " rows " + from + ".." + to + ", row " + r + ", sample " + s);
                    }
                }
            }
        }
    }

    /** Small integers in [-limit, limit]: float sums of them are exact in any order. */
    private static float[] integers(SplittableRandom random, int n, int limit) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextInt(-limit, limit + 1);
        }
        return a;
    }
}
