package org.rnnkernels.cell;

/**
 * What a {@link TrainingPass} reads beside the trace, in the layout the {@link GatePass}es read: the
 * biases packed ({@link Biases}), the cell's extra parameters ({@code [alpha | beta1 | beta2]} packed from
 * the live MI vectors, each {@code [G*H]}; EGRU's live thresholds {@code theta [H]}; else null), and EGRU's
 * pseudo-derivative {@code gamma * max(0, 1 - slope |v|)} (0 and 0 for the other cells). The passes only
 * read it; {@link #refresh} packs the live parameters again after an optimiser changed them.
 */
public final class GateParameters {
    public final float[] bias;
    public final float[] extra;
    public final float gamma;
    public final float slope;
    private final CellDescription cell;
    private final int hidden;
    private final float[] alpha;
    private final float[] beta1;
    private final float[] beta2;

    /** A cell without extra parameters. */
    public GateParameters(CellDescription cell, int hidden, float[] bIh, float[] bHh) {
        this(cell, hidden, bIh, bHh, null, null, null, null, 0f, 0f);
    }

    /**
     * A cell with its extra parameters: {@code alpha, beta1, beta2} the live MI vectors (or null), {@code theta}
     * EGRU's live thresholds (or null) with its pseudo-derivative {@code gamma, slope}.
     */
    public GateParameters(CellDescription cell, int hidden, float[] bIh, float[] bHh, float[] alpha, float[] beta1,
                          float[] beta2, float[] theta, float gamma, float slope) {
        this.cell = cell;
        this.hidden = hidden;
        this.alpha = alpha;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.gamma = gamma;
        this.slope = slope;
        this.bias = new float[cell.packedBiasLength(hidden)];
        this.extra = alpha != null ? new float[3 * alpha.length] : theta;
        refresh(bIh, bHh);
    }

    /** Packs {@code b_ih, b_hh} (and the MI vectors) again, in place. */
    public void refresh(float[] bIh, float[] bHh) {
        Biases.fold(cell.gates(), hidden, cell.splitCandidate(), bIh, bHh, bias);
        if (alpha != null) {
            int rows = alpha.length;
            System.arraycopy(alpha, 0, extra, 0, rows);
            System.arraycopy(beta1, 0, extra, rows, rows);
            System.arraycopy(beta2, 0, extra, 2 * rows, rows);
        }
    }
}
