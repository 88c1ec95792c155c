package org.rnnkernels.cell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.train.TorchInit;

/** The leaky RAG-minimal with slope 0 is RAG-minimal to the bit; with its slope it is another cell. */
class RagMinimalLeakyTest {

    @Test
    void slopeZeroIsRagMinimalBitForBit() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 257, rows = 3;
        for (int trial = 0; trial < 50; trial++) {
            float[] gi = TorchInit.uniform(random, rows * 2 * n, 3), gh = TorchInit.uniform(random, rows * 2 * n, 3);
            float[] bias = TorchInit.uniform(random, 2 * n, 1), h = TorchInit.uniform(random, rows * n, 1.5f);
            float[] plain = new float[rows * n], leaky = new float[rows * n], leak = new float[rows * n];
            for (int b = 0; b < rows; b++) {
                RagMinimal.row(0, n, n, gi, b * 2 * n, gh, b * 2 * n, bias, h, b * n, plain, b * n, null, 0);
                RagMinimalLeaky.row(0f, 0, n, n, gi, b * 2 * n, gh, b * 2 * n, bias, h, b * n, leaky, b * n, null, 0);
                RagMinimalLeaky.row(RagMinimalLeaky.LEAK, 0, n, n, gi, b * 2 * n, gh, b * 2 * n, bias, h, b * n, leak, b * n, null, 0);
            }
            assertArrayEquals(plain, leaky);
            assertFalse(Arrays.equals(plain, leak), "the slope changes something");
        }
    }

    @Test
    void leakIsAPowerOfTwo() {
        float l = RagMinimalLeaky.LEAK;
        assertTrue(l > 0 && l < 1 && l == Math.scalb(1f, Math.getExponent(l)), "exact as a shift in fixed point: " + l);
    }

}
