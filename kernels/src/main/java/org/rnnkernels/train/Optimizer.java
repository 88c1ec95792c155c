package org.rnnkernels.train;

import java.util.List;

/**
 * Updates a fixed list of {@link Parameter}s in place from their gradients, one {@link #step()}
 * per batch. Deterministic: no randomness, and every element's arithmetic is the same whatever
 * the list's sizes, so the same gradients give the same bits.
 *
 * <p>State (momentum, moments) is allocated once at construction; a step allocates nothing. An
 * optimiser is used by one training loop at a time (not thread-safe).
 */
public sealed interface Optimizer permits Sgd, Adam {

    /** One update of every parameter from its current gradient. Gradients are read, not cleared. */
    void step();

    /** The parameters this optimiser updates, in order. */
    List<Parameter> parameters();

    /** The current learning rate. */
    double learningRate();

    /** Sets the learning rate for the following steps (a schedule), finite and {@code > 0}. */
    void setLearningRate(double learningRate);

    /** Sets every gradient of {@link #parameters()} to 0. */
    default void zeroGradients() {
        Gradients.zero(parameters());
    }
}
