package org.rnnkernels.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.HashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.io.ModelFiles;

/** The batched step, without Flink: gathered and scattered per-key states give what per-key steps give. */
class BatchStepperTest {
    @TempDir
    Path dir;

    /**
     * Events of {@code keys} keys in batches of {@code batch} distinct keys (each key once a batch, in
     * order), through gather, one batched step, scatter: the outputs of every event against the
     * library's one-key-at-a-time run.
     */
    private double batchedAgainstReference(CellType cell, int layers, int batch) throws IOException {
        int inputSize = 3;
        int keys = 7;
        int count = 7 * 6;
        Path file = StreamFixtures.modelFile(dir, cell, layers, inputSize, 5, 11);
        LinearHead head = LinearHead.of(new float[] {0.5f, -1f, 0.25f, 2f, 1f}, 0.1f);
        Map<String, float[]> expected = StreamFixtures.reference(file, count, keys, head);
        Map<String, float[]> actual = new HashMap<>();
        Map<Long, float[]> states = new HashMap<>();
        RecurrentModel model = ModelFiles.load(file);
        StateLayout layout = StateLayout.of(model);
        try (BatchStepper stepper = new BatchStepper(model, layout, batch)) {
            // Round robin over keys: a window of `batch` consecutive events has distinct keys when batch <= keys.
            for (int start = 0; start < count; start += batch) {
                int n = Math.min(batch, count - start);
                BatchStepper.Batch b = stepper.batch(n);
                StreamFixtures.TestEvent[] events = new StreamFixtures.TestEvent[n];
                for (int r = 0; r < n; r++) {
                    events[r] = StreamFixtures.event(start + r, keys, inputSize);
                    System.arraycopy(events[r].x, 0, b.input, r * inputSize, inputSize);
                    stepper.gather(b, r, states.get(events[r].key));
                }
                stepper.step(b);
                for (int r = 0; r < n; r++) {
                    float[] s = states.computeIfAbsent(events[r].key, k -> new float[layout.length()]);
                    stepper.scatter(b, r, s);
                    float[] row = new float[6];
                    System.arraycopy(b.output, r * 5, row, 0, 5);
                    row[5] = head.score(b.output, r * 5);
                    actual.put(events[r].key + "#" + events[r].seq, row);
                }
            }
        }
        return StreamFixtures.maxDifference(expected, actual);
    }

    @Test
    void batchesOfOneAreTheLibrarysStepsBitForBit() throws IOException {
        assertEquals(0.0, batchedAgainstReference(CellType.GRU, 2, 1));
        assertEquals(0.0, batchedAgainstReference(CellType.LSTM, 2, 1));
    }

    /**
     * With the Java GEMM (this module's tests: see its pom) a row's bits depend on that row alone, not
     * on the batch it was in nor its place there: what lets a replayed job reproduce a clean run bit for
     * bit however its batches were cut. With OpenBLAS they agree to float rounding.
     */
    @Test
    void batchesOfManyKeysAgreeWithPerKeySteps() throws IOException {
        boolean openBlas = Blases.get() instanceof OpenBlas;
        for (CellType cell : new CellType[] {CellType.GRU, CellType.LSTM, CellType.RNN_TANH}) {
            for (int batch : new int[] {2, 5, 7}) {
                double d = batchedAgainstReference(cell, 2, batch);
                assertTrue(d <= (openBlas ? 1e-6 : 0.0), cell + " batch " + batch + ", " + Blases.get().info() + ": max difference " + d);
            }
        }
    }

    @Test
    void aBidirectionalModelIsRefused() throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        try (RecurrentModel bi = RecurrentModel.of(true, java.util.List.of(
                org.rnnkernels.train.TorchInit.layer(CellType.GRU, 2, 3, random, Blases.get()),
                org.rnnkernels.train.TorchInit.layer(CellType.GRU, 2, 3, random, Blases.get())))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateLayout.of(bi));
            assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
        }
    }
}
