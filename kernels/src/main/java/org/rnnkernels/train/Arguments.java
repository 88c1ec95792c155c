package org.rnnkernels.train;

/**
 * Argument checks at the public edge of the training utilities: each message names the argument,
 * its shape and the expected one, and every check runs before anything is written.
 */
final class Arguments {
    private Arguments() {
    }

    static void length(String name, float[] array, long expected, String shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + shape + " = " + expected + " floats");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats, expected " + shape + " = " + expected);
        }
    }

    static void length(String name, int[] array, long expected, String shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + shape + " = " + expected + " ints");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " ints, expected " + shape + " = " + expected);
        }
    }

    /** {@code array[offset, offset + count)} must exist. */
    static void range(String name, float[] array, int offset, long count, String shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + shape + " = " + count + " floats");
        }
        if (offset < 0 || offset + count > array.length) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats, expected " + shape + " = " + count
                    + " floats from offset " + offset);
        }
    }

    static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " = " + value + ", expected > 0");
        }
    }

    static void atLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " = " + value + ", expected >= " + minimum);
        }
    }

    static void nonNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }

    /** A finite value in {@code [low, high)} ({@code high} excluded unless {@code highIncluded}). */
    static void finiteIn(String name, double value, double low, double high, boolean highIncluded) {
        boolean inside = value >= low && (highIncluded ? value <= high : value < high);
        if (!inside || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " = " + value + ", expected in [" + low + ", " + high
                    + (highIncluded ? "]" : ")"));
        }
    }

    /** A {@code [T*B]} mask: null (every position counts) or only 0 and 1. */
    static void mask(float[] mask, int steps, int batch) {
        if (mask == null) {
            return;
        }
        length("mask", mask, (long) steps * batch, "[T=" + steps + "][B=" + batch + "]");
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0f && mask[i] != 1f) {
                throw new IllegalArgumentException("mask[" + i + "] (t=" + i / batch + ", b=" + i % batch + ") = " + mask[i]
                        + ", expected 0 or 1");
            }
        }
    }
}
