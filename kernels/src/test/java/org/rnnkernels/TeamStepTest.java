package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which steps a state's team shares ({@link RecurrentLayer#SHARED_STEP_READS}, here at its default whatever the
 * tests' system property says): a step whose product reads fewer weights runs on the caller's thread alone, a
 * larger one on every member; either way the outputs are one thread's. (The other team tests share every step,
 * so that their small layers check the shared path.)
 */
class TeamStepTest {

    /**
     * GRU and LSTM at B = 1 read {@code G H^2} weights a step: 3 * 64^2 and 4 * 128^2 (12,288, 65,536) stay on the
     * caller, 3 * 256^2 and 4 * 256^2 (196,608, 262,144) are shared (the default: 128,000). A call hands out its input projection once
     * and then each shared step.
     */
    @ParameterizedTest(name = "{0} H={1}: shared steps {2}")
    @CsvSource({"GRU, 64, false", "LSTM, 128, false", "GRU, 256, true", "LSTM, 256, true"})
    void onlyStepsWorthTheHandOffAreShared(CellType type, int hidden, boolean shared) {
        int steps = 12;
        CellFixture f = new CellFixture(type, 9, hidden, 1, steps, 17L * hidden);
        assertEquals(shared, (long) type.gates() * hidden * hidden >= RecurrentLayer.DEFAULT_SHARED_STEP_READS,
                "the case's premise");
        try (RecurrentLayer layer = f.layer(); LayerState team = layer.newState(1, 2)) {
            float[] one = new float[steps * hidden];
            layer.forward(f.x, steps, layer.newState(1), one);

            team.team.shareStepsFrom(RecurrentLayer.DEFAULT_SHARED_STEP_READS);
            float[] two = new float[one.length];
            layer.forward(f.x, steps, team, two);
            assertEquals(1 + (shared ? steps : 0), team.team.runs(), "hand-offs: the projection, then the shared steps");
            // the team still splits the input projection, where OpenBLAS's edge kernels may round otherwise
            SameResult.assertSame(SameResult.exact("default", 1), one, two, shared ? "shared steps" : "steps on the caller");
        }
    }
}
