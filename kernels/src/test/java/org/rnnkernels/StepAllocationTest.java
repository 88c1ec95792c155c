package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A warmed-up step allocates nothing, for every cell: the thread's allocated-bytes counter, read
 * around a window of steps, must not move. C2 boxes a vector (a heap allocation per operation) when
 * a loop outgrows its node budget, so this is what catches a gate pass that tipped over, and the
 * driver's own allocations (argument checks, operand segments) beside it.
 *
 * <p>"Warmed up" is found, not assumed ({@link StepAllocation#bytesPerWarmCall}). Runs in a JVM of
 * its own (see the pom).
 */
class StepAllocationTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : CellType.values()) {
            // H = 256 is past every lane count (so the vector loops run), 37 leaves a scalar tail.
            cases.add(Arguments.of(type, 256, 1));
            cases.add(Arguments.of(type, 37, 5));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} H={1} B={2}")
    @MethodSource("cases")
    void warmedUpStepAllocatesNothing(CellType type, int hidden, int batch) {
        CellFixture f = new CellFixture(type, hidden, hidden, batch, 1, 42, 0.5f);
        float[] out = new float[batch * hidden];
        try (RecurrentLayer layer = f.layer(); LayerState state = f.initialState(layer)) {
            long perStep = StepAllocation.bytesPerWarmCall(() -> layer.step(f.x, state, out));
            assertEquals(0, perStep, type + ": bytes allocated per warmed-up step");
        }
    }
}
