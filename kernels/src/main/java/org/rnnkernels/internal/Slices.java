package org.rnnkernels.internal;

import java.lang.foreign.MemorySegment;

/**
 * Slices of one float segment at multiples of a stride, each made on first use and kept: {@code at(i)} is the
 * segment from float {@code i * stride} on. A BLAS call takes each operand as a segment and an offset, and the
 * OpenBLAS binding makes a slice object for every non-zero offset, in every call; C2 did not remove it (the
 * training step's BLAS path, without the Vector API, allocated 40 bytes a step that way). A caller that passes
 * {@code at(i)} at offset 0 allocates nothing once the slices it uses have been made.
 *
 * <p>Holds at most {@code count} slices and the segment (so its array) as long as it lives: make one per workspace,
 * with the workspace's arrays. Threads may share one only as a state's team does: each fills its own entries, and a
 * hand-off orders one step's fills before the next step's reads (a training layer's and state's are one thread's).
 */
public final class Slices {
    private final MemorySegment base;
    private final long strideBytes;
    private final MemorySegment[] made;

    /** Slices {@code 0 .. count-1} of {@code base}, {@code stride} floats apart. */
    public Slices(MemorySegment base, long stride, int count) {
        if (stride < 0 || count < 0 || (count > 1 && (count - 1) * stride * Float.BYTES > base.byteSize())) {
            throw new IllegalArgumentException("slices 0 .. " + (count - 1) + " of stride " + stride
                    + " floats do not start inside a segment of " + base.byteSize() + " bytes");
        }
        this.base = base;
        this.strideBytes = stride * Float.BYTES;
        this.made = new MemorySegment[count];
    }

    /** The segment from float {@code i * stride} on ({@code base} itself for 0). */
    public MemorySegment at(int i) {
        if (i == 0) {
            return base;
        }
        MemorySegment slice = made[i];
        if (slice == null) {
            slice = base.asSlice(i * strideBytes);
            made[i] = slice;
        }
        return slice;
    }
}
