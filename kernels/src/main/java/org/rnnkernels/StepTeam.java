package org.rnnkernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that share the work of each time step: the caller is member 0, and
 * {@code size - 1} worker threads are members 1 and up. A step is a few microseconds, so handing
 * it out must cost far less than a thread pool's queue and wake-up: workers spin on a volatile
 * generation counter while steps keep coming ({@value #YIELD_AFTER_SPINS} pure spins, then
 * yielding the core), and park after {@value #SPINS_BEFORE_PARK} idle rounds (a few milliseconds),
 * so an idle team costs no CPU.
 *
 * <p>Not thread-safe: one caller thread drives a team (it belongs to one {@link LayerState}).
 */
final class StepTeam implements AutoCloseable {
    /** The work of one step; {@code member} is in {@code [0, size)}. */
    interface Work {
        void run(int member);
    }

    private static final int SPINS_BEFORE_PARK = 20_000;
    private static final int YIELD_AFTER_SPINS = 2_000;

    private final int size;
    private final Thread[] workers;
    private long sharedStepReads = RecurrentLayer.SHARED_STEP_READS;
    private long runs;              // calls of run(), for the tests of which steps are shared
    private final AtomicIntegerArray parked;   // 1 while worker i is (about to be) parked
    private volatile int generation;
    private volatile boolean closed;
    private volatile Work work;
    private final AtomicInteger running = new AtomicInteger();
    private volatile Throwable failure;
    // the mid-step barrier: sense reversal on a phase counter
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int barrierPhase;

    StepTeam(int size) {
        if (size < 2) {
            throw new IllegalArgumentException("a team needs at least 2 threads, got " + size);
        }
        this.size = size;
        this.workers = new Thread[size - 1];
        this.parked = new AtomicIntegerArray(size - 1);
        for (int i = 0; i < workers.length; i++) {
            int member = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("rnnkernels-step-" + member).unstarted(() -> serve(member));
            workers[i].start();
        }
    }

    int size() {
        return size;
    }

    /** Worker thread {@code i} (member {@code i + 1}). */
    Thread worker(int i) {
        return workers[i];
    }

    /** Whether any worker thread is still alive (false once closed and the workers have returned). */
    boolean anyWorkerAlive() {
        for (Thread worker : workers) {
            if (worker.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a step or projection whose product reads {@code weightReads} weights is worth the hand-off ({@link RecurrentLayer#SHARED_STEP_READS}). */
    boolean worthSharing(long weightReads) {
        return weightReads >= sharedStepReads;
    }

    /** Tests: steps and projections shared from {@code weightReads} on, whatever the system property says. */
    void shareStepsFrom(long weightReads) {
        this.sharedStepReads = weightReads;
    }

    /** Tests: how many times {@link #run} handed out work. */
    long runs() {
        return runs;
    }

    /** Runs {@code work} on every member, the caller included; returns when all are done. */
    void run(Work work) {
        if (closed) {
            throw new IllegalStateException("this state's step threads were closed");
        }
        runs++;
        this.work = work;
        running.set(size - 1);
        generation++;                       // publishes work (volatile write after the plain ones)
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) == 1) {
                LockSupport.unpark(workers[i]);
            }
        }
        try {
            work.run(0);
        } catch (Throwable t) {
            if (failure == null) {          // keep a worker's original failure over our barrier exit
                failure = t;                // (and release members waiting at the barrier)
            }
        }
        for (int spins = 0; running.get() != 0; spins++) {
            pause(spins);
        }
        // Forget the work: it references the state that owns this team, and the team is reachable from its
        // running threads, so holding it would keep a forgotten state (and so these threads) alive for ever.
        this.work = null;
        Throwable failed = failure;
        if (failed != null) {
            failure = null;
            arrived.set(0);
            throw new IllegalStateException("a step failed on the step threads", failed);
        }
    }

    /**
     * Waits until every member has reached this point of the current step. If another member
     * failed meanwhile, throws instead of waiting for a member that will never come.
     */
    void barrier() {
        int phase = barrierPhase;
        if (arrived.incrementAndGet() == size) {
            arrived.set(0);
            barrierPhase = phase + 1;
        } else {
            for (int spins = 0; barrierPhase == phase; spins++) {
                if (failure != null) {
                    throw new IllegalStateException("another step thread failed");
                }
                pause(spins);
            }
        }
    }

    /**
     * A spin-wait step: a few microseconds of pure spinning (a step's hand-off is that short), then
     * yield the core. When more threads want the cores than there are, the member being waited for
     * may not be running at all, and spinning on would only keep it off the core (seen: 2-thread
     * runs 100x slower next to a busy third process).
     */
    private static void pause(int spins) {
        if (spins < YIELD_AFTER_SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private void serve(int member) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPINS_BEFORE_PARK) {
                    pause(spins);
                } else {
                    parked.set(member - 1, 1);
                    // re-check after announcing: a run() that missed the flag has already bumped generation
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked.set(member - 1, 0);
                }
            }
            if (closed && generation == seen) {
                return;          // closed with no step pending; a step already handed out still runs
            }
            seen = generation;
            try {
                work.run(member);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            } finally {
                running.decrementAndGet();
            }
        }
    }

    /**
     * Closes {@code team} when {@code owner} becomes unreachable, for a state its user forgot to close:
     * without this its parked threads would live as long as the JVM. The action holds only the team.
     */
    static void closeWhenUnreachable(Object owner, StepTeam team) {
        CLEANER.register(owner, team::close);
    }

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** Stops the workers; idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }
}
