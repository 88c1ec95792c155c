package org.rnnkernels.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/** {@link SparseProducts}, a vector at a time, the tails through {@link ScalarSparseProducts}. */
final class VectorSparseProducts extends ScalarSparseProducts {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    // Unit by unit: its row of W_hh^T against the samples that need it, four at a time (one load of W for
    // four FMAs; the row stays in L1 for the rest).
    @Override
    public void supportProduct(float[] wHhT, TrainingState s, int t) {
        int n = s.hidden, w = s.width, base = t * s.batch * w;
        int[] samples = s.supportSamples;
        java.util.Arrays.fill(s.dh, 0, s.batch * n, 0f);
        for (int i = 0; i < s.supportUnitCount; i++) {
            int j = s.supportUnits[i];
            int count = 0;
            for (int b = 0; b < s.batch; b++) {
                if (s.needed[b * n + j]) {
                    samples[count++] = b;
                }
            }
            int k = 0;
            for (; k + 4 <= count; k += 4) {
                dot4(wHhT, j * w, s.dGh, base, w, samples, k, s.dh, n, j);
            }
            for (; k < count; k++) {
                int b = samples[k];
                s.dh[b * n + j] = dot(wHhT, j * w, s.dGh, base + b * w, w);
            }
        }
    }

    // dh[b*n + j] = a[ai ..] . x[base + b*w ..] (w floats) for the four samples b = samples[k .. k+3]
    private static void dot4(float[] a, int ai, float[] x, int base, int w, int[] samples, int k, float[] dh, int n, int j) {
        int b0 = samples[k], b1 = samples[k + 1], b2 = samples[k + 2], b3 = samples[k + 3];
        int x0 = base + b0 * w, x1 = base + b1 * w, x2 = base + b2 * w, x3 = base + b3 * w;
        int end = S.loopBound(w);
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        for (int c = 0; c < end; c += S.length()) {
            FloatVector av = FloatVector.fromArray(S, a, ai + c);
            s0 = av.fma(FloatVector.fromArray(S, x, x0 + c), s0);
            s1 = av.fma(FloatVector.fromArray(S, x, x1 + c), s1);
            s2 = av.fma(FloatVector.fromArray(S, x, x2 + c), s2);
            s3 = av.fma(FloatVector.fromArray(S, x, x3 + c), s3);
        }
        dh[b0 * n + j] = dot(a, ai, x, x0, end, w, s0.reduceLanes(VectorOperators.ADD));
        dh[b1 * n + j] = dot(a, ai, x, x1, end, w, s1.reduceLanes(VectorOperators.ADD));
        dh[b2 * n + j] = dot(a, ai, x, x2, end, w, s2.reduceLanes(VectorOperators.ADD));
        dh[b3 * n + j] = dot(a, ai, x, x3, end, w, s3.reduceLanes(VectorOperators.ADD));
    }

    // y[yi ..] += a x[xi ..] over n floats (the row of y stays in L1 across the calls of one unit)
    @Override
    void axpyRow(float a, float[] x, int xi, float[] y, int yi, int n) {
        axpyVectors(a, x, xi, y, yi, n);
    }

    /** {@code y[yi + k] += a * x[xi + k]}, {@code k < n}, a vector at a time, the tail scalar. */
    static void axpyVectors(float a, float[] x, int xi, float[] y, int yi, int n) {
        int end = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, a);
        for (int k = 0; k < end; k += S.length()) {
            av.fma(FloatVector.fromArray(S, x, xi + k), FloatVector.fromArray(S, y, yi + k)).intoArray(y, yi + k);
        }
        axpy(a, x, xi, y, yi, end, n);
    }

    // a[ai .. ai+n-1] . x[xi .. xi+n-1], scalar tail. The accumulator starts from a zero made here: started from
    // the static ZERO, C2 boxed it on every iteration (measured 0.3 GFMA/s against 6 with this form).
    private static float dot(float[] a, int ai, float[] x, int xi, int n) {
        int end = S.loopBound(n);
        FloatVector sum = FloatVector.zero(S);
        for (int k = 0; k < end; k += S.length()) {
            sum = FloatVector.fromArray(S, a, ai + k).fma(FloatVector.fromArray(S, x, xi + k), sum);
        }
        return dot(a, ai, x, xi, end, n, sum.reduceLanes(VectorOperators.ADD));
    }
}
