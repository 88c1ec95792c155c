package org.rnnkernels.ternary;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;

/**
 * The elementwise part of a ternary LSTM or GRU step, one sample: from the pre-activations of all
 * gate blocks to the new state, {@code h} (and {@code c}) updated in place. {@code gi} and
 * {@code gh} hold {@code [G*H]} pre-activations with bias, already multiplied by the sloping factor
 * {@code lambda} (so {@code sigm(gi + gh)} here is {@code sigm(lambda * a)} of CELLS.md; see
 * {@link TernaryLayer}); {@code gh} is scratch and may be overwritten. Implementations are stateless.
 */
abstract class TernaryGates {

    /** GRU (blocks r, z, n): {@code r = sigm(gi_r+gh_r)}, {@code z = sigm(gi_z+gh_z)}, {@code n = tanh(gi_n + r*gh_n)}, {@code h' = (1-z)*n + z*h}. */
    abstract void gru(int hidden, float[] gi, float[] gh, float[] h, int ho);

    /** LSTM (blocks i, f, g, o): {@code c' = f*c + i*g}, {@code h' = o*tanh(c')}. */
    abstract void lstm(int hidden, float[] gi, float[] gh, float[] h, int ho, float[] c, int co);

    static TernaryGates get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final TernaryGates INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), TernaryGates.class,
                "org.rnnkernels.ternary.VectorTernaryGates", ScalarTernaryGates::new);

        private Holder() {
        }
    }
}
