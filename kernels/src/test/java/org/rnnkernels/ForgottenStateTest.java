package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A multi-thread state its user forgot to close does not leak its threads: once the state is
 * unreachable, a Cleaner closes its team and the worker threads return. (The team forgets each step's
 * work, which references the state, so the running threads do not keep the state reachable.)
 */
class ForgottenStateTest {

    @Test
    void aForgottenLayerStateStopsItsThreads() throws InterruptedException {
        CellFixture f = new CellFixture(CellType.GRU, 8, 16, 2, 3, 5);
        try (RecurrentLayer layer = f.layer()) {
            StepTeam team = forwardOnAForgottenState(layer, f);
            assertTrue(stopsAfterCollection(team), "the forgotten state's step threads are still running");
        }
    }

    @Test
    void aForgottenModelStateStopsItsThreadsButNotWhileALayerStateOfItIsHeld() throws InterruptedException {
        CellFixture f = new CellFixture(CellType.LSTM, 8, 16, 2, 3, 7);
        try (RecurrentModel model = RecurrentModel.of(false, List.of(f.layer()))) {
            ModelState state = model.newState(2, 2);
            float[] out = new float[3 * 2 * 16];
            model.forward(f.x, 3, null, state, out);
            LayerState held = state.layer(0, 0);
            StepTeam team = held.team;
            state = null;
            assertFalse(stopsAfterCollection(team, 1_000), "a held layer state keeps its model state's threads");
            held = null;
            assertTrue(stopsAfterCollection(team), "the forgotten model state's step threads are still running");
        }
    }

    // Runs a forward on a 2-thread state and drops the state; returns its team.
    private static StepTeam forwardOnAForgottenState(RecurrentLayer layer, CellFixture f) {
        LayerState state = layer.newState(2, 2);
        float[] out = new float[3 * 2 * 16];
        layer.forward(f.x, 3, state, out);
        assertTrue(state.team.anyWorkerAlive());
        return state.team;
    }

    private static boolean stopsAfterCollection(StepTeam team) throws InterruptedException {
        return stopsAfterCollection(team, 20_000);
    }

    private static boolean stopsAfterCollection(StepTeam team, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
            if (!team.anyWorkerAlive()) {
                return true;
            }
        }
        return false;
    }
}
