package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.StepAllocation;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.TernaryLayer;

/**
 * A warmed-up training step allocates nothing, for every cell: the training forward allocates 0 bytes
 * a call, and the backward allocates the same few bytes a call (BLAS operand slices) whatever the
 * number of steps, so 0 a step. Runs in its own JVM with {@code StepAllocationTest} (see the pom).
 */
public class TrainingAllocationTest {
    private static final int HIDDEN = 64;
    private static final int BATCH = 4;
    private static final int FRESH_JVMS = 3;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void warmedUpTrainingStepsAllocateNothing(CellType type) throws Exception {
        long forward10 = bytes(type, 10, false);
        long backward10 = bytes(type, 10, true);
        long backward30 = bytes(type, 30, true);
        // As StepAllocationTest: C2's inlining depends on what this JVM compiled before (the whole allocation
        // suite), and now and then it boxes in a kernel that compiles allocation-free alone (seen: RNN_RELU's
        // backward, 5.9 KB a step, in two suite runs of three, never alone). Up to three fresh JVMs before the
        // case fails; a kernel that boxes whenever it is compiled fails in all of them.
        long excess = excess(forward10, backward10, backward30);
        String inSuite = type + ": training forward " + forward10 + " bytes a call, backward " + backward10 + " (10 steps) and "
                + backward30 + " (30 steps)";
        for (int fresh = 0; excess != 0 && fresh < FRESH_JVMS; fresh++) {
            excess = StepAllocation.lastNumberOfFreshJvm(TrainingAllocationTest.class, type.name());
            System.err.println(inSuite + "; forward bytes plus backward growth " + excess + " in fresh JVM " + (fresh + 1));
        }
        assertEquals(0, excess, inSuite + " in the suite's JVM, and still allocating in " + FRESH_JVMS + " fresh JVMs");
    }

    // What must be 0: the forward's bytes and how much the backward's grow from 10 to 30 steps.
    private static long excess(long forward10, long backward10, long backward30) {
        return forward10 + Math.abs(backward30 - backward10);
    }

    /**
     * Prints {@link #excess} of cell {@code args[0]} measured in this JVM (a fresh one, from the test); with
     * {@code args = TYPE MODE B}, of that HitNet training layer.
     */
    public static void main(String[] args) {
        CellType type = CellType.valueOf(args[0]);
        if (args.length == 3) {
            System.out.println(ternaryExcess(type, TernaryLayer.Activations.valueOf(args[1]), Integer.parseInt(args[2])));
            return;
        }
        System.out.println(excess(bytes(type, 10, false), bytes(type, 10, true), bytes(type, 30, true)));
    }

    /**
     * A HitNet training layer ({@link TernaryTrainingLayer}: its products are BLAS calls per step and per gate block,
     * with every Vector API setting) in each activation mode, GRU and LSTM, batch 1 (GEMV) and 4: 0 bytes a
     * training forward, and a backward's bytes do not grow with the steps. Before the per-step and per-block
     * operand slices were kept in the state (and the layer), each call sliced them anew: a forward of 10 steps made
     * 2,840 bytes (GRU) and 4,080 (LSTM). Fresh JVMs as for the plain cells (the gate passes are the same kernels).
     */
    @ParameterizedTest
    @CsvSource({"GRU, TERNARY, 4", "LSTM, TERNARY, 1", "GRU, FLOAT, 1", "LSTM, FLOAT, 4"})
    void warmedUpTernaryTrainingStepsAllocateNothing(CellType type, TernaryLayer.Activations mode, int batch)
            throws Exception {
        long excess = ternaryExcess(type, mode, batch);
        String inSuite = type + " " + mode + " B=" + batch + ": forward bytes plus backward growth " + excess;
        for (int fresh = 0; excess != 0 && fresh < FRESH_JVMS; fresh++) {
            excess = StepAllocation.lastNumberOfFreshJvm(TrainingAllocationTest.class, type.name(), mode.name(),
                    String.valueOf(batch));
            System.err.println(inSuite + "; " + excess + " in fresh JVM " + (fresh + 1));
        }
        assertEquals(0, excess, inSuite + " in the suite's JVM, and still allocating in " + FRESH_JVMS + " fresh JVMs");
    }

    private static long ternaryExcess(CellType type, TernaryLayer.Activations mode, int batch) {
        return excess(ternaryBytes(type, mode, batch, 10, false), ternaryBytes(type, mode, batch, 10, true),
                ternaryBytes(type, mode, batch, 30, true));
    }

    private static long ternaryBytes(CellType type, TernaryLayer.Activations mode, int batch, int steps, boolean backward) {
        int input = 5;
        // THRESHOLD: the forward draws nothing, so a warm call is the same work every time
        TernaryTrainingLayer layer = TernaryTrainingTest.randomLayer(type, mode, ActivationQuantizer.THRESHOLD, input,
                HIDDEN, 42);
        TernaryTrainingState state = layer.newState(batch);
        ParameterGradients gradients = layer.newGradients();
        float[] x = new float[steps * batch * input];
        Arrays.fill(x, 0.3f);
        float[] out = new float[steps * batch * HIDDEN];
        float[] dOut = new float[steps * batch * HIDDEN];
        Arrays.fill(dOut, 0.01f);
        layer.forward(x, steps, state, out, (float[]) null);
        return backward
                ? StepAllocation.bytesPerCallAfter(() -> layer.backward(state, dOut, null, null, null, null, null, gradients),
                        2_000_000_000L)
                : StepAllocation.bytesPerWarmCall(() -> layer.forward(x, steps, state.reset(), out, (float[]) null));
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

    /**
     * A whole {@link Trainer} step (forward, softmax cross-entropy over every step or the last, backward, clipping,
     * Adam) allocates no more at 30 steps than at 10: nothing grows with the sequence, not the loss's validation
     * of its targets either (it built a message string per target and call: 32 bytes more per added step and
     * sample over every step). The backward's few bytes a call (BLAS operand slices) vary by some dozens between
     * measurements, so the bound is 4 bytes per added step and sample.
     */
    @ParameterizedTest
    @EnumSource(TrainingModel.HeadOn.class)
    void warmedUpTrainerStepsDoNotAllocatePerStep(TrainingModel.HeadOn on) {
        long steps10 = trainerBytes(on, 10);
        long steps30 = trainerBytes(on, 30);
        assertTrue(steps30 - steps10 <= 4L * 20 * BATCH,
                on + ": bytes per trainer step " + steps10 + " at 10 steps, " + steps30 + " at 30");
    }

    private static long trainerBytes(TrainingModel.HeadOn on, int steps) {
        int classes = 5, input = 3;
        TrainingModel model;
        try (org.rnnkernels.RecurrentModel layers = org.rnnkernels.RecurrentModel.of(false, java.util.List.of(
                TorchInit.layer(CellType.GRU, input, HIDDEN, new java.util.SplittableRandom(3), org.rnnkernels.blas.Blases.get())))) {
            model = TrainingModel.of(layers, LinearHead.create(HIDDEN, classes, 5), on);
        }
        boolean everyStep = on == TrainingModel.HeadOn.EVERY_STEP;
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(classes, everyStep ? Loss.Over.EVERY_STEP : Loss.Over.LAST_STEP);
        int[] targets = new int[(everyStep ? steps : 1) * BATCH];
        for (int k = 0; k < targets.length; k++) {
            targets[k] = k % classes;
        }
        float[] x = new float[steps * BATCH * input];
        Arrays.fill(x, 0.1f);
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), 1.0, BATCH, steps);
        return StepAllocation.bytesPerCallAfter(() -> trainer.step(x, (y, t, b, dy) -> loss.compute(y, t, b, targets, null, dy)),
                2_000_000_000L);
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

    // The cells (by declaration order) take in turn a narrow input, whose input-side products are the layer's own
    // (ThinInputProducts), an input of 20, whose weight gradient is the layer's tiled one (with the Vector API) and
    // projection the BLAS's, and a wide input, all BLAS: every kind, with and without multiplicative integration,
    // is held to 0 bytes.
    private static int input(CellType type) {
        return switch (type.ordinal() % 3) {
            case 0 -> 3;
            case 1 -> 20;
            default -> HIDDEN;
        };
    }

    // Bytes per warmed-up call of the training forward (or the backward) over `steps` steps.
    private static long bytes(CellType type, int steps, boolean backward) {
        int input = input(type);
        TrainFixture f = TrainingVsReferenceTest.fixture(type, input, HIDDEN, BATCH, steps, 42);
        float[] out = new float[steps * BATCH * HIDDEN];
        float[] dOut = new float[steps * BATCH * HIDDEN];
        Arrays.fill(dOut, 0.01f);
        float[] dIn = new float[steps * BATCH * input];
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
