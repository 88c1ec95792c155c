package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which parts of a call a state's team shares ({@link RecurrentLayer#SHARED_STEP_READS}, here at its default
 * whatever the tests' system property says): a step, or a call's input projection, whose product reads fewer weights
 * runs on the caller's thread alone, a larger one on every member; either way the outputs are one thread's. (The
 * other team tests share everything, so that their small layers check the shared path.)
 */
class TeamStepTest {

    /**
     * At B = 1 a step's product reads {@code G H^2} weights: 3 * 64^2 and 4 * 128^2 (12,288, 65,536) stay on the
     * caller, 3 * 256^2 and 4 * 256^2 (196,608, 262,144) are shared (the default: 128,000). The projection of the
     * call's 12 rows reads {@code G H I} weights once per four rows: with I = 9 at most 27,648, on the caller; with
     * I = 256 and H = 64, 147,456: shared.
     */
    @ParameterizedTest(name = "{0} H={1} I={2}: shared steps {3}, projection {4}")
    @CsvSource({"GRU, 64, 9, false, false", "LSTM, 128, 9, false, false", "GRU, 256, 9, true, false",
            "LSTM, 256, 9, true, false", "GRU, 64, 256, false, true"})
    void onlyPartsWorthTheHandOffAreShared(CellType type, int hidden, int input, boolean steps, boolean projection) {
        int length = 12;
        long threshold = RecurrentLayer.DEFAULT_SHARED_STEP_READS;
        assertEquals(steps, (long) type.gates() * hidden * hidden >= threshold, "the case's premise: steps");
        assertEquals(projection, (long) type.gates() * hidden * input * Math.ceilDiv(length, 4) >= threshold,
                "the case's premise: projection");
        CellFixture f = new CellFixture(type, input, hidden, 1, length, 17L * hidden + input);
        try (RecurrentLayer layer = f.layer(); LayerState team = layer.newState(1, 2)) {
            float[] one = new float[length * hidden];
            layer.forward(f.x, length, layer.newState(1), one);

            team.team.shareStepsFrom(threshold);
            float[] two = new float[one.length];
            layer.forward(f.x, length, team, two);
            assertEquals((projection ? 1 : 0) + (steps ? length : 0), team.team.runs(), "hand-offs");
            // a shared projection splits OpenBLAS's columns, whose edge kernels may round otherwise
            SameResult.assertSame(SameResult.exact("default", 1) || !projection, one, two, "outputs");
        }
    }
}
