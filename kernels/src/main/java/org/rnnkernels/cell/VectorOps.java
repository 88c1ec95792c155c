package org.rnnkernels.cell;

import static org.rnnkernels.internal.VectorMath.sigm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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

    // out[o + k + j] = gi[g + k + j] + gh[q + k + j] + b[k + j] over the block at offset k
    static void sum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            store(pre(gi, g + k + j, gh, q + k + j, bias, k + j), out, o + k + j);
        }
        ScalarOps.sum(end, to, gi, g, gh, q, bias, k, out, o);
    }

    // out[o + j] = x[xo + j] + y[yo + j]
    static void add(int from, int to, float[] x, int xo, float[] y, int yo, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            store(load(x, xo + j).add(load(y, yo + j)), out, o + j);
        }
        ScalarOps.add(end, to, x, xo, y, yo, out, o);
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

    // The MI pre-activation of the block at offset k into out[o + k ..] (see ScalarOps.miPre for why this
    // order): ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b, with plain multiplies and adds (no fma) so that
    // alpha = 0, beta = 1 gives the plain cells' (gi + gh) + b to the bit.
    static void miSum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                      int width, int k, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector wx = load(gi, g + k + j);
            FloatVector uh = load(gh, q + k + j);
            FloatVector alpha = load(mi, k + j);
            FloatVector beta1 = load(mi, width + k + j);
            FloatVector beta2 = load(mi, 2 * width + k + j);
            store(beta2.mul(wx).add(beta1.mul(uh)).add(alpha.mul(wx).mul(uh)).add(load(bias, k + j)), out, o + k + j);
        }
        ScalarOps.miSum(end, to, gi, g, gh, q, bias, mi, width, k, out, o);
    }

    // The MI rows of block k of a training row at g, units 0 .. end-1 (ScalarOps.miRow): dGi = dPre (alpha U + beta2),
    // dGh = dPre (alpha Wx + beta1), U (the integrated Uh) at act[u + k]
    static void miRows(float[] mi, TrainingTrace s, int g, int k, int u, int end) {
        int w = s.width;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector d = load(s.dPre, g + k + j);
            FloatVector alpha = load(mi, k + j);
            d.mul(alpha.mul(load(s.act, u + k + j)).add(load(mi, 2 * w + k + j))).intoArray(s.dGi, g + k + j);
            d.mul(alpha.mul(load(s.gi, g + k + j)).add(load(mi, w + k + j))).intoArray(s.dGh, g + k + j);
        }
    }

    // h' = n + z*(h - n), z in block 1 and n in block 2 of gates, activated
    static void blend(int from, int to, int n, float[] gates, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector z = load(gates, q + n + j);
            FloatVector cand = load(gates, q + 2 * n + j);
            store(cand.add(z.mul(load(hPrev, hp + j).sub(cand))), hOut, ho + j);
        }
        ScalarOps.blend(end, to, n, gates, q, hPrev, hp, hOut, ho);
    }

    // out_n = (gi_n + b_in) + r*(gh_n + b_hn), r activated in block 0 of out, gh_n raw
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector r = load(out, o + j);
            FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
            FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
            store(gin.add(r.mul(ghn)), out, o + 2 * n + j);
        }
        ScalarOps.candidatePre(end, to, n, gi, g, gh, q, bias, out, o);
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

    // [|v| > q], where S(v, q) passes v
    static VectorMask<Float> passes(FloatVector v, FloatVector q) {
        return v.abs().compare(VectorOperators.GT, q);
    }

    // [-1 < v < 1], where hardtanh has slope 1
    static VectorMask<Float> inside(FloatVector v) {
        return v.abs().compare(VectorOperators.LT, ONE);
    }

    // -sign(v) dv: dS/dq from the dS/dv-weighted gradient
    static FloatVector signFlip(FloatVector dv, FloatVector v) {
        return dv.blend(dv.neg(), v.compare(VectorOperators.GT, ZERO));
    }

    // dGi[i ..] = dGh[i ..] = v: a row whose product gradients are equal (a block that sees gi + gh)
    static void storeBoth(FloatVector v, TrainingTrace s, int i) {
        v.intoArray(s.dGi, i);
        v.intoArray(s.dGh, i);
    }
}
