package org.rnnkernels.cell;

import static org.rnnkernels.internal.VectorMath.sigm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * The Vector API pieces the cells share, each with its plain twin in {@link ScalarOps} for the tail.
 * Touch only when {@link org.rnnkernels.simd.Simd#kind()} is {@code VECTOR}.
 */
final class VectorOps {
    static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    // Constants as vectors made once: v.max(0f) would broadcast in the loop body.
    static final FloatVector ZERO = FloatVector.zero(S);
    static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);

    private VectorOps() {
    }

    static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    static void store(FloatVector v, float[] a, int i) {
        v.intoArray(a, i);
    }

    /**
     * {@code a = (gi + gh) + b} at the given offsets, a vector of one block's pre-activations. It takes
     * offsets, not a block and a unit, to stay within 35 bytes of bytecode: a method that returns a
     * vector must be inlined wherever it is called, or the vector is boxed (see
     * {@code internal.VectorMath} and {@code VectorBoundaryTest}).
     */
    static FloatVector pre(float[] gi, int giAt, float[] gh, int ghAt, float[] bias, int biasAt) {
        return load(gi, giAt).add(load(gh, ghAt)).add(load(bias, biasAt));
    }

    // gh[k + j] = gi[k + j] + gh[k + j] + b[k + j] over the block at offset k.
    static void sumInPlace(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, int k) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            store(pre(gi, g + k + j, gh, q + k + j, bias, k + j), gh, q + k + j);
        }
        ScalarOps.sumInPlace(end, to, gi, g, gh, q, bias, k);
    }

    /**
     * {@code a[k + j] = act(a[k + j])} over units {@code from .. to-1}, act = sigm, or tanh as
     * {@code 2 sigm(2a) - 1}: the one loop with an {@code exp} (see {@link GatePass}); call it from
     * one site per cell, in a loop over blocks.
     */
    static void activate(int from, int to, float[] a, int k, boolean tanh) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector x = load(a, k + j);
            FloatVector s = sigm(tanh ? x.add(x) : x);
            store(tanh ? s.add(s).sub(ONE) : s, a, k + j);
        }
        ScalarOps.activate(end, to, a, k, tanh);
    }

    // MI pre-activation of rows k + j.. (see ScalarOps.miPre for why this order):
    // ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b, with plain multiplies and adds (no fma) so that
    // alpha = 0, beta = 1 gives the plain cells' (gi + gh) + b to the bit.
    static void miSumInPlace(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                             int width, int k) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector wx = load(gi, g + k + j);
            FloatVector uh = load(gh, q + k + j);
            FloatVector alpha = load(mi, k + j);
            FloatVector beta1 = load(mi, width + k + j);
            FloatVector beta2 = load(mi, 2 * width + k + j);
            store(beta2.mul(wx).add(beta1.mul(uh)).add(alpha.mul(wx).mul(uh)).add(load(bias, k + j)), gh, q + k + j);
        }
        ScalarOps.miSumInPlace(end, to, gi, g, gh, q, bias, mi, width, k);
    }

    // h' = n + z*(h - n), z in block 1 and n in block 2 of gh, activated
    static void blend(int from, int to, int n, float[] gh, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector z = load(gh, q + n + j);
            FloatVector cand = load(gh, q + 2 * n + j);
            store(cand.add(z.mul(load(hPrev, hp + j).sub(cand))), hOut, ho + j);
        }
        ScalarOps.blend(end, to, n, gh, q, hPrev, hp, hOut, ho);
    }

    // gh_n = (gi_n + b_in) + r*(gh_n + b_hn), r activated in block 0
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector r = load(gh, q + j);
            FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
            FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
            store(gin.add(r.mul(ghn)), gh, q + 2 * n + j);
        }
        ScalarOps.candidatePre(end, to, n, gi, g, gh, q, bias);
    }

    /** {@code hardtanh(v) = min(max(v, -1), 1)}. */
    static FloatVector hardtanh(FloatVector v) {
        return v.max(MINUS_ONE).min(ONE);
    }

    /**
     * RAG inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)}, written as
     * {@code v - clamp(v, -q, q)}: the same value bit for bit (for {@code v > q} both round
     * {@code v - q}; for {@code v < -q} both round {@code v + q}, rounding being symmetric; in between
     * both are +0), in four vector operations instead of six, which keeps the RAG-LSTM loop body
     * inside C2's inlining budget.
     */
    static FloatVector inhibit(FloatVector v, FloatVector q) {
        return v.sub(v.min(q).max(q.neg()));
    }
}
