package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * A named trainable tensor: its values and the gradient the backward accumulates into, same length.
 *
 * <p>Both arrays are held, not copied: an optimiser updates {@code value} in place and the owner
 * (a head, a layer) reads it from there. Names follow PyTorch's ({@code "weight"},
 * {@code "bias_ih_l0"}) so a parameter list maps onto a state dict.
 *
 * @param name     for logs, files and messages
 * @param value    the parameter, updated in place by an {@link Optimizer}
 * @param gradient {@code dL/dvalue}, same length as {@code value}
 */
public record Parameter(String name, float[] value, float[] gradient) {

    /** @throws IllegalArgumentException when an argument is null or the lengths differ */
    public Parameter {
        Checks.nonNull("name", name);
        if (value == null || gradient == null) {
            throw new IllegalArgumentException("parameter '" + name + "': " + (value == null ? "value" : "gradient") + " is null");
        }
        if (gradient.length != value.length) {
            throw new IllegalArgumentException("parameter '" + name + "': gradient has " + gradient.length
                    + " floats, expected the value's " + value.length);
        }
    }

    /** A parameter with a new zero gradient array of the value's length. */
    public static Parameter of(String name, float[] value) {
        Checks.nonNull("value", value);
        return new Parameter(name, value, new float[value.length]);
    }

    /** Number of floats. */
    public int size() {
        return value.length;
    }
}
