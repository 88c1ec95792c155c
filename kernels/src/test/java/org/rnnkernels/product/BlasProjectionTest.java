package org.rnnkernels.product;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;

/**
 * The input projection {@code gi = X W_ih^T} split into row blocks under the BLAS's in-place bound: every
 * element agrees with a double dot to float rounding, in one call, in blocks, and in blocks shared by a team
 * of three; with a BLAS that sums each element alone (the Java BLAS) neither blocks nor teams change a bit.
 */
class BlasProjectionTest {

    @ParameterizedTest(name = "{0} BLAS")
    @ValueSource(strings = {"java", "default"})
    void rowBlocksAgreeWithOneCallAndWithEveryTeamSize(String which) {
        Blas base = which.equals("java") ? Blases.java() : Blases.get();
        int width = 3 * 37, input = 29, rows = 587;    // 587 rows: two blocks of 256 and a partial one of 75
        SplittableRandom random = new SplittableRandom(rows);
        float[] x = new float[rows * input];
        float[] w = new float[width * input];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment weights = arena.allocateFrom(ValueLayout.JAVA_FLOAT, w);
            float[] whole = project(base, weights, width, input, x, rows, 1);
            // a bound of 4.5 x 64 rows at the full width: blocks of 256 rows
            SmallBoundBlas blocked = new SmallBoundBlas(base, (long) (4.5 * 64 * width * input));
            float[] one = project(blocked, weights, width, input, x, rows, 1);
            assertEquals(3, blocked.sgemmCalls, "ceil(587 / 256) row blocks");
            // fewer than 256 rows under the bound: one call, no blocks
            SmallBoundBlas narrow = new SmallBoundBlas(base, (long) (3.9 * 64 * width * input));
            assertArrayEquals(whole, project(narrow, weights, width, input, x, rows, 1), "one call, as without a bound");
            assertEquals(1, narrow.sgemmCalls, "no blocks below 256 rows");
            float[] three = project(blocked, weights, width, input, x, rows, 3);
            if (which.equals("java")) {
                // (OpenBLAS sums an element differently in calls of other sizes, which the double dot below bounds)
                assertArrayEquals(whole, one, "the Java BLAS sums every row alone: blocks change no bit");
                for (int members = 2; members <= 3; members++) {
                    assertArrayEquals(one, project(blocked, weights, width, input, x, rows, members),
                            members + " members: the same blocks, each column block's bits as one member's");
                }
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < width; j++) {
                    double dot = 0, magnitude = 0;
                    for (int k = 0; k < input; k++) {
                        dot += (double) x[r * input + k] * w[j * input + k];
                        magnitude += Math.abs((double) x[r * input + k] * w[j * input + k]);
                    }
                    for (float[] gi : new float[][] {whole, one, three}) {
                        float got = gi[r * width + j];
                        assertTrue(Math.abs(got - dot) <= 1e-6 * magnitude + 1e-30,
                                "gi[" + r + "][" + j + "] = " + got + ", expected " + dot);
                    }
                }
            }
        }
    }

    private static float[] project(Blas blas, MemorySegment weights, int width, int input, float[] x, int rows,
                                   int members) {
        BlasProjection projection = new BlasProjection(blas, weights, width, input);
        InputProjection.Bound bound = projection.bind(members);
        Scratch gi = new Scratch("gi");
        gi.reserve((long) rows * width);
        bound.prepare(MemorySegment.ofArray(x), rows, gi);
        for (int m = 0; m < members; m++) {
            bound.project(m, members);
        }
        bound.finish();
        return java.util.Arrays.copyOf(gi.array(), rows * width);
    }
}
