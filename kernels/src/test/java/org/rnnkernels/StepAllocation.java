package org.rnnkernels;

import java.lang.management.ManagementFactory;

/** Measures the heap a warmed-up call allocates, with the thread's allocated-bytes counter. */
public final class StepAllocation {
    private static final long BUDGET_NANOS = 20_000_000_000L;
    private static final int WINDOW = 100;

    private StepAllocation() {
    }

    /**
     * Runs windows of {@value #WINDOW} calls until one window allocates no more than the one before
     * it, and that is nothing or the same bytes per call twice (C2 has compiled the call by then), or
     * a time budget runs out; returns the last window's bytes per call. A compilation that never
     * comes (C2 off) leaves the bytes high, and the caller's assertion fails with them.
     */
    public static long bytesPerWarmCall(Runnable call) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long deadline = System.nanoTime() + BUDGET_NANOS;
        long previous = -1;
        while (true) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < WINDOW; i++) {
                call.run();
            }
            long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / WINDOW;
            if (perCall == 0 || (perCall == previous && perCall < 1024) || System.nanoTime() > deadline) {
                return perCall;
            }
            previous = perCall;
        }
    }
}
