package org.rnnkernels.product;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The panel product on its own: every batch size groups its samples differently (fours where the CPU has
 * 32 vector registers, pairs, a single one), and every grouping must give each sample the bits it gets
 * alone; panel ranges split as a team splits them give the same bits; and the product agrees with a
 * double-precision dot to float rounding. Rows around whole panels, so full and partial panels both run.
 */
class PanelProductTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        // around one and two whole panels (the panel's rows depend on the vector width and the register file)
        int panel = panelRows(PanelProduct.get());
        for (int rows : new int[] {1, panel - 1, panel, panel + 1, 2 * panel - 1, 2 * panel + 1, 197}) {
            for (int cols : new int[] {1, 7, 33}) {
                for (int batch : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17}) {
                    cases.add(Arguments.of(rows, cols, batch, 31L * rows + 7L * cols + batch));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "rows={0} cols={1} batch={2}")
    @MethodSource("cases")
    void everyGroupingGivesEachSampleItsOwnBits(int rows, int cols, int batch, long seed) {
        PanelProduct panels = PanelProduct.get();
        assumeTrue(panels != null, "the panel product exists only with the Vector API");
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * cols];
        float[] x = new float[3 + batch * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        float[] packed = panels.pack(w, rows, cols);
        int count = panels.panels(rows);
        float[] y = new float[batch * rows];
        panels.multiply(packed, rows, cols, batch, x, 3, y, 0, 0, count);

        for (int b = 0; b < batch; b++) {
            // alone, written 5 floats into its array (a projection's row block): nothing before them touched
            float[] alone = new float[5 + rows];
            panels.multiply(packed, rows, cols, 1, x, 3 + b * cols, alone, 5, 0, count);
            assertArrayEquals(new float[5], Arrays.copyOf(alone, 5), "before yOffset");
            float[] inBatch = Arrays.copyOfRange(y, b * rows, (b + 1) * rows);
            assertArrayEquals(Arrays.copyOfRange(alone, 5, 5 + rows), inBatch, "sample " + b + " of " + batch + ": the same bits as alone");
            for (int r = 0; r < rows; r++) {
                double dot = 0;
                double scale = 0;
                for (int k = 0; k < cols; k++) {
                    dot += (double) w[r * cols + k] * x[3 + b * cols + k];
                    scale += Math.abs((double) w[r * cols + k] * x[3 + b * cols + k]);
                }
                // A float FMA chain of length cols: within cols ulps of the sum of magnitudes.
                assertEquals(dot, inBatch[r], cols * Math.ulp((float) scale) + Float.MIN_NORMAL, "row " + r + " sample " + b);
            }
        }

        float[] split = new float[batch * rows];
        int half = count / 2;
        panels.multiply(packed, rows, cols, batch, x, 3, split, 0, half, count);
        panels.multiply(packed, rows, cols, batch, x, 3, split, 0, 0, half);
        assertArrayEquals(y, split, "panel ranges computed apart, as a team's members do");

        // Walked last to first (every other step of a recurrent product): the same bits, and nothing outside the range
        float[] down = new float[batch * rows];
        panels.multiplyDescending(packed, rows, cols, batch, x, 3, down, 0, 0, count);
        assertArrayEquals(y, down, "panels walked last to first");
        int panelRows = panelRows(panels);
        float[] upper = new float[batch * rows];
        Arrays.fill(upper, Float.NaN);
        panels.multiplyDescending(packed, rows, cols, batch, x, 3, upper, 0, half, count);
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                float expected = r < half * panelRows ? Float.NaN : y[b * rows + r];
                assertEquals(expected, upper[b * rows + r], 0f, "descending over panels " + half + ".." + count + ": row " + r);
            }
        }
    }

    /** Rows a panel holds (64 when there is no panel product: the cases are skipped then). */
    static int panelRows(PanelProduct panels) {
        if (panels == null) {
            return 64;
        }
        int rows = 1;
        while (panels.panels(rows + 1) == 1) {
            rows++;
        }
        return rows;
    }

    @ParameterizedTest(name = "rows={0} cols={1}")
    @MethodSource("cases")
    void packingTheTransposeDirectlyEqualsPackingATransposedCopy(int rows, int cols, int batch, long seed) {
        PanelProduct panels = PanelProduct.get();
        assumeTrue(panels != null && batch == 1, "with the Vector API, once per matrix shape");
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        float[] t = new float[cols * rows];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = w[r * cols + k];
            }
        }
        float[] expected = panels.pack(t, cols, rows);
        float[] packed = panels.pack(new float[cols * rows], cols, rows);   // zero padding, as a training layer's
        panels.packTransposedInto(w, rows, cols, packed);
        assertArrayEquals(expected, packed);
    }
}
