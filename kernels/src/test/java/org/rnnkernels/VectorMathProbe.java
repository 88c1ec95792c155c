package org.rnnkernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;
import org.rnnkernels.internal.VectorMath;

/** Applies {@link VectorMath} to arrays; a class of its own so tests link to the Vector API only when it is in use. */
final class VectorMathProbe {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    private VectorMathProbe() {
    }

    static void sigm(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, n);
            VectorMath.sigm(FloatVector.fromArray(S, x, i, m)).intoArray(y, i, m);
        }
    }

    // tanh as the cells compute it (cell.VectorOps.activate): 2 sigm(2x) - 1
    static void tanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, i, m);
            FloatVector s = VectorMath.sigm(v.add(v));
            s.add(s).sub(1f).intoArray(y, i, m);
        }
    }
}
