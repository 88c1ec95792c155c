package org.rnnkernels;

import java.util.Arrays;
import org.rnnkernels.internal.VectorMath;
import org.rnnkernels.simd.FloatLanes;

/** Applies {@link VectorMath} to arrays; a class of its own so tests link to the Vector API only when it is in use. */
final class VectorMathProbe {

    private VectorMathProbe() {
    }

    static void sigm(float[] x, float[] y, int n) {
        activate(x, y, n, false);
    }

    static void tanh(float[] x, float[] y, int n) {
        activate(x, y, n, true);
    }

    // VectorMath.activate works in place on whole vectors: a copy padded to a multiple of the lane count
    private static void activate(float[] x, float[] y, int n, boolean tanh) {
        int lanes = FloatLanes.SPECIES.length();
        float[] a = Arrays.copyOf(x, (n + lanes - 1) / lanes * lanes);
        VectorMath.activate(a, 0, a.length, tanh);
        System.arraycopy(a, 0, y, 0, n);
    }
}
