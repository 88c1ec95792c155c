package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MnistCommandTest {

    @Test
    void thePermutedTaskReadsEveryPixelOnceInAFixedOrder() {
        int[] p = MnistCommand.permutation(784, MnistCommand.PERMUTATION_SEED);
        assertArrayEquals(p, MnistCommand.permutation(784, MnistCommand.PERMUTATION_SEED), "the same order every run");
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i], "a permutation of the 784 pixels");
        }
        int fixedPoints = 0;
        for (int i = 0; i < p.length; i++) {
            fixedPoints += p[i] == i ? 1 : 0;
        }
        // a uniform permutation has about one fixed point; the identity (or a failed shuffle) has 784
        assertNotEquals(784, fixedPoints);
        assertEquals(true, fixedPoints < 10, fixedPoints + " pixels stay in place");
    }

    @Test
    void tasksCutADigitIntoItsSteps() {
        assertEquals(28, MnistCommand.Task.ROWS.steps);
        assertEquals(28, MnistCommand.Task.ROWS.input);
        assertEquals(784, MnistCommand.Task.PERMUTED.steps);
        assertEquals(1, MnistCommand.Task.PERMUTED.input);
        assertEquals(MnistCommand.Task.PERMUTED, new MnistCommand.TaskConverter().convert(" Permuted"));
    }
}
