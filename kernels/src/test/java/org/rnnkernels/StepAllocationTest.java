package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.integer.IntegerCells;
import org.rnnkernels.ternary.TernaryLayer;

/**
 * A warmed-up step allocates nothing, for every cell and for ternary, integer and int8-weight layers: the thread's allocated-bytes counter, read
 * around a window of steps, must not move. C2 boxes a vector (a heap allocation per operation) when
 * a loop outgrows its node budget, so this is what catches a gate pass that tipped over, and the
 * driver's own allocations (argument checks, operand segments) beside it.
 *
 * <p>"Warmed up" is found, not assumed ({@link StepAllocation#bytesPerWarmCall}). Runs in a JVM of
 * its own (see the pom); a case that allocates there is measured again in up to three fresh JVMs before
 * it fails ({@link StepAllocation#bytesPerWarmStepInFreshJvm}: C2's inlining depends on compile
 * order; measured, a fresh JVM running only LSTM or only EGRU at H = 256, B = 1 boxed in one of four runs).
 */
class StepAllocationTest {
    private static final int FRESH_JVMS = 3;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : CellType.values()) {
            // H = 256 is past every lane count (so the vector loops run), 37 leaves a scalar tail.
            cases.add(Arguments.of(type, 256, 1, "float"));
            cases.add(Arguments.of(type, 37, 5, "float"));
            // integer layers (the cells with an integer kernel): int8 products and the integer cell step
            if (IntegerCells.has(type)) {
                cases.add(Arguments.of(type, 256, 1, "integer"));
                cases.add(Arguments.of(type, 37, 5, "integer"));
            }
        }
        // HitNet ternary layers: the same cells' gate passes behind ternary products
        for (CellType type : new CellType[] {CellType.GRU, CellType.LSTM}) {
            for (TernaryLayer.Activations mode : TernaryLayer.Activations.values()) {
                cases.add(Arguments.of(type, 256, 1, mode.name()));
                cases.add(Arguments.of(type, 37, 5, mode.name()));
            }
            // int8-weight layers: the same gate passes behind int8 x float products (37: a partial panel)
            cases.add(Arguments.of(type, 256, 1, "int8"));
            cases.add(Arguments.of(type, 37, 5, "int8"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} H={1} B={2} {3}")
    @MethodSource("cases")
    void warmedUpStepAllocatesNothing(CellType type, int hidden, int batch, String parts) throws Exception {
        CellFixture f = new CellFixture(type, hidden, hidden, batch, 1, 42, 0.5f);
        float[] out = new float[batch * hidden];
        long perStep;
        try (RecurrentLayer layer = StepAllocation.layer(f, parts); LayerState state = f.initialState(layer)) {
            perStep = StepAllocation.bytesPerWarmCall(() -> layer.step(f.x, state, out));
        }
        // C2's inlining depends on what it compiled first, so a JVM now and then boxes in a step that
        // compiles allocation-free in most: up to three fresh JVMs before the case fails (a cell whose
        // loop is past the node budget boxes in every JVM, as GRU did before issue 11).
        for (int fresh = 0; perStep != 0 && fresh < FRESH_JVMS; fresh++) {
            long again = StepAllocation.bytesPerWarmStepInFreshJvm(type, hidden, batch, parts);
            System.err.println(type + " H=" + hidden + " B=" + batch + " " + parts + ": " + perStep + " bytes per step, "
                    + again + " in fresh JVM " + (fresh + 1));
            perStep = again;
        }
        assertEquals(0, perStep, type + ": bytes allocated per warmed-up step (here and in " + FRESH_JVMS + " fresh JVMs)");
    }

    /**
     * A team's warmed-up call allocates nothing on any member (the caller and the worker): a call split by
     * samples (B = 16: each member runs its own samples through every step) and one split by panels and units
     * (B = 2).
     */
    @ParameterizedTest(name = "{0} B={1}")
    @org.junit.jupiter.params.provider.CsvSource({"GRU, 16", "LSTM, 16", "EGRU, 16", "GRU, 2", "LSTM, 2"})
    void aTeamsWarmedUpCallAllocatesNothingOnAnyMember(CellType type, int batch) throws Exception {
        long perCall = StepAllocation.teamBytesPerWarmCall(type, 64, batch);
        for (int fresh = 0; perCall != 0 && fresh < FRESH_JVMS; fresh++) {   // compile order, as above
            long again = StepAllocation.bytesPerWarmStepInFreshJvm(type, 64, batch, "team");
            System.err.println(type + " H=64 B=" + batch + " team: " + perCall + " bytes per call, " + again
                    + " in fresh JVM " + (fresh + 1));
            perCall = again;
        }
        assertEquals(0, perCall, type + " B=" + batch + ": bytes per call on the caller and the worker (here and in "
                + FRESH_JVMS + " fresh JVMs)");
    }

    /**
     * A stack of EGRU layers allocates nothing per step either: the layers above the first read the layer
     * below's sparse output through the sparse input projection (its copy of the input and its lists of
     * nonzeros are grown once, then reused).
     */
    @ParameterizedTest(name = "EGRU stack H={0} B={1}")
    @org.junit.jupiter.params.provider.CsvSource({"256, 1", "37, 5"})
    void warmedUpStackedEgruStepAllocatesNothing(int hidden, int batch) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(8);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Fixtures.Weights w = Fixtures.weights(CellType.EGRU, hidden, hidden, random, 1f);
            layers.add(Fixtures.layer(CellType.EGRU, hidden, hidden, w, null, Fixtures.randomThresholds(random, hidden),
                    org.rnnkernels.blas.Blases.get()));
        }
        float[] x = org.rnnkernels.train.TorchInit.uniform(random, batch * hidden, 1f);
        float[] out = new float[batch * hidden];
        try (RecurrentModel model = RecurrentModel.of(false, layers); ModelState state = model.newState(batch)) {
            assertEquals(0, StepAllocation.bytesPerWarmCall(() -> model.forward(x, 1, null, state, out)),
                    "bytes per step of a stacked EGRU");
        }
    }

    /**
     * The {@code MemorySegment} calls allocate nothing either: a layer's step on native memory, and a
     * bidirectional stack's call with variable lengths (its packing and unpacking copy segment to segment).
     */
    @Test
    void warmedUpSegmentCallsAllocateNothing() {
        CellFixture f = new CellFixture(CellType.RAG_GRU, 64, 64, 2, 5, 3);
        try (RecurrentLayer layer = f.layer();
             LayerState state = f.initialState(layer);
             Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_FLOAT, f.x);
            MemorySegment row = x.asSlice(0, 2L * 64 * Float.BYTES);
            MemorySegment out = arena.allocate(ValueLayout.JAVA_FLOAT, 2 * 64);
            assertEquals(0, StepAllocation.bytesPerWarmCall(() -> layer.step(row, state, out)), "bytes per segment step");
        }
        try (RecurrentLayer forward = f.layer();
             RecurrentLayer backward = f.layer();
             RecurrentModel model = RecurrentModel.of(true, List.of(forward, backward));
             ModelState state = model.newState(2);
             Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocateFrom(ValueLayout.JAVA_FLOAT, f.x);
            MemorySegment out = arena.allocate(ValueLayout.JAVA_FLOAT, 5 * 2 * 128);
            int[] lengths = {3, 5};
            assertEquals(0, StepAllocation.bytesPerWarmCall(() -> model.forward(x, 5, lengths, state, out)),
                    "bytes per segment call of a bidirectional stack with lengths");
        }
    }
}
