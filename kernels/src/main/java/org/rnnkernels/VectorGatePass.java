package org.rnnkernels;

import static org.rnnkernels.VectorMath.sigm;
import static org.rnnkernels.VectorMath.tanh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API gate pass: the equations of {@link ScalarGatePass}, a vector of hidden units at a
 * time, the tail included (masked), so no scalar tail computes the same thing a second way.
 */
final class VectorGatePass implements GatePass {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;

    @Override
    public void apply(CellType type, int rows, int hidden, float[] gi, int giOffset, float[] gh, float[] bias,
                      float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c) {
        // One method (and so one JIT compilation) per cell: with all seven loops in one method the
        // compiler runs out of inlining budget, stops inlining exp/sigm, and boxes every vector.
        switch (type) {
            case RNN_TANH -> rnnRows(false, rows, hidden, gi, giOffset, gh, bias, hOut, hOutOffset);
            case RNN_RELU -> rnnRows(true, rows, hidden, gi, giOffset, gh, bias, hOut, hOutOffset);
            case LSTM -> lstmRows(rows, hidden, gi, giOffset, gh, bias, hOut, hOutOffset, c);
            case GRU -> gruRows(rows, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_GRU -> ragGruRows(rows, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_MINIMAL -> ragMinimalRows(rows, hidden, gi, giOffset, gh, bias, hPrev, hPrevOffset, hOut, hOutOffset);
            case RAG_LSTM -> ragLstmRows(rows, hidden, gi, giOffset, gh, bias, hOut, hOutOffset, c);
        }
    }

    // Each ...Rows method walks samples b and vectors of units j, with the lane body written inside
    // the loop: helpers called from a loop are hot, so C2 inlines them (exp included) and no vector
    // is boxed. Full vectors run with mask == null (plain loads), the last H mod lanes units with the
    // tail mask, through the same body. Known limit: for GRU and LSTM (three or four sigm/tanh per
    // unit) the method outgrows C2's node budget (NodeCountInliningCutoff) and part of the body is
    // not inlined; their gate pass is slower than it should be (see README, performance).
    // Row b of gi/gh starts at b*G*H, of h/c at b*H.

    private static void rnnRows(boolean relu, int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                float[] hOut, int hoo) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * n, q = b * n, ho = hoo + b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector a = pre(gi, g, gh, q, bias, 0, j, m);
                store(relu ? a.max(0f) : tanh(a), hOut, ho + j, m);
            }
        }
    }

    private static void lstmRows(int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                 float[] hOut, int hoo, float[] c) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector i = sigm(pre(gi, g, gh, q, bias, 0, j, m));
                FloatVector f = sigm(pre(gi, g, gh, q, bias, n, j, m));
                FloatVector cand = tanh(pre(gi, g, gh, q, bias, 2 * n, j, m));
                FloatVector o = sigm(pre(gi, g, gh, q, bias, 3 * n, j, m));
                FloatVector cNew = f.mul(load(c, cs + j, m)).add(i.mul(cand));
                store(cNew, c, cs + j, m);
                store(o.mul(tanh(cNew)), hOut, ho + j, m);
            }
        }
    }

    private static void gruRows(int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                float[] hPrev, int hpo, float[] hOut, int hoo) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector r = sigm(pre(gi, g, gh, q, bias, 0, j, m));
                FloatVector z = sigm(pre(gi, g, gh, q, bias, n, j, m));
                FloatVector ghn = load(gh, q + 2 * n + j, m).add(load(bias, 3 * n + j, m));
                FloatVector gin = load(gi, g + 2 * n + j, m).add(load(bias, 2 * n + j, m));
                FloatVector cand = tanh(gin.add(r.mul(ghn)));
                FloatVector h = load(hPrev, hp + j, m);
                store(cand.add(z.mul(h.sub(cand))), hOut, ho + j, m);
            }
        }
    }

    private static void ragGruRows(int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                   float[] hPrev, int hpo, float[] hOut, int hoo) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector ar = pre(gi, g, gh, q, bias, 0, j, m);
                FloatVector az = pre(gi, g, gh, q, bias, n, j, m);
                FloatVector ghn = load(gh, q + 2 * n + j, m).add(load(bias, 3 * n + j, m));
                FloatVector gin = load(gi, g + 2 * n + j, m).add(load(bias, 2 * n + j, m));
                FloatVector cand = hardtanh(gin.add(inhibit(ghn, ar.neg().max(0f))));
                FloatVector h = load(hPrev, hp + j, m);
                store(hardtanh(inhibit(h, az.neg().max(0f)).add(inhibit(cand, az.max(0f)))), hOut, ho + j, m);
            }
        }
    }

    private static void ragMinimalRows(int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                       float[] hPrev, int hpo, float[] hOut, int hoo) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * 2 * n, q = b * 2 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector az = pre(gi, g, gh, q, bias, 0, j, m);
                FloatVector cand = hardtanh(pre(gi, g, gh, q, bias, n, j, m));
                FloatVector h = load(hPrev, hp + j, m);
                store(hardtanh(inhibit(h, az.neg().max(0f)).add(inhibit(cand, az.max(0f)))), hOut, ho + j, m);
            }
        }
    }

    private static void ragLstmRows(int rows, int n, float[] gi, int go, float[] gh, float[] bias,
                                    float[] hOut, int hoo, float[] c) {
        int bound = S.loopBound(n);
        VectorMask<Float> tail = bound < n ? S.indexInRange(bound, n) : null;
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            for (int j = 0; j < n; j += S.length()) {
                VectorMask<Float> m = j < bound ? null : tail;
                FloatVector ai = pre(gi, g, gh, q, bias, 0, j, m);
                FloatVector af = pre(gi, g, gh, q, bias, n, j, m);
                FloatVector ag = pre(gi, g, gh, q, bias, 2 * n, j, m);
                FloatVector ao = pre(gi, g, gh, q, bias, 3 * n, j, m);
                FloatVector writeBlock = af.max(0f).add(ai.neg().max(0f));
                FloatVector cNew = hardtanh(inhibit(load(c, cs + j, m), af.neg().max(0f)).add(inhibit(hardtanh(ag), writeBlock)));
                store(cNew, c, cs + j, m);
                store(inhibit(cNew, ao.neg().max(0f)), hOut, ho + j, m);
            }
        }
    }

    // a = gi + gh + b, the pre-activation of one block at units j.. (block offset k = block * H)
    private static FloatVector pre(float[] gi, int g, float[] gh, int q, float[] bias, int k, int j, VectorMask<Float> m) {
        return load(gi, g + k + j, m).add(load(gh, q + k + j, m)).add(load(bias, k + j, m));
    }

    /** {@code hardtanh(v) = min(max(v, -1), 1)}. */
    static FloatVector hardtanh(FloatVector v) {
        return v.max(-1f).min(1f);
    }

    /** RAG inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)}: adds and max only. */
    static FloatVector inhibit(FloatVector v, FloatVector q) {
        return v.sub(q).max(0f).sub(v.neg().sub(q).max(0f));
    }

    private static FloatVector load(float[] a, int i, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(S, a, i) : FloatVector.fromArray(S, a, i, m);
    }

    private static void store(FloatVector v, float[] a, int i, VectorMask<Float> m) {
        if (m == null) {
            v.intoArray(a, i);
        } else {
            v.intoArray(a, i, m);
        }
    }
}
