package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;

/**
 * A state's float scratch and its heap segment (the BLAS operand), grown to the largest call seen
 * and then reused, so a steady stream allocates nothing.
 */
public final class Scratch {
    private final String what;
    private float[] array = new float[0];
    private MemorySegment segment = MemorySegment.ofArray(array);

    /** {@code what} names the scratch in the message of a call too large for one Java array. */
    public Scratch(String what) {
        this.what = what;
    }

    public float[] array() {
        return array;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Makes sure the scratch holds {@code floats}; grows it (contents lost) only when too small. */
    public void reserve(long floats) {
        if (array.length < floats) {
            if (floats > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(what + " needs " + floats
                        + " floats, more than one Java array holds: run the sequence in shorter chunks");
            }
            array = new float[(int) floats];
            segment = MemorySegment.ofArray(array);
        }
    }
}
