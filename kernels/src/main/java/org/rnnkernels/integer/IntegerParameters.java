package org.rnnkernels.integer;

/**
 * What an integer cell step reads beside its operands: {@code H}, {@code ONE = 2^F}, the weight exponents of
 * each gate block of {@code W_ih} and {@code W_hh} (each product is rescaled by its block's), and the biases
 * in units of {@code 2^-F} (zeros for a layer without). Arrays are the layer's own and are never written.
 */
public final class IntegerParameters {
    final int hidden;
    final int one;
    final int[] inputExponents;
    final int[] recurrentExponents;
    final int[] inputBias;
    final int[] recurrentBias;

    public IntegerParameters(int hidden, int fractionBits, int[] inputExponents, int[] recurrentExponents,
                             int[] inputBias, int[] recurrentBias) {
        int width = inputExponents.length * hidden;
        this.hidden = hidden;
        this.one = 1 << fractionBits;
        this.inputExponents = inputExponents.clone();
        this.recurrentExponents = recurrentExponents.clone();
        this.inputBias = inputBias == null ? new int[width] : inputBias.clone();
        this.recurrentBias = recurrentBias == null ? new int[width] : recurrentBias.clone();
    }
}
