package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.StepAllocation;

/**
 * A warmed-up training step allocates nothing, for every cell: the training forward allocates 0 bytes
 * a call, and the backward allocates the same few bytes a call (BLAS operand slices) whatever the
 * number of steps, so 0 a step. Runs in its own JVM with {@code StepAllocationTest} (see the pom).
 */
class TrainingAllocationTest {
    private static final int HIDDEN = 64;
    private static final int BATCH = 4;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void warmedUpTrainingStepsAllocateNothing(CellType type) {
        long forward10 = bytes(type, 10, false);
        long backward10 = bytes(type, 10, true);
        long backward30 = bytes(type, 30, true);
        assertEquals(0, forward10, type + ": bytes allocated per training forward");
        assertEquals(backward10, backward30, type + ": backward bytes grow with the steps (10 steps: " + backward10
                + " a call, 30 steps: " + backward30 + ")");
    }

    /**
     * The same for a two-layer bidirectional {@link TrainingModel} with its head (both heads): the reversed
     * sequences, the interleaved outputs and the split gradients live in its state, made once.
     */
    @ParameterizedTest
    @EnumSource(TrainingModel.HeadOn.class)
    void warmedUpBidirectionalModelStepsAllocateNothing(TrainingModel.HeadOn on) {
        long forward10 = modelBytes(on, 10, false);
        long backward10 = modelBytes(on, 10, true);
        long backward30 = modelBytes(on, 30, true);
        assertEquals(0, forward10, on + ": bytes allocated per bidirectional training forward");
        assertEquals(backward10, backward30, on + ": bidirectional backward bytes grow with the steps (10 steps: "
                + backward10 + " a call, 30 steps: " + backward30 + ")");
    }

    private static long modelBytes(TrainingModel.HeadOn on, int steps, boolean backward) {
        BidirectionalTrainingTest.Stack s = new BidirectionalTrainingTest.Stack(CellType.GRU, HIDDEN, HIDDEN, steps, 42, on,
                BidirectionalTrainingTest.LAYERS);
        TrainingModel model = s.model();
        TrainingModel.State state = s.state(model);
        float[] y = new float[s.headRows() * BidirectionalTrainingTest.OUTPUTS];
        model.forward(s.x, steps, state, y);
        return backward
                ? StepAllocation.bytesPerCallAfter(() -> model.backward(state, s.dy), 2_000_000_000L)
                : StepAllocation.bytesPerWarmCall(() -> model.forward(s.x, steps, state.reset(), y));
    }

    // Bytes per warmed-up call of the training forward (or the backward) over `steps` steps.
    private static long bytes(CellType type, int steps, boolean backward) {
        TrainFixture f = TrainingVsReferenceTest.fixture(type, HIDDEN, HIDDEN, BATCH, steps, 42);
        float[] out = new float[steps * BATCH * HIDDEN];
        float[] dOut = new float[steps * BATCH * HIDDEN];
        Arrays.fill(dOut, 0.01f);
        float[] dIn = new float[steps * BATCH * HIDDEN];
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            TrainingState state = training.newState(BATCH);
            ParameterGradients gradients = training.newGradients();
            training.forward(f.x, steps, state, out);
            return backward
                    ? StepAllocation.bytesPerCallAfter(() -> training.backward(state, dOut, null, null, dIn, null, null, gradients),
                            2_000_000_000L)
                    : StepAllocation.bytesPerWarmCall(() -> training.forward(f.x, steps, state.reset(), out));
        }
    }
}
