package org.rnnkernels;

/** Argument checks at the public edge: each message names the argument, its shape and the expected one. */
final class Checks {
    private Checks() {
    }

    static void length(String name, float[] array, long expected, String shape) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null, expected " + shape + " = " + expected + " floats");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats, expected " + shape
                    + " = " + expected);
        }
    }

    static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " = " + value + ", expected > 0");
        }
    }
}
