package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;

/** EvNN's threshold initialisation ({@link TorchInit#evnnThresholds}): Beta(3m/(1-m), 3), mean m. */
class EgruThresholdInitTest {

    /** The sample's mean and variance against Beta's, {@code alpha < 1} included (m = 0.05). */
    @ParameterizedTest
    @ValueSource(doubles = {0.05, 0.2, 0.3, 0.7})
    void drawsHaveTheBetaDistributionsMoments(double m) {
        for (long seed = 1; seed <= 3; seed++) {
            int n = 40_000;
            float[] theta = TorchInit.evnnThresholds(n, m, new SplittableRandom(seed));
            double beta = 3, alpha = beta * m / (1 - m);
            double variance = alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1));
            double sum = 0, squares = 0;
            for (float t : theta) {
                assertTrue(t >= TrainingLayer.MIN_THRESHOLD && t < 1, "theta " + t);
                sum += t;
            }
            double mean = sum / n;
            for (float t : theta) {
                squares += (t - mean) * (t - mean);
            }
            // 5 standard errors of the mean; the variance to 5%
            assertEquals(m, mean, 5 * Math.sqrt(variance / n), "m = " + m + " seed " + seed + ": mean");
            assertEquals(variance, squares / (n - 1), 0.05 * variance, "m = " + m + " seed " + seed + ": variance");
        }
    }

    /** {@link TorchInit#egru} draws the weights as {@link TorchInit#weights} does, then EvNN's thresholds. */
    @Test
    void egruWeightsAreTorchsWithEvnnThresholds() {
        LayerWeights uniform = TorchInit.weights(CellType.EGRU, 5, 13, new SplittableRandom(9));
        LayerWeights evnn = TorchInit.egru(5, 13, TorchInit.EVNN_THRESHOLD_MEAN, new SplittableRandom(9));
        assertArrayEquals(uniform.inputWeights(), evnn.inputWeights());
        assertArrayEquals(uniform.recurrentWeights(), evnn.recurrentWeights());
        assertArrayEquals(uniform.inputBias(), evnn.inputBias());
        assertArrayEquals(uniform.recurrentBias(), evnn.recurrentBias());
        SplittableRandom after = new SplittableRandom(9);
        TorchInit.weights(CellType.GRU, 5, 13, after);   // the same draws as the EGRU's weights
        assertArrayEquals(TorchInit.evnnThresholds(13, TorchInit.EVNN_THRESHOLD_MEAN, after), evnn.thresholds());
        assertFalse(Arrays.equals(uniform.thresholds(), evnn.thresholds()));
    }

    @Test
    void badMeanRefused() {
        for (double m : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> TorchInit.evnnThresholds(4, m, new SplittableRandom(1)), "m = " + m);
            assertThrows(IllegalArgumentException.class, () -> TorchInit.egru(3, 4, m, new SplittableRandom(1)), "m = " + m);
        }
    }
}
