package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.rnnkernels.train.TorchInit;

/** One model, shared: 8 threads each run many sequences with their own state, and get the single-threaded bits. */
class ModelConcurrencyTest {

    static RecurrentModel model(CellType type, SplittableRandom random) {
        List<RecurrentLayer> layers = new ArrayList<>();
        int[] inputs = {6, 2 * 9};
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                int rows = type.gates() * 9;
                layers.add(RecurrentLayer.create(LayerWeights.of(type, inputs[k], 9)
                        .inputWeights(TorchInit.uniform(random, rows * inputs[k], 0.3f))
                        .recurrentWeights(TorchInit.uniform(random, rows * 9, 0.3f))
                        .biases(TorchInit.uniform(random, rows, 0.3f), TorchInit.uniform(random, rows, 0.3f))
                        .build()));
            }
        }
        return RecurrentModel.of(true, layers);
    }

    @Test
    void eightThreadsShareOneModel() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        try (RecurrentModel model = model(CellType.LSTM, random)) {
            int sequences = 40;
            int steps = 12;
            int batch = 3;
            float[][] inputs = new float[sequences][];
            int[][] lengths = new int[sequences][];
            float[][] expected = new float[sequences][];
            for (int s = 0; s < sequences; s++) {
                inputs[s] = TorchInit.uniform(random, steps * batch * 6, 1f);
                lengths[s] = new int[] {1 + random.nextInt(steps), steps, 1 + random.nextInt(steps)};
                expected[s] = run(model, inputs[s], lengths[s], steps, batch);
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<float[][]>> results = new ArrayList<>();
                for (int thread = 0; thread < 8; thread++) {
                    int offset = thread;
                    results.add(pool.submit(() -> {
                        float[][] out = new float[sequences][];
                        for (int i = 0; i < sequences; i++) {
                            int s = (i + offset * 5) % sequences;
                            out[s] = run(model, inputs[s], lengths[s], steps, batch);
                        }
                        return out;
                    }));
                }
                for (Future<float[][]> result : results) {
                    float[][] got = result.get();
                    for (int s = 0; s < sequences; s++) {
                        assertArrayEquals(expected[s], got[s], "sequence " + s);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // output followed by final h and c, from a fresh state
    private static float[] run(RecurrentModel model, float[] input, int[] lengths, int steps, int batch) {
        try (ModelState state = model.newState(batch)) {
            float[] out = new float[steps * batch * model.outputSize()];
            model.forward(input, steps, lengths, state, out);
            float[] h = state.hidden();
            float[] c = state.cell();
            float[] all = new float[out.length + h.length + c.length];
            System.arraycopy(out, 0, all, 0, out.length);
            System.arraycopy(h, 0, all, out.length, h.length);
            System.arraycopy(c, 0, all, out.length + h.length, c.length);
            assertTrue(Float.isFinite(all[all.length - 1]));
            return all;
        }
    }
}
