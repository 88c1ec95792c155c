package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.StepAllocation;
import org.rnnkernels.blas.Blases;

/**
 * A warmed-up training step of a word-id model (embedding, LSTM, head) allocates nothing, as
 * {@link TrainingAllocationTest} checks for float models: the forward 0 bytes a call, the backward the same few
 * bytes a call (BLAS operand slices) whatever the number of steps, the optimiser's update aside (not measured here, as there).
 */
class EmbeddingAllocationTest {
    private static final int VOCABULARY = 100;
    private static final int WIDTH = 64;

    @Test
    void warmedUpWordModelStepsAllocateNothing() {
        long forward = bytes(10, false);
        long backward10 = bytes(10, true);
        long backward30 = bytes(30, true);
        assertEquals(0, forward, "bytes allocated per training forward on ids");
        assertEquals(backward10, backward30, "backward bytes grow with the steps (10 steps: " + backward10 + " a call, 30 steps: "
                + backward30 + ")");
    }

    private static long bytes(int steps, boolean backward) {
        int batch = 4;
        SplittableRandom weights = new SplittableRandom(7);
        TrainingModel model;
        try (RecurrentModel stack = RecurrentModel.of(false, List.of(TorchInit.layer(CellType.LSTM, WIDTH, WIDTH, weights,
                Blases.get())))) {
            model = TrainingModel.of(Embedding.create(VOCABULARY, WIDTH, weights), stack,
                    LinearHead.create(WIDTH, VOCABULARY, 3), TrainingModel.HeadOn.EVERY_STEP);
        }
        TrainingModel.State state = model.newState(batch);
        int[] ids = new int[steps * batch];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(VOCABULARY);
        }
        float[] y = new float[steps * batch * VOCABULARY];
        float[] dy = new float[y.length];
        java.util.Arrays.fill(dy, 0.01f);
        model.forward(ids, steps, state, y);
        return backward
                ? StepAllocation.bytesPerCallAfter(() -> model.backward(state, dy), 2_000_000_000L)
                : StepAllocation.bytesPerWarmCall(() -> model.forward(ids, steps, state.reset(), y));
    }
}
