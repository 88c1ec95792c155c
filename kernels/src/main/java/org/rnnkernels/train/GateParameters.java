package org.rnnkernels.train;

import org.rnnkernels.CellType;
import org.rnnkernels.cell.Biases;

/**
 * What the gate passes read beside the products: the biases, packed as the inference gate pass packs
 * them ({@code b_ih + b_hh} per row, except GRU-like cells' block {@code n}, whose two biases stay apart:
 * {@code [b_r, b_z, b_ih_n, b_hh_n]}, {@code 4H} floats), and the MI vectors {@code alpha, beta1, beta2}
 * ({@code [G*H]} each, null for the other cells), and EGRU's thresholds {@code theta [H]} with its
 * pseudo-derivative {@code gamma * max(0, 1 - s|v|)} (null and 0 for the other cells). The gate passes
 * only read it; the arrays are the layer's live parameters, and {@link #fold} packs the biases again
 * after an optimiser step.
 */
final class GateParameters {
    final CellType type;
    final int hidden;
    final float[] bias;
    final float[] alpha;
    final float[] beta1;
    final float[] beta2;
    final float[] theta;
    final float gamma;
    final float slope;

    GateParameters(CellType type, int hidden, float[] bIh, float[] bHh, float[] alpha, float[] beta1, float[] beta2) {
        this(type, hidden, bIh, bHh, alpha, beta1, beta2, null, 0f, 0f);
    }

    GateParameters(CellType type, int hidden, float[] bIh, float[] bHh, float[] alpha, float[] beta1, float[] beta2,
                   float[] theta, float gamma, float slope) {
        this.type = type;
        this.theta = theta;
        this.gamma = gamma;
        this.slope = slope;
        this.hidden = hidden;
        this.alpha = alpha;
        this.beta1 = beta1;
        this.beta2 = beta2;
        bias = new float[type.description().packedBiasLength(hidden)];
        fold(bIh, bHh);
    }

    /** Packs {@code b_ih, b_hh} into {@link #bias} again (in place). */
    void fold(float[] bIh, float[] bHh) {
        Biases.fold(type.gates(), hidden, type.description().splitCandidate(), bIh, bHh, bias);
    }
}
