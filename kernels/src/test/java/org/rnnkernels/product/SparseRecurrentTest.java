package org.rnnkernels.product;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * EGRU's recurrent product over steps of every activity: the column walk on sparse steps, the panel product on
 * dense ones ({@link SparseRecurrent#denseFrom}; without the Vector API all walk the columns), one after the other
 * on the same state as a layer's steps come. Each step agrees with a double-precision product to float rounding,
 * and gives the column walk's values over the same lists, and reports the weights it reads. Sizes around the vector lengths and past one column
 * tile; a team of two splits each step.
 */
class SparseRecurrentTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int hidden : new int[] {1, 7, 15, 16, 17, 33, 64, 257, 400}) {
            for (int batch : new int[] {1, 2, 3, 5, 17}) {
                cases.add(Arguments.of(hidden, batch, 131L * hidden + batch));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "H={0} B={1}")
    @MethodSource("cases")
    void everyActivityAgreesWithTheColumnWalkAndADoubleProduct(int hidden, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int width = 3 * hidden;   // rows: past one 1024-row column tile from H = 342
        float[] w = new float[width * hidden];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextDouble(-1, 1);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(ValueLayout.JAVA_FLOAT, w.length);
            MemorySegment.copy(w, 0, segment, ValueLayout.JAVA_FLOAT, 0, w.length);
            SparseRecurrent product = new SparseRecurrent(w, segment, width, hidden);
            float[] y = new float[batch * hidden];
            float[] gh = new float[batch * width];
            Activity activity = new Activity();
            RecurrentProduct.Bound bound = product.bind(new RecurrentProduct.StepBuffers(batch, hidden, y,
                    MemorySegment.ofArray(y), gh, MemorySegment.ofArray(gh), activity, null));
            ColumnProduct columns = ColumnProduct.get();
            float[] tiles = columns.pack(w, width, hidden);
            int[] active = new int[batch * hidden];
            int[] count = new int[batch];
            float[] walked = new float[batch * width];
            // sparse and dense steps alternating, so a state switches both ways
            for (double fraction : new double[] {0, 1, 0.05, 0.5, 1, 0.2, 0.9, 0}) {
                int nonzero = 0;
                for (int i = 0; i < y.length; i++) {
                    y[i] = random.nextDouble() < fraction ? (float) random.nextDouble(-1, 1) : 0f;
                    nonzero += y[i] != 0f ? 1 : 0;
                }
                boolean dense = nonzero >= SparseRecurrent.denseFrom(batch, hidden, PanelProduct.get());
                Arrays.fill(gh, Float.NaN);
                bound.prepare(batch);
                bound.multiply(batch, 1, 2);
                bound.multiply(batch, 0, 2);
                bound.finish(batch, 0, hidden);
                assertEquals(nonzero, Math.round(activity.lastStepFraction() * batch * hidden), "nonzeros counted");
                // what the step reads, which the layer weighs against a team's hand-off: the listed columns, or all
                // of W once for each tile of samples the panels share a load among
                long reads = dense ? (long) width * hidden * Math.ceilDiv(batch, PanelProduct.get().samplesPerTile())
                        : (long) nonzero * width;
                assertEquals(reads, bound.weightReads(batch), "weights read");

                SparseRecurrent.listNonzeros(y, batch, hidden, active, count);
                columns.multiply(tiles, width, hidden, batch, y, active, count, walked, 0, width);
                String step = "activity " + fraction + (dense ? " (panels)" : " (column walk)");
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < width; r++) {
                        double dot = 0;
                        double scale = 0;
                        for (int j = 0; j < hidden; j++) {
                            dot += (double) w[r * hidden + j] * y[b * hidden + j];
                            scale += Math.abs((double) w[r * hidden + j] * y[b * hidden + j]);
                        }
                        double rounding = hidden * Math.ulp((float) scale) + Float.MIN_NORMAL;
                        float got = gh[b * width + r];
                        assertEquals(dot, got, rounding, step + ": row " + r + " sample " + b);
                        // delta 0: the same value (a zero's sign may differ: the panels add w * 0 terms)
                        assertEquals(walked[b * width + r], got, 0,
                                step + ": as the column walk, row " + r + " sample " + b);
                    }
                }
            }
        }
    }

    /**
     * Where the walks cross: a step whose units are all active goes to the panels, one with a twentieth of them
     * does not; without the panel product (no Vector API) or above its largest batch, none does.
     */
    @Test
    void denseStepsGoToThePanels() {
        PanelProduct panels = PanelProduct.get();
        for (int hidden : new int[] {64, 256, 1024}) {
            for (int batch : new int[] {1, 2, 4, 16, 64, 65}) {
                long from = SparseRecurrent.denseFrom(batch, hidden, panels);
                String shape = "H=" + hidden + " B=" + batch;
                if (panels == null || batch > panels.maxBatch()) {
                    assertEquals(Long.MAX_VALUE, from, shape + ": no panels, no dense step");
                    continue;
                }
                assertTrue(from <= (long) batch * hidden, shape + ": all active goes to the panels");
                assertTrue(from > (long) batch * hidden / 20, shape + ": 5% active walks the columns");
            }
        }
    }
}
