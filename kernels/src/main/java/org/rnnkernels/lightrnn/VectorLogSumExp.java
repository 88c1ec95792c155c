package org.rnnkernels.lightrnn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.internal.VectorMath;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link LogSumExp} on the Vector API: a max pass and a sum-of-exp pass, each its own small loop
 * (one {@link VectorMath#exp} in a loop keeps C2 inside its inlining budget, see
 * {@code org.rnnkernels.cell.GatePass}), scalar tails. The exp is {@link VectorMath#exp} (about 1 ulp), the same
 * bits in every JIT tier. The sums' lanes are added in lane order, not by {@code reduceLanes(ADD)}: C2's intrinsic adds
 * them in another order than the interpreter and C1, so a score depended on when its caller got compiled (seen:
 * {@code LightRnnStreamingTest}'s chunks and one call of the same words 1 ulp apart in log P, in one CI run of
 * several). The max's order does not matter.
 *
 * <p>Accumulators start from a vector made in the method ({@code zero}, {@code broadcast}), never
 * from a {@code static final} vector: a loop-carried vector whose first value is a constant object
 * is boxed on every iteration (measured: 64 bytes an iteration, 1.5 KB a call at n = 100; none
 * with the local start).
 */
final class VectorLogSumExp implements LogSumExp {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    @Override
    public float logSumExp(float[] z, int offset, int n) {
        float m = max(z, offset, n);
        return m + (float) Math.log(sumExp(z, offset, n, m));
    }

    @Override
    public float logSumExp(float[] z, int offset, int n, float[] mask, int maskOffset) {
        float m = maxMasked(z, offset, n, mask, maskOffset);
        return m + (float) Math.log(sumExpMasked(z, offset, n, mask, maskOffset, m));
    }

    private static float max(float[] z, int offset, int n) {
        int end = S.loopBound(n);
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < end; i += S.length()) {
            acc = acc.max(FloatVector.fromArray(S, z, offset + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (int i = end; i < n; i++) {
            m = Math.max(m, z[offset + i]);
        }
        return m;
    }

    // sum_i exp(z_i - m)
    private static float sumExp(float[] z, int offset, int n, float m) {
        int end = S.loopBound(n);
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < end; i += S.length()) {
            acc = acc.add(VectorMath.exp(FloatVector.fromArray(S, z, offset + i).sub(mv)));
        }
        float s = 0f;
        for (int l = 0; l < S.length(); l++) {     // lane order (see the class comment)
            s += acc.lane(l);
        }
        for (int i = end; i < n; i++) {
            s += ScalarLogSumExp.term(z[offset + i], m);
        }
        return s;
    }

    private static float maxMasked(float[] z, int offset, int n, float[] mask, int maskOffset) {
        int end = S.loopBound(n);
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < end; i += S.length()) {
            acc = acc.max(FloatVector.fromArray(S, z, offset + i).add(FloatVector.fromArray(S, mask, maskOffset + i)));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (int i = end; i < n; i++) {
            m = Math.max(m, z[offset + i] + mask[maskOffset + i]);
        }
        return m;
    }

    // sum_i exp(z_i + mask_i - m)
    private static float sumExpMasked(float[] z, int offset, int n, float[] mask, int maskOffset, float m) {
        int end = S.loopBound(n);
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < end; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, z, offset + i).add(FloatVector.fromArray(S, mask, maskOffset + i));
            acc = acc.add(VectorMath.exp(v.sub(mv)));
        }
        float s = 0f;
        for (int l = 0; l < S.length(); l++) {     // lane order (see the class comment)
            s += acc.lane(l);
        }
        for (int i = end; i < n; i++) {
            s += ScalarLogSumExp.term(z[offset + i] + mask[maskOffset + i], m);
        }
        return s;
    }
}
