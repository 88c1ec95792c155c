package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.train.TorchInit;

/** Ternarisation of weights against the reference, exactly; packing; size (activations: {@code product.TernaryKernelsTest}). */
class TernarizationTest {

    @ParameterizedTest(name = "rows={0} cols={1} blocks={2} seed={3}")
    @CsvSource({"3, 1, 3, 1", "12, 7, 4, 2", "12, 64, 4, 3", "9, 65, 3, 4", "17, 257, 1, 5", "8, 127, 4, 6", "6, 63, 3, 7"})
    void weightsMatchTheReferenceExactly(int rows, int cols, int gateBlocks, long seed) {
        float[] w = TorchInit.uniform(new SplittableRandom(seed), rows * cols, 0.3f);
        for (Ternarizer.Scaling scaling : Ternarizer.Scaling.values()) {
            for (double factor : new double[] {Ternarizer.DEFAULT_FACTOR, 0.0, 1.3}) {
                Ternarizer ternarizer = new Ternarizer(factor, scaling);
                TernaryMatrix m = ternarizer.ternarize(w, rows, cols, gateBlocks);
                int blocks = scaling == Ternarizer.Scaling.PER_MATRIX ? 1 : gateBlocks;
                TernaryReference.Weights ref = TernaryReference.ternarizeWeights(w, rows, cols, blocks, factor);
                String what = scaling + " factor " + factor;
                assertEquals(blocks, m.blocks(), what);
                int nonzero = 0;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(ref.trit(r, c), m.trit(r, c), what + " t[" + r + "][" + c + "]");
                        nonzero += Math.abs(m.trit(r, c));
                    }
                }
                for (int k = 0; k < blocks; k++) {
                    assertEquals((float) ref.alphas()[k], m.scale(k), what + " alpha_" + k);
                }
                assertTrue(nonzero > 0 || factor > 1, what + ": no weight passed, the comparison proves nothing");
            }
        }
    }

    @Test
    void nothingPassingGivesAlphaZero() {
        TernaryMatrix m = Ternarizer.standard().ternarize(new float[] {0, 0, 0, 0, 1, -1}, 2, 3, 2);
        assertEquals(0f, m.scale(0));
        assertEquals(1f, m.scale(1));
        assertEquals(0, m.trit(0, 2));
        assertEquals(-1, m.trit(1, 2));
    }

    @Test
    void packedPlanesRoundTrip() {
        for (int cols : new int[] {1, 63, 64, 65, 200}) {
            float[] w = TorchInit.uniform(new SplittableRandom(cols), 6 * cols, 1f);
            TernaryMatrix m = Ternarizer.standard().ternarize(w, 6, cols, 3);
            TernaryMatrix copy = TernaryMatrix.of(6, cols, m.plus(), m.minus(), m.scales());
            assertArrayEquals(m.plus(), copy.plus());
            assertArrayEquals(m.minus(), copy.minus());
            assertArrayEquals(m.scales(), copy.scales());
            assertArrayEquals(m.toFloat(), copy.toFloat());
            assertEquals(6 * TernaryMatrix.wordsFor(cols), m.plus().length);
            for (int r = 0; r < 6; r++) {
                for (int c = 0; c < cols; c++) {
                    int t = m.trit(r, c);
                    long bit = (m.plus()[r * m.wordsPerRow() + c / 64] >>> c) & 1;
                    assertEquals(t == 1 ? 1 : 0, bit);
                    assertEquals(m.scale(r / 2) * t, m.toFloat()[r * cols + c]);
                }
            }
        }
    }

    @Test
    void sixteenTimesSmallerThanFloat32() {
        // A GRU's W_hh at H = 1024: 3072 x 1024
        TernaryMatrix m = Ternarizer.standard().ternarize(new float[3072 * 1024], 3072, 1024, 3);
        double ratio = 4.0 * 3072 * 1024 / m.bytes();
        assertTrue(ratio > 15.99 && ratio <= 16, "float32 / ternary bytes = " + ratio);
        // padding costs at most one word per plane per row
        TernaryMatrix odd = Ternarizer.standard().ternarize(new float[30 * 100], 30, 100, 3);
        assertEquals(30 * 2 * 2 * 8 + 3 * 4, odd.bytes());
    }
}
