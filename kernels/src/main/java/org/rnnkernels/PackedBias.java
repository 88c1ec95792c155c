package org.rnnkernels;

/**
 * The biases as the gate pass reads them. Where a block only ever sees {@code gi_k + gh_k}, the two
 * biases are folded into one ({@code b_ih_k + b_hh_k}, {@code G*H} floats). GRU-like cells keep
 * block {@code n} apart because the reset gate multiplies (or inhibits) {@code gh_n + b_hh_n} only:
 * their layout is {@code [b_r, b_z, b_ih_n, b_hh_n]}, {@code 4*H} floats.
 */
final class PackedBias {
    private PackedBias() {
    }

    static float[] pack(CellType type, int hidden, float[] bIh, float[] bHh) {
        int width = type.gates() * hidden;
        float[] packed = new float[type.resetsCandidate() ? width + hidden : width];
        if (bIh == null) {
            return packed;
        }
        int folded = type.resetsCandidate() ? 2 * hidden : width;
        for (int k = 0; k < folded; k++) {
            packed[k] = bIh[k] + bHh[k];
        }
        if (type.resetsCandidate()) {
            System.arraycopy(bIh, 2 * hidden, packed, 2 * hidden, hidden);
            System.arraycopy(bHh, 2 * hidden, packed, 3 * hidden, hidden);
        }
        return packed;
    }
}
