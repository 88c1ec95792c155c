package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.rnnkernels.train.Loss.Over;

/**
 * Losses against hand-computed values and against central finite differences of a plain double
 * implementation written here (independent of the code under test).
 */
class LossTest {
    private static final int T = 4;
    private static final int B = 3;
    private static final int K = 5;

    @Test
    void meanSquaredErrorByHand() {
        // y = [1, 3], target = [0, 1]: L = (1 + 4) / 2 = 2.5, dL/dy = 2 (y - t) / 2 = [1, 2]
        float[] grad = new float[2];
        double loss = new MeanSquaredError(1, Over.EVERY_STEP).compute(new float[] {1, 3}, 1, 2, new float[] {0, 1}, null, grad);
        assertEquals(2.5, loss, 1e-12);
        assertArrayEquals(new float[] {1, 2}, grad);
        // K = 2, one position: mean over the K outputs too, as PyTorch: ((2-0)^2 + (0-1)^2) / 2 = 2.5
        float[] grad2 = new float[2];
        loss = new MeanSquaredError(2, Over.EVERY_STEP).compute(new float[] {2, 0}, 1, 1, new float[] {0, 1}, null, grad2);
        assertEquals(2.5, loss, 1e-12);
        assertArrayEquals(new float[] {2, -1}, grad2);
    }

    @Test
    void crossEntropyByHand() {
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(2, Over.EVERY_STEP);
        float[] grad = new float[2];
        // equal logits: L = ln 2, dL/dz = softmax - onehot = [0.5 - 1, 0.5]
        assertEquals(Math.log(2), ce.compute(new float[] {0, 0}, 1, 1, new int[] {0}, null, grad), 1e-12);
        assertArrayEquals(new float[] {-0.5f, 0.5f}, grad);
        // huge logits must not overflow (log-sum-exp): softmax = [1, 0], L = 1000 - 0 = 1000
        assertEquals(1000, ce.compute(new float[] {1000, 0}, 1, 1, new int[] {1}, null, grad), 1e-9);
        assertArrayEquals(new float[] {1, -1}, grad);
        // and no underflow to -inf: logits -1000 and -1001, target 0: L = log(1 + e^-1) = 0.31326...
        assertEquals(Math.log1p(Math.exp(-1)), ce.compute(new float[] {-1000, -1001}, 1, 1, new int[] {0}, null, grad), 1e-9);
        // three classes, logits [1, 2, 3], target 2: L = log(e + e^2 + e^3) - 3 = 0.40760596...
        SoftmaxCrossEntropy ce3 = new SoftmaxCrossEntropy(3, Over.EVERY_STEP);
        float[] grad3 = new float[3];
        assertEquals(0.40760596444438013, ce3.compute(new float[] {1, 2, 3}, 1, 1, new int[] {2}, null, grad3), 1e-7);
        assertArrayEquals(new float[] {0.09003057f, 0.24472847f, 0.66524096f - 1}, grad3, 1e-7f);
    }

    @Test
    void meanSquaredErrorMatchesFiniteDifferences() {
        for (Over over : Over.values()) {
            for (float[] mask : new float[][] {null, mask()}) {
                SplittableRandom random = new SplittableRandom(11);
                float[] y = TorchInit.uniform(random, T * B * K, 2);
                float[] target = TorchInit.uniform(random, over == Over.EVERY_STEP ? T * B * K : B * K, 2);
                float[] grad = new float[y.length];
                double loss = new MeanSquaredError(K, over).compute(y, T, B, target, mask, grad);
                ToDoubleFunction<double[]> reference = z -> referenceMse(z, target, mask, over);
                checkAgainstReference(y, grad, loss, reference, over + " mask=" + (mask != null));
            }
        }
    }

    @Test
    void crossEntropyMatchesFiniteDifferences() {
        for (Over over : Over.values()) {
            for (float[] mask : new float[][] {null, mask()}) {
                SplittableRandom random = new SplittableRandom(12);
                float[] z = TorchInit.uniform(random, T * B * K, 4);
                int[] target = new int[over == Over.EVERY_STEP ? T * B : B];
                for (int i = 0; i < target.length; i++) {
                    target[i] = random.nextInt(K);
                }
                if (mask != null && over == Over.EVERY_STEP) {
                    target[5] = -1;      // masked position (t=1, b=2: sample 2 has one step): its target is not read
                }
                float[] grad = new float[z.length];
                double loss = new SoftmaxCrossEntropy(K, over).compute(z, T, B, target, mask, grad);
                ToDoubleFunction<double[]> reference = x -> referenceCrossEntropy(x, target, mask, over);
                checkAgainstReference(z, grad, loss, reference, over + " mask=" + (mask != null));
            }
        }
    }

    @Test
    void lastStepFollowsTheMask() {
        // sample lengths 4, 2, 1: only those steps' outputs get a gradient
        float[] mask = mask();
        float[] y = TorchInit.uniform(new SplittableRandom(3), T * B * K, 1);
        float[] grad = new float[y.length];
        Arrays.fill(grad, 7f);
        new MeanSquaredError(K, Over.LAST_STEP).compute(y, T, B, new float[B * K], mask, grad);
        int[] last = {3, 1, 0};
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                for (int k = 0; k < K; k++) {
                    float g = grad[(t * B + b) * K + k];
                    if (t == last[b]) {
                        assertEquals(2 * y[(t * B + b) * K + k] / (B * K), g, 1e-7, "t=" + t + " b=" + b);
                    } else {
                        assertEquals(0f, g, "t=" + t + " b=" + b);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeTheGradientIsWritten() {
        MeanSquaredError mse = new MeanSquaredError(K, Over.EVERY_STEP);
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(K, Over.LAST_STEP);
        float[] y = new float[T * B * K];
        float[] grad = new float[T * B * K];
        Arrays.fill(grad, 42f);
        rejects(() -> mse.compute(new float[5], T, B, new float[T * B * K], null, grad), "output", "[T=4][B=3][K=5]", "60");
        rejects(() -> mse.compute(y, T, B, new float[B * K], null, grad), "target", "[T=4][B=3][K=5]");
        rejects(() -> mse.compute(y, T, B, new float[T * B * K], null, new float[3]), "gradOutput", "60");
        rejects(() -> mse.compute(y, T, B, new float[T * B * K], new float[T * B], grad), "mask", "all 0");
        float[] half = new float[T * B];
        half[4] = 0.5f;
        rejects(() -> mse.compute(y, T, B, new float[T * B * K], half, grad), "mask[4]", "0.5", "0 or 1");
        rejects(() -> mse.compute(y, 0, B, new float[0], null, grad), "steps");
        rejects(() -> ce.compute(y, T, B, new int[] {0, 5, 1}, null, grad), "target[1]", "[0, 5)");
        rejects(() -> ce.compute(y, T, B, new int[T * B], null, grad), "target", "[B=3]");
        float[] noStepForSample2 = mask();
        noStepForSample2[2] = 0f;
        rejects(() -> ce.compute(y, T, B, new int[B], noStepForSample2, grad), "b=2");
        rejects(() -> new SoftmaxCrossEntropy(0, Over.LAST_STEP), "outputs");
        rejects(() -> new MeanSquaredError(1, null), "over");
        float[] untouched = new float[T * B * K];
        Arrays.fill(untouched, 42f);
        assertArrayEquals(untouched, grad);
    }

    // Lengths 4, 2, 1 for samples 0, 1, 2: mask[t][b] = 1 for t < length(b).
    private static float[] mask() {
        int[] lengths = {4, 2, 1};
        float[] mask = new float[T * B];
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                mask[t * B + b] = t < lengths[b] ? 1 : 0;
            }
        }
        return mask;
    }

    // Loss value vs the double reference; gradient vs central differences of the reference (in double).
    private static void checkAgainstReference(float[] x, float[] grad, double loss, ToDoubleFunction<double[]> reference, String what) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = x[i];
        }
        assertEquals(reference.applyAsDouble(z), loss, 1e-9 * Math.max(1, Math.abs(loss)), what);
        double h = 1e-5;
        for (int i = 0; i < z.length; i++) {
            double keep = z[i];
            z[i] = keep + h;
            double plus = reference.applyAsDouble(z);
            z[i] = keep - h;
            double minus = reference.applyAsDouble(z);
            z[i] = keep;
            double fd = (plus - minus) / (2 * h);
            assertEquals(fd, grad[i], 1e-6 + 1e-5 * Math.abs(fd), what + " element " + i);
        }
    }

    private static boolean counts(float[] mask, Over over, int t, int b) {
        if (over == Over.EVERY_STEP) {
            return mask == null || mask[t * B + b] == 1;
        }
        int last = T - 1;
        while (mask != null && mask[last * B + b] == 0) {
            last--;
        }
        return t == last;
    }

    private static double referenceMse(double[] y, float[] target, float[] mask, Over over) {
        double sum = 0;
        int n = 0;
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                if (!counts(mask, over, t, b)) {
                    continue;
                }
                n++;
                for (int k = 0; k < K; k++) {
                    double d = y[(t * B + b) * K + k] - target[(over == Over.EVERY_STEP ? t * B + b : b) * K + k];
                    sum += d * d;
                }
            }
        }
        return sum / (n * K);
    }

    // -log(exp(z_c) / sum_k exp(z_k)), summed plainly (the test's logits are small)
    private static double referenceCrossEntropy(double[] z, int[] target, float[] mask, Over over) {
        double sum = 0;
        int n = 0;
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                if (!counts(mask, over, t, b)) {
                    continue;
                }
                n++;
                int from = (t * B + b) * K;
                double denominator = 0;
                for (int k = 0; k < K; k++) {
                    denominator += Math.exp(z[from + k]);
                }
                int c = target[over == Over.EVERY_STEP ? t * B + b : b];
                sum -= Math.log(Math.exp(z[from + c]) / denominator);
            }
        }
        return sum / n;
    }

    static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' does not mention '" + fragment + "'");
        }
    }
}
