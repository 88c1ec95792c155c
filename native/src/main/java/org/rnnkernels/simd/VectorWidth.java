package org.rnnkernels.simd;

import jdk.incubator.vector.FloatVector;

/** Picks the vector width; loaded only after {@link Simd} has found the Vector API module. */
final class VectorWidth {
    private VectorWidth() {
    }

    static int choose(String forcedBits) {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (forcedBits == null || forcedBits.isBlank()) {
            return preferred;
        }
        int bits;
        try {
            bits = Integer.parseInt(forcedBits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("-D" + Simd.BITS_PROPERTY + "=" + forcedBits + ": expected 128, 256 or 512");
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalStateException("-D" + Simd.BITS_PROPERTY + "=" + bits + ": expected 128, 256 or 512");
        }
        if (bits > preferred) {
            throw new IllegalStateException("-D" + Simd.BITS_PROPERTY + "=" + bits + " is wider than this machine's "
                    + preferred + "-bit vectors");
        }
        return bits;
    }
}
