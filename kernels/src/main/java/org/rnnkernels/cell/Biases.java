package org.rnnkernels.cell;

/**
 * The biases as the gate passes read them. Where a block only ever sees {@code gi_k + gh_k}, the two
 * biases are folded into one ({@code b_ih_k + b_hh_k}, {@code G*H} floats). Cells whose reset gate
 * multiplies (or inhibits) {@code gh_n + b_hh_n} alone keep block {@code n} apart: their layout is
 * {@code [b_r, b_z, b_ih_n, b_hh_n]}, {@code 4*H} floats ({@code splitCandidate}).
 */
public final class Biases {
    private Biases() {
    }

    /** Floats of the packed bias of a cell of {@code gates} blocks of {@code hidden}. */
    public static int length(int gates, int hidden, boolean splitCandidate) {
        return splitCandidate ? (gates + 1) * hidden : gates * hidden;
    }

    /** A new packed bias; zeros when {@code bIh} is null (a layer without biases). */
    public static float[] pack(int gates, int hidden, boolean splitCandidate, float[] bIh, float[] bHh) {
        float[] packed = new float[length(gates, hidden, splitCandidate)];
        if (bIh != null) {
            fold(gates, hidden, splitCandidate, bIh, bHh, packed);
        }
        return packed;
    }

    /** Packs {@code bIh, bHh} into {@code packed} again, in place (after an optimiser step). */
    public static void fold(int gates, int hidden, boolean splitCandidate, float[] bIh, float[] bHh, float[] packed) {
        int folded = splitCandidate ? 2 * hidden : gates * hidden;
        for (int k = 0; k < folded; k++) {
            packed[k] = bIh[k] + bHh[k];
        }
        if (splitCandidate) {
            System.arraycopy(bIh, 2 * hidden, packed, 2 * hidden, hidden);
            System.arraycopy(bHh, 2 * hidden, packed, 3 * hidden, hidden);
        }
    }
}
