package org.rnnkernels.internal;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import org.rnnkernels.RecurrentState;

/**
 * Argument checks at the public edge, for every package of the library: each message names the
 * argument, its shape and the expected one, and every check runs before anything is written.
 *
 * <p>The length checks take the shape as a {@code %d} template with the sizes and compute the
 * expected length from them: a call with the right arrays formats nothing and allocates nothing
 * (checks run on every {@code forward}, {@code step} and {@code backward}, and a warmed-up step must
 * not allocate).
 *
 * <p>Internal: not part of the library's API.
 */
public final class Checks {
    private Checks() {
    }

    /** {@code array} holds {@code d0} floats; {@code shape} is a template such as {@code "[B*H=%d]"}. */
    public static void floats(String name, float[] array, String shape, long d0) {
        if (array == null || array.length != d0) {
            throw wrongLength(name, array == null ? -1 : array.length, "floats", d0, String.format(Locale.ROOT, shape, d0));
        }
    }

    /** {@code array} holds {@code d0 * d1} floats; {@code shape} such as {@code "[B=%d][H=%d]"}. */
    public static void floats(String name, float[] array, String shape, long d0, long d1) {
        long expected = d0 * d1;
        if (array == null || array.length != expected) {
            throw wrongLength(name, array == null ? -1 : array.length, "floats", expected,
                    String.format(Locale.ROOT, shape, d0, d1));
        }
    }

    /** {@code array} holds {@code d0 * d1 * d2} floats; {@code shape} such as {@code "[T=%d][B=%d][I=%d]"}. */
    public static void floats(String name, float[] array, String shape, long d0, long d1, long d2) {
        long expected = d0 * d1 * d2;
        if (array == null || array.length != expected) {
            throw wrongLength(name, array == null ? -1 : array.length, "floats", expected,
                    String.format(Locale.ROOT, shape, d0, d1, d2));
        }
    }

    /**
     * {@code segment} holds {@code d0 * d1 * d2} floats ({@code 4 * d0 * d1 * d2} bytes), is 4-byte aligned
     * (a float never straddles an alignment boundary, as OpenBLAS and {@code ValueLayout.JAVA_FLOAT}
     * expect), is alive and readable by the calling thread, and, when {@code write}, is not read-only.
     * {@code team} is true when other threads of a state's team read or write it too: a segment of a
     * confined arena is then refused (its owner thread alone may touch it), before a worker would fail.
     */
    public static void floats(String name, MemorySegment segment, boolean write, boolean team, String shape,
                              long d0, long d1, long d2) {
        long expected = d0 * d1 * d2;
        if (segment == null) {
            throw wrongLength(name, -1, "floats", expected, String.format(Locale.ROOT, shape, d0, d1, d2));
        }
        if (segment.byteSize() != expected * Float.BYTES) {
            throw new IllegalArgumentException(name + " has " + segment.byteSize() + " bytes, expected "
                    + String.format(Locale.ROOT, shape, d0, d1, d2) + " = " + expected + " floats = "
                    + expected * Float.BYTES + " bytes");
        }
        if (segment.maxByteAlignment() < Float.BYTES) {
            throw new IllegalArgumentException(name + " is aligned to " + segment.maxByteAlignment()
                    + " byte(s), expected floats at 4-byte aligned addresses");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalArgumentException(name + ": its arena is closed");
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalArgumentException(name + ": a segment of a confined arena owned by another thread");
        }
        if (team && !segment.isAccessibleBy(ANOTHER_THREAD)) {
            throw new IllegalArgumentException(name + ": a segment of a confined arena, which this state's worker "
                    + "threads may not read; use Arena.ofShared(), Arena.ofAuto() or a heap segment");
        }
        if (write && segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only, expected a writable segment");
        }
    }

    /** {@code first} and {@code second} do not share a byte (an output must not overwrite the input it reads). */
    public static void disjoint(String first, MemorySegment a, String second, MemorySegment b) {
        if (a.asOverlappingSlice(b).isPresent()) {
            throw new IllegalArgumentException(first + " and " + second + " overlap");
        }
    }

    // Any thread but the caller, for asking whether a segment is confined to its owner: never started.
    private static final Thread ANOTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    /** {@code array} holds {@code d0} ints; {@code shape} such as {@code "[B=%d]"}. */
    public static void ints(String name, int[] array, String shape, long d0) {
        if (array == null || array.length != d0) {
            throw wrongLength(name, array == null ? -1 : array.length, "ints", d0, String.format(Locale.ROOT, shape, d0));
        }
    }

    /** {@code array} holds {@code d0 * d1} ints; {@code shape} such as {@code "[T=%d][B=%d]"}. */
    public static void ints(String name, int[] array, String shape, long d0, long d1) {
        long expected = d0 * d1;
        if (array == null || array.length != expected) {
            throw wrongLength(name, array == null ? -1 : array.length, "ints", expected,
                    String.format(Locale.ROOT, shape, d0, d1));
        }
    }

    /** As {@link #floats(String, float[], String, long, long, long)}, but null is allowed (the argument is optional). */
    public static void optionalFloats(String name, float[] array, String shape, long d0, long d1, long d2) {
        if (array != null) {
            floats(name, array, shape, d0, d1, d2);
        }
    }

    /** As {@link #floats(String, float[], String, long, long)}, but null is allowed. */
    public static void optionalFloats(String name, float[] array, String shape, long d0, long d1) {
        if (array != null) {
            floats(name, array, shape, d0, d1);
        }
    }

    private static IllegalArgumentException wrongLength(String name, int length, String unit, long expected, String shape) {
        return new IllegalArgumentException(length < 0
                ? name + " is null, expected " + shape + " = " + expected + " " + unit
                : name + " has " + length + " " + unit + ", expected " + shape + " = " + expected);
    }

    /**
     * {@code array[offset, offset + d0 * d1)} must exist; {@code shape} is a template such as
     * {@code "[N=%d][H=%d]"}, formatted only for the message (a per-step check allocates nothing).
     */
    public static void range(String name, float[] array, int offset, String shape, long d0, long d1) {
        long count = d0 * d1;
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + String.format(Locale.ROOT, shape, d0, d1) + " = "
                    + count + " floats");
        }
        if (offset < 0 || offset + count > array.length) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats, expected "
                    + String.format(Locale.ROOT, shape, d0, d1) + " = " + count + " floats from offset " + offset);
        }
    }

    public static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " = " + value + ", expected > 0");
        }
    }

    public static void atLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " = " + value + ", expected >= " + minimum);
        }
    }

    public static void nonNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }

    /** A finite value in {@code [low, high)} ({@code high} excluded unless {@code highIncluded}). */
    public static void finiteIn(String name, double value, double low, double high, boolean highIncluded) {
        boolean inside = value >= low && (highIncluded ? value <= high : value < high);
        if (!inside || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " = " + value + ", expected in [" + low + ", " + high
                    + (highIncluded ? "]" : ")"));
        }
    }

    /** A {@code [T*B]} mask: null (every position counts) or only 0 and 1. */
    public static void mask(float[] mask, int steps, int batch) {
        if (mask == null) {
            return;
        }
        floats("mask", mask, "[T=%d][B=%d]", steps, batch);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0f && mask[i] != 1f) {
                throw new IllegalArgumentException("mask[" + i + "] (t=" + i / batch + ", b=" + i % batch + ") = " + mask[i]
                        + ", expected 0 or 1");
            }
        }
    }

    /** A closed state refuses use: IllegalStateException. */
    public static void open(RecurrentState state) {
        if (state.isClosed()) {
            throw new IllegalStateException("this " + state.getClass().getSimpleName() + " is closed");
        }
    }

    /** Layer {@code layer}, direction {@code direction} of a stack of {@code layers} layers and {@code directions} directions. */
    public static void layerDirection(int layer, int direction, int layers, int directions) {
        if (layer < 0 || layer >= layers || direction < 0 || direction >= directions) {
            throw new IllegalArgumentException("layer " + layer + ", direction " + direction + ": expected layer 0.."
                    + (layers - 1) + " and direction 0.." + (directions - 1));
        }
    }
}
