package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rnnkernels.train.LossTest.rejects;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The head's forward and backward against a plain double implementation, on sizes that are not lane multiples. */
class LinearHeadTest {

    @Test
    void forwardAndBackwardMatchPlainDouble() {
        for (int[] shape : new int[][] {{13, 3, 7}, {64, 1, 100}, {17, 9, 33}}) {
            int h = shape[0];
            int k = shape[1];
            int n = shape[2];
            SplittableRandom random = new SplittableRandom(h * 31L + k);
            float[] w = TorchInit.uniform(random, k * h, 1);
            float[] b = TorchInit.uniform(random, k, 1);
            LinearHead head = LinearHead.of(h, k, w, b);
            // rows placed at an offset in a larger array, as the last step of a [T][B][H] output
            int hOffset = 5;
            float[] hidden = TorchInit.uniform(random, hOffset + n * h + 2, 1);
            float[] y = new float[3 + n * k];
            head.forward(hidden, hOffset, n, y, 3);
            String what = "H=" + h + " K=" + k + " N=" + n;
            double[] expectedY = new double[n * k];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < k; o++) {
                    double sum = b[o];
                    for (int j = 0; j < h; j++) {
                        sum += (double) w[o * h + j] * hidden[hOffset + r * h + j];
                    }
                    expectedY[r * k + o] = sum;
                    assertEquals(sum, y[3 + r * k + o], 1e-5 * (1 + Math.sqrt(h)), what + " y");
                }
            }

            float[] dy = TorchInit.uniform(random, n * k, 1);
            float[] dh = new float[n * h + 4];
            Arrays.fill(dh, 9f);
            head.backward(dy, 0, n, dh, 4);
            double[] dW = new double[k * h];
            double[] db = new double[k];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < k; o++) {
                    db[o] += dy[r * k + o];
                    for (int j = 0; j < h; j++) {
                        dW[o * h + j] += (double) dy[r * k + o] * hidden[hOffset + r * h + j];
                    }
                }
                for (int j = 0; j < h; j++) {
                    double sum = 0;
                    for (int o = 0; o < k; o++) {
                        sum += (double) dy[r * k + o] * w[o * h + j];
                    }
                    assertEquals(sum, dh[4 + r * h + j], 1e-5 * (1 + Math.sqrt(k)), what + " dh");
                }
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(9f, dh[i], "dh before its offset is untouched");
            }
            float[] weightGrad = head.parameters().get(0).gradient();
            float[] biasGrad = head.parameters().get(1).gradient();
            for (int i = 0; i < dW.length; i++) {
                assertEquals(dW[i], weightGrad[i], 1e-5 * (1 + Math.sqrt(n)), what + " dW");
            }
            for (int i = 0; i < k; i++) {
                assertEquals(db[i], biasGrad[i], 1e-5 * (1 + Math.sqrt(n)), what + " db");
            }
            // a second backward accumulates: the gradients double
            float[] once = weightGrad.clone();
            float[] onceBias = biasGrad.clone();
            head.backward(dy, 0, n, dh, 4);
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], weightGrad[i], 1e-6 * (1 + Math.abs(once[i])), what + " accumulated dW");
            }
            for (int i = 0; i < k; i++) {
                assertEquals(2 * onceBias[i], biasGrad[i], 1e-6 * (1 + Math.abs(onceBias[i])), what + " accumulated db");
            }
        }
    }

    @Test
    void backwardUsesTheInputTheForwardSaw() {
        SplittableRandom random = new SplittableRandom(5);
        LinearHead head = LinearHead.create(6, 2, 1L);
        float[] hidden = TorchInit.uniform(random, 3 * 6, 1);
        float[] y = new float[3 * 2];
        head.forward(hidden, 3, y);
        float[] dy = TorchInit.uniform(random, 3 * 2, 1);
        head.backward(dy, 3, new float[3 * 6]);
        float[] first = head.parameters().get(0).gradient().clone();
        Gradients.zero(head.parameters());
        head.forward(hidden, 3, y);
        Arrays.fill(hidden, 100f);      // the caller reuses its array after the forward
        head.backward(dy, 3, new float[3 * 6]);
        assertArrayEquals(first, head.parameters().get(0).gradient());
    }

    @Test
    void createUsesPyTorchsBoundsAndIsSeeded() {
        LinearHead a = LinearHead.create(100, 4, 9L);
        LinearHead b = LinearHead.create(100, 4, 9L);
        assertArrayEquals(a.weight(), b.weight());
        assertArrayEquals(a.bias(), b.bias());
        double bound = 1 / Math.sqrt(100);
        float max = 0;
        for (float x : a.weight()) {
            max = Math.max(max, Math.abs(x));
        }
        assertEquals(bound, max, 0.01, "the largest |w| of 400 draws is near the bound 1/sqrt(H)");
        for (float x : a.bias()) {
            assertEquals(0, x, bound);
        }
        assertEquals("weight", a.parameters().get(0).name());
        assertEquals("bias", a.parameters().get(1).name());
    }

    @Test
    void badArgumentsAreRejected() {
        LinearHead head = LinearHead.create(6, 2, 1L);
        assertThrows(IllegalStateException.class, () -> head.backward(new float[4], 2, new float[12]));
        rejects(() -> LinearHead.of(6, 2, new float[11], new float[2]), "weight", "[K=2][H=6]", "12");
        rejects(() -> LinearHead.of(6, 2, new float[12], null), "bias", "null", "[K=2]");
        rejects(() -> LinearHead.create(0, 2, 1L), "hiddenSize");
        rejects(() -> head.forward(new float[11], 2, new float[4]), "hidden", "[N=2][H=6]");
        rejects(() -> head.forward(new float[12], 0, 2, new float[4], 1), "output", "[N=2][K=2]", "offset 1");
        rejects(() -> head.forward(new float[12], -1, 2, new float[4], 0), "hidden");
        head.forward(new float[12], 2, new float[4]);
        rejects(() -> head.backward(new float[6], 3, new float[18]), "rows = 3", "N = 2");
        rejects(() -> head.backward(new float[4], 2, new float[11]), "gradHidden", "[N=2][H=6]");
    }

}
