package org.rnnkernels;

import java.lang.management.ManagementFactory;

/** Measures the heap a warmed-up call allocates, with the thread's allocated-bytes counter. */
public final class StepAllocation {
    private static final long BUDGET_NANOS = 20_000_000_000L;
    private static final int WINDOW = 100;

    private StepAllocation() {
    }

    /**
     * Runs windows of {@value #WINDOW} calls until a window allocates nothing or a time budget runs
     * out; returns the last window's bytes per call. (Not "until the bytes hold still": interpreted and
     * C1-compiled code box a fixed number of vectors per call, as steady as C2's zero.) A compilation
     * that never comes (C2 off) leaves the bytes high, and the caller's assertion fails with them.
     */
    public static long bytesPerWarmCall(Runnable call) {
        return measure(call, System.nanoTime() + BUDGET_NANOS, true);
    }

    /**
     * The bytes per call of a call whose steady state may allocate (a BLAS operand slice): calls run
     * for {@code warmupNanos} first (long past C2's compilation of the call), then windows until two
     * in a row agree or the budget runs out.
     */
    public static long bytesPerCallAfter(Runnable call, long warmupNanos) {
        long warm = System.nanoTime() + warmupNanos;
        while (System.nanoTime() < warm) {
            call.run();
        }
        return measure(call, System.nanoTime() + BUDGET_NANOS, false);
    }

    private static long measure(Runnable call, long deadline, boolean untilZero) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long previous = -1;
        while (true) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < WINDOW; i++) {
                call.run();
            }
            long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / WINDOW;
            if (perCall == 0 || (!untilZero && perCall == previous) || System.nanoTime() > deadline) {
                return perCall;
            }
            previous = perCall;
        }
    }
}
