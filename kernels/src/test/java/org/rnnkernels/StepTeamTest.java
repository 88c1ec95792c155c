package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The step team: every member runs each step once, the barrier holds, and a failing member neither hangs nor poisons the next step. */
class StepTeamTest {

    @Test
    void everyMemberRunsEveryStepAndTheBarrierHolds() {
        try (StepTeam team = new StepTeam(3)) {
            AtomicIntegerArray before = new AtomicIntegerArray(3);
            AtomicIntegerArray after = new AtomicIntegerArray(3);
            for (int step = 1; step <= 2000; step++) {
                int expected = step;
                team.run(member -> {
                    before.incrementAndGet(member);
                    team.barrier();
                    // past the barrier, every member has done its first half of this step
                    for (int m = 0; m < 3; m++) {
                        assertEquals(expected, before.get(m));
                    }
                    after.incrementAndGet(member);
                });
                for (int m = 0; m < 3; m++) {
                    assertEquals(step, after.get(m));
                }
            }
        }
    }

    @Test
    void aFailingWorkerIsReportedAndTheTeamKeepsWorking() {
        try (StepTeam team = new StepTeam(2)) {
            RuntimeException boom = new RuntimeException("boom");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.run(member -> {
                if (member == 1) {
                    throw boom;             // before the barrier: member 0 must not wait forever
                }
                team.barrier();
            }));
            assertSame(boom, e.getCause());
            AtomicIntegerArray ran = new AtomicIntegerArray(2);
            team.run(member -> {
                team.barrier();
                ran.incrementAndGet(member);
            });
            assertEquals(1, ran.get(0));
            assertEquals(1, ran.get(1));
        }
    }
}
