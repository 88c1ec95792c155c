package org.rnnkernels;

/**
 * The per-unit vectors of a multiplicative-integration cell (Wu et al., NeurIPS 2016), each
 * {@code [G*H]} in the cell's gate-block order: a block's pre-activation
 * {@code Wx + Uh + b} becomes {@code alpha*(Wx)*(Uh) + beta1*(Uh) + beta2*(Wx) + b}.
 * With {@code alpha = 0, beta1 = beta2 = 1} an MI cell is its plain cell, to the bit.
 */
public record MiParameters(float[] alpha, float[] beta1, float[] beta2) {

    /** The usual initialisation: {@code alpha = 1}, {@code beta1 = beta2 = 0.5}. */
    public static MiParameters initial(int rows) {
        float[] alpha = new float[rows];
        float[] beta = new float[rows];
        java.util.Arrays.fill(alpha, 1f);
        java.util.Arrays.fill(beta, 0.5f);
        return new MiParameters(alpha, beta, beta.clone());
    }

    /** {@code [alpha | beta1 | beta2]}, the layout the gate passes read. */
    float[] packed() {
        int rows = alpha.length;
        float[] all = new float[3 * rows];
        System.arraycopy(alpha, 0, all, 0, rows);
        System.arraycopy(beta1, 0, all, rows, rows);
        System.arraycopy(beta2, 0, all, 2 * rows, rows);
        return all;
    }
}
