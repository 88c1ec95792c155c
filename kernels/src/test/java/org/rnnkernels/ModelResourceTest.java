package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.train.TorchInit;

/**
 * Models own their native memory and free it on close: 10,000 create/run/close cycles must not
 * grow the process's native memory or the live heap beyond a small bound.
 */
class ModelResourceTest {

    @Test
    void tenThousandCyclesDoNotLeak() {
        SplittableRandom random = new SplittableRandom(5);
        float[] input = TorchInit.uniform(random, 4 * 2 * 6, 1f);
        float[] output = new float[4 * 2 * 18];
        cycles(random, input, output, 500);            // warm up: JIT, class loading, TLABs
        long heapBefore = liveHeap();
        long rssBefore = residentBytes();
        cycles(random, input, output, 10_000);
        long heapGrowth = liveHeap() - heapBefore;
        long rssGrowth = residentBytes() - rssBefore;
        // Each cycle allocates ~8 KB of weights off-heap; a leak would be ~80 MB after 10,000.
        assertTrue(rssGrowth < 24L << 20, "resident memory grew by " + (rssGrowth >> 20) + " MiB");
        assertTrue(heapGrowth < 16L << 20, "live heap grew by " + (heapGrowth >> 20) + " MiB");
    }

    private static void cycles(SplittableRandom random, float[] input, float[] output, int count) {
        for (int i = 0; i < count; i++) {
            try (RecurrentModel model = ModelConcurrencyTest.model(CellType.GRU, random);
                 ModelState state = model.newState(2)) {
                model.forward(input, 4, new int[] {4, 2}, state, output);
            }
        }
    }

    private static long liveHeap() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    // VmRSS from /proc (Linux); falls back to the JVM's direct buffer pools elsewhere.
    private static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        long total = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            total += pool.getMemoryUsed();
        }
        return total;
    }
}
