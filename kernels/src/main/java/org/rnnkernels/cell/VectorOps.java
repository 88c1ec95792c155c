package org.rnnkernels.cell;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.internal.VectorMath;
import org.rnnkernels.simd.FloatLanes;

/**
 * The Vector API pieces the cells share, each with its plain twin in {@link ScalarOps} for the tail.
 * Touch only when {@link org.rnnkernels.simd.Simd#kind()} is {@code VECTOR}.
 *
 * <p>Loops load and store with {@code FloatVector.fromArray(S, a, i)} and {@code v.intoArray(a, i)}
 * themselves, never through a helper of ours: the Vector API's methods are force-inlined, ours are not.
 * C2 refuses to inline even a 9-byte helper at a call site its profile calls rare ("low call site
 * frequency"), and a loop method that C1 first compiled without profiling (tier 2, chosen when C2's queue
 * is long) carries such stale counts into the compilation that inlines it; the helper's vectors are then
 * boxed, 80 bytes each. Measured: LSTM's {@code cellUpdate} with {@code load}/{@code store} helpers boxed in
 * 7 of 12 fresh JVMs at H = 256, B = 1 (7,680 bytes a step: 6 vectors a unit block) and in one JMH fork of
 * the main job (122,881 bytes a step at B = 16); without them, in none of 12.
 */
final class VectorOps {
    static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    // Constants as vectors made once: v.max(0f) would broadcast in the loop body.
    static final FloatVector ZERO = FloatVector.zero(S);
    static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);

    private VectorOps() {
    }

    // out[o + k + j] = gi[g + k + j] + gh[q + k + j] + b[k + j] over the block at offset k
    static void sum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector.fromArray(S, gi, g + k + j).add(FloatVector.fromArray(S, gh, q + k + j)).add(FloatVector.fromArray(S, bias, k + j))
                    .intoArray(out, o + k + j);
        }
        ScalarOps.sum(end, to, gi, g, gh, q, bias, k, out, o);
    }

    // out[o + j] = x[xo + j] + y[yo + j]
    static void add(int from, int to, float[] x, int xo, float[] y, int yo, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector.fromArray(S, x, xo + j).add(FloatVector.fromArray(S, y, yo + j)).intoArray(out, o + j);
        }
        ScalarOps.add(end, to, x, xo, y, yo, out, o);
    }

    /**
     * {@code a[k + j] = act(a[k + j])} over units {@code from .. to-1}, act = sigm or tanh
     * ({@link VectorMath#activate}, the one vector loop with a transcendental function, see {@link GatePass});
     * call it from one site per cell, in a loop over blocks.
     */
    static void activate(int from, int to, float[] a, int k, boolean tanh) {
        int end = from + S.loopBound(to - from);
        VectorMath.activate(a, k + from, k + end, tanh);
        ScalarOps.activate(end, to, a, k, tanh);
    }

    // The MI pre-activation of the block at offset k into out[o + k ..] (see ScalarOps.miPre for why this
    // order): ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b, with plain multiplies and adds (no fma) so that
    // alpha = 0, beta = 1 gives the plain cells' (gi + gh) + b to the bit.
    static void miSum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                      int width, int k, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector wx = FloatVector.fromArray(S, gi, g + k + j);
            FloatVector uh = FloatVector.fromArray(S, gh, q + k + j);
            FloatVector alpha = FloatVector.fromArray(S, mi, k + j);
            FloatVector beta1 = FloatVector.fromArray(S, mi, width + k + j);
            FloatVector beta2 = FloatVector.fromArray(S, mi, 2 * width + k + j);
            beta2.mul(wx).add(beta1.mul(uh)).add(alpha.mul(wx).mul(uh)).add(FloatVector.fromArray(S, bias, k + j))
                    .intoArray(out, o + k + j);
        }
        ScalarOps.miSum(end, to, gi, g, gh, q, bias, mi, width, k, out, o);
    }

    // The MI rows of block k of a training row at g, units 0 .. end-1 (ScalarOps.miRow): dGi = dPre (alpha U + beta2),
    // dGh = dPre (alpha Wx + beta1), U (the integrated Uh) at act[u + k]
    static void miRows(float[] mi, TrainingTrace s, int g, int k, int u, int end) {
        int w = s.width;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector d = FloatVector.fromArray(S, s.dPre, g + k + j);
            FloatVector alpha = FloatVector.fromArray(S, mi, k + j);
            d.mul(alpha.mul(FloatVector.fromArray(S, s.act, u + k + j)).add(FloatVector.fromArray(S, mi, 2 * w + k + j)))
                    .intoArray(s.dGi, g + k + j);
            d.mul(alpha.mul(FloatVector.fromArray(S, s.gi, g + k + j)).add(FloatVector.fromArray(S, mi, w + k + j)))
                    .intoArray(s.dGh, g + k + j);
        }
    }

    // h' = n + z*(h - n), z in block 1 and n in block 2 of gates, activated
    static void blend(int from, int to, int n, float[] gates, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector z = FloatVector.fromArray(S, gates, q + n + j);
            FloatVector cand = FloatVector.fromArray(S, gates, q + 2 * n + j);
            cand.add(z.mul(FloatVector.fromArray(S, hPrev, hp + j).sub(cand))).intoArray(hOut, ho + j);
        }
        ScalarOps.blend(end, to, n, gates, q, hPrev, hp, hOut, ho);
    }

    // out_n = (gi_n + b_in) + r*(gh_n + b_hn), r activated in block 0 of out, gh_n raw
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector r = FloatVector.fromArray(S, out, o + j);
            FloatVector ghn = FloatVector.fromArray(S, gh, q + 2 * n + j).add(FloatVector.fromArray(S, bias, 3 * n + j));
            FloatVector gin = FloatVector.fromArray(S, gi, g + 2 * n + j).add(FloatVector.fromArray(S, bias, 2 * n + j));
            gin.add(r.mul(ghn)).intoArray(out, o + 2 * n + j);
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
