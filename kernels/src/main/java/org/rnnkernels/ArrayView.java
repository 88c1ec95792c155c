package org.rnnkernels;

import java.lang.foreign.MemorySegment;

/**
 * The heap segment of the last array a state was called with: the float[] calls run the segment driver,
 * and a stream that passes the same buffer on every step wraps it once, so a warmed-up step allocates
 * nothing. Holds that one array reachable until another one is passed.
 */
final class ArrayView {
    private float[] array;
    private MemorySegment segment;

    MemorySegment of(float[] a) {
        if (a != array) {
            segment = MemorySegment.ofArray(a);
            array = a;
        }
        return segment;
    }
}
