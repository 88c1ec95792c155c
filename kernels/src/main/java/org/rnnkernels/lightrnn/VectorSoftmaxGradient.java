package org.rnnkernels.lightrnn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.internal.VectorMath;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link SoftmaxGradient} on the Vector API: one small loop per method with one {@link VectorMath#exp}
 * (about 1 ulp), so C2 keeps it inside its inlining budget, and a scalar tail.
 */
final class VectorSoftmaxGradient implements SoftmaxGradient {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    @Override
    public void scaledSoftmax(float[] z, int offset, int n, float lse, float scale) {
        int end = S.loopBound(n);
        FloatVector lseV = FloatVector.broadcast(S, lse);
        FloatVector scaleV = FloatVector.broadcast(S, scale);
        for (int i = 0; i < end; i += S.length()) {
            VectorMath.exp(FloatVector.fromArray(S, z, offset + i).sub(lseV)).mul(scaleV).intoArray(z, offset + i);
        }
        for (int i = end; i < n; i++) {
            z[offset + i] = scale * ScalarLogSumExp.term(z[offset + i], lse);
        }
    }

    @Override
    public void scaledSoftmax(float[] z, int offset, int n, float[] mask, int maskOffset, float lse, float scale) {
        int end = S.loopBound(n);
        FloatVector lseV = FloatVector.broadcast(S, lse);
        FloatVector scaleV = FloatVector.broadcast(S, scale);
        for (int i = 0; i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, z, offset + i).add(FloatVector.fromArray(S, mask, maskOffset + i));
            VectorMath.exp(v.sub(lseV)).mul(scaleV).intoArray(z, offset + i);
        }
        for (int i = end; i < n; i++) {
            z[offset + i] = scale * ScalarLogSumExp.term(z[offset + i] + mask[maskOffset + i], lse);
        }
    }
}
