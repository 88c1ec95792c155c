package org.rnnkernels.product;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The input projection by the panel product: every element agrees with a double dot to float rounding, and
 * its bits do not depend on how the call is cut: the rows of a call one at a time (streaming), a team of
 * two or three splitting the panels, the input read in place from an offset into the caller's array or
 * copied from a native segment. Widths around whole panels, inputs of 1 and around the vector length, rows
 * from 1 to several hundred.
 */
class PanelProjectionTest {

    @ParameterizedTest(name = "width={0} input={1} rows={2}")
    @CsvSource({"1, 1, 1", "63, 7, 5", "64, 16, 256", "65, 17, 257", "111, 29, 587", "192, 33, 3", "197, 15, 600"})
    void everyWayOfCuttingTheCallGivesTheSameBits(int width, int input, int rows) {
        PanelProduct panels = PanelProduct.get();
        assumeTrue(panels != null, "the panel product exists only with the Vector API");
        SplittableRandom random = new SplittableRandom(31L * width + rows);
        float[] w = new float[width * input];
        float[] x = new float[3 + rows * input];        // the call's rows start 3 floats into the caller's array
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        PanelProjection projection = new PanelProjection(panels, w, width, input);
        MemorySegment inPlace = MemorySegment.ofArray(x).asSlice(3L * Float.BYTES);
        float[] whole = project(projection, inPlace, rows, width, 1);

        for (int members = 2; members <= 3; members++) {
            assertArrayEquals(whole, project(projection, inPlace, rows, width, members), members + " members");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate((long) rows * input * Float.BYTES);
            MemorySegment.copy(inPlace, 0, copy, 0, copy.byteSize());
            assertArrayEquals(whole, project(projection, copy, rows, width, 1), "a native input, copied");
        }
        for (int r = 0; r < rows; r += Math.max(1, rows / 7)) {
            float[] alone = project(projection, inPlace.asSlice((long) r * input * Float.BYTES), 1, width, 1);
            assertArrayEquals(Arrays.copyOfRange(whole, r * width, (r + 1) * width), alone, "row " + r + " alone");
        }

        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                double dot = 0, magnitude = 0;
                for (int k = 0; k < input; k++) {
                    double term = (double) x[3 + r * input + k] * w[j * input + k];
                    dot += term;
                    magnitude += Math.abs(term);
                }
                float got = whole[r * width + j];
                // a float FMA chain of length `input`: within `input` ulps of the sum of magnitudes
                assertTrue(Math.abs(got - dot) <= input * Math.ulp((float) magnitude) + Float.MIN_NORMAL,
                        "gi[" + r + "][" + j + "] = " + got + ", expected " + dot);
            }
        }
    }

    private static float[] project(PanelProjection projection, MemorySegment x, int rows, int width, int members) {
        InputProjection.Bound bound = projection.bind(members);
        Scratch gi = new Scratch("gi");
        gi.reserve((long) rows * width);
        Arrays.fill(gi.array(), Float.NaN);          // every element must be written
        bound.prepare(x, rows, gi);
        for (int m = 0; m < members; m++) {
            bound.project(m, members);
        }
        bound.finish();
        return Arrays.copyOf(gi.array(), rows * width);
    }
}
