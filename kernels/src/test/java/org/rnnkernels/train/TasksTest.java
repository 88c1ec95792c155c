package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnkernels.train.LossTest.rejects;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The task generators: layout, targets, the adding problem's baseline, determinism. */
class TasksTest {

    @Test
    void addingHasOneMarkerPerHalfAndTargetsTheirSum() {
        for (int steps : new int[] {2, 7, 100}) {
            Tasks.Adding task = Tasks.adding(steps, 1L);
            int batch = 33;
            float[] inputs = new float[steps * batch * 2];
            float[] targets = new float[batch];
            Arrays.fill(inputs, -5f);
            task.next(batch, inputs, targets);
            int half = steps / 2;
            for (int b = 0; b < batch; b++) {
                int first = 0;
                int second = 0;
                double sum = 0;
                for (int t = 0; t < steps; t++) {
                    float value = inputs[(t * batch + b) * 2];
                    float marker = inputs[(t * batch + b) * 2 + 1];
                    assertTrue(value >= 0 && value <= 1, "value " + value);
                    assertTrue(marker == 0 || marker == 1, "marker " + marker);
                    if (marker == 1) {
                        sum += value;
                        if (t < half) {
                            first++;
                        } else {
                            second++;
                        }
                    }
                }
                assertEquals(1, first, "T=" + steps + " b=" + b + ": markers in the first half");
                assertEquals(1, second, "T=" + steps + " b=" + b + ": markers in the second half");
                assertEquals(sum, targets[b], 1e-6);
            }
        }
    }

    @Test
    void addingBaselineMseIsAboutOneSixth() {
        Tasks.Adding task = Tasks.adding(20, 2L);
        int batch = 1000;
        float[] inputs = new float[20 * batch * 2];
        float[] targets = new float[batch];
        double sum = 0;
        int samples = 0;
        for (int i = 0; i < 30; i++) {
            task.next(batch, inputs, targets);
            for (float y : targets) {
                sum += (y - 1.0) * (y - 1.0);
                samples++;
            }
        }
        // 30000 samples; the standard error of the mean of (y-1)^2 is sqrt(1/15 - 1/36)/sqrt(30000) = 0.0011
        assertEquals(Tasks.Adding.BASELINE_MSE, sum / samples, 0.005);
        assertEquals(0.1667, Tasks.Adding.BASELINE_MSE, 1e-4);
    }

    @Test
    void sameSeedSameBatches() {
        float[] a = new float[10 * 4 * 2];
        float[] b = new float[10 * 4 * 2];
        float[] ta = new float[4];
        float[] tb = new float[4];
        Tasks.adding(10, 3L).next(4, a, ta);
        Tasks.adding(10, 3L).next(4, b, tb);
        assertArrayEquals(a, b);
        assertArrayEquals(ta, tb);
        Tasks.adding(10, 4L).next(4, b, tb);
        assertFalse(Arrays.equals(a, b), "another seed, other values");

        Tasks.CopyMemory c1 = Tasks.copyMemory(3, 4, 5, 7L);
        Tasks.CopyMemory c2 = Tasks.copyMemory(3, 4, 5, 7L);
        float[] x1 = new float[c1.steps() * 2 * c1.inputSize()];
        float[] x2 = x1.clone();
        int[] y1 = new int[c1.steps() * 2];
        int[] y2 = y1.clone();
        c1.next(2, x1, y1);
        c2.next(2, x2, y2);
        assertArrayEquals(x1, x2);
        assertArrayEquals(y1, y2);
    }

    @Test
    void copyMemoryLayout() {
        int k = 4;
        int alphabet = 6;
        int delay = 9;
        int batch = 5;
        Tasks.CopyMemory task = Tasks.copyMemory(k, alphabet, delay, 11L);
        int steps = task.steps();
        int width = task.inputSize();
        assertEquals(delay + 2 * k, steps);
        assertEquals(alphabet + 2, width);
        assertEquals(alphabet + 1, task.classes());
        assertEquals(k * Math.log(alphabet) / steps, task.baselineLoss(), 1e-12);
        float[] inputs = new float[steps * batch * width];
        int[] targets = new int[steps * batch];
        Arrays.fill(targets, -1);
        task.next(batch, inputs, targets);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                int hot = -1;
                for (int c = 0; c < width; c++) {
                    float x = inputs[(t * batch + b) * width + c];
                    assertTrue(x == 0 || x == 1);
                    if (x == 1) {
                        assertEquals(-1, hot, "one-hot at t=" + t);
                        hot = c;
                    }
                }
                int target = targets[t * batch + b];
                String at = "t=" + t + " b=" + b;
                if (t < k) {
                    assertTrue(hot >= 1 && hot <= alphabet, at + ": a symbol, got channel " + hot);
                    assertEquals(hot, targets[(k + delay + t) * batch + b], at + ": reproduced at step K+D+" + t);
                    assertEquals(0, target, at + ": blank target");
                } else if (t < k + delay - 1) {
                    assertEquals(0, hot, at + ": blank input");
                    assertEquals(0, target, at + ": blank target");
                } else if (t == k + delay - 1) {
                    assertEquals(task.delimiter(), hot, at + ": delimiter");
                    assertEquals(0, target, at + ": blank target");
                } else {
                    assertEquals(0, hot, at + ": blank input while answering");
                    assertTrue(target >= 1 && target <= alphabet, at + ": a symbol target");
                }
            }
        }
        float[] mask = new float[steps * batch];
        task.answerMask(batch, mask);
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                assertEquals(t >= k + delay ? 1f : 0f, mask[t * batch + b], "mask t=" + t);
            }
        }
        // the mask and targets feed the loss as they are
        float[] logits = new float[steps * batch * task.classes()];
        double loss = new SoftmaxCrossEntropy(task.classes(), Loss.Over.EVERY_STEP).compute(logits, steps, batch, targets, mask,
                new float[logits.length]);
        assertEquals(Math.log(task.classes()), loss, 1e-9, "uniform logits over A+1 classes");
    }

    @Test
    void badArgumentsAreRejected() {
        rejects(() -> Tasks.adding(1, 0L), "steps", ">= 2");
        Tasks.Adding adding = Tasks.adding(5, 0L);
        rejects(() -> adding.next(3, new float[29], new float[3]), "inputs", "[T=5][B=3][2]", "30");
        rejects(() -> adding.next(3, new float[30], new float[2]), "targets", "[B=3]");
        rejects(() -> adding.next(0, new float[0], new float[0]), "batch");
        rejects(() -> Tasks.copyMemory(0, 8, 10, 0L), "symbols");
        rejects(() -> Tasks.copyMemory(10, 1, 10, 0L), "alphabet", ">= 2");
        rejects(() -> Tasks.copyMemory(10, 8, 0, 0L), "delay");
        Tasks.CopyMemory copy = Tasks.copyMemory(2, 3, 4, 0L);
        rejects(() -> copy.next(2, new float[8 * 2 * 5], new int[15]), "targets", "[S=8][B=2]");
        rejects(() -> copy.next(2, new float[8 * 2 * 4], new int[16]), "inputs", "[A+2=5]");
        rejects(() -> copy.answerMask(2, null), "mask", "null");
    }
}
