package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.passes;
import static org.rnnkernels.cell.VectorOps.signFlip;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link RagGru}, a vector of units at a time: adds, max and min only, one loop. The training forward has
 * loops of its own, as {@link VectorRagMinimal}'s (why there), the reset side and then RAG's state side.
 */
public final class VectorRagGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector ar = FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j))
                        .add(FloatVector.fromArray(S, bias, j));
                FloatVector az = FloatVector.fromArray(S, gi, g + n + j).add(FloatVector.fromArray(S, gh, q + n + j))
                        .add(FloatVector.fromArray(S, bias, n + j));
                FloatVector ghn = FloatVector.fromArray(S, gh, q + 2 * n + j).add(FloatVector.fromArray(S, bias, 3 * n + j));
                FloatVector gin = FloatVector.fromArray(S, gi, g + 2 * n + j).add(FloatVector.fromArray(S, bias, 2 * n + j));
                FloatVector cand = hardtanh(gin.add(inhibit(ghn, ar.neg().max(ZERO))));
                FloatVector h = FloatVector.fromArray(S, hPrev, hp + j);
                hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))).intoArray(hOut, ho + j);
            }
            RagGru.row(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho, null, 0);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            candidate(s, p.bias, end, g, q, a);
            VectorRagMinimal.stateForward(s, p.bias, end, g, q, n, a + n, a + 3 * n, hp);
            RagGru.row(end, n, n, s.gi, g, s.gh, q, p.bias, s.hs, hp, s.hs, hp + s.batch * n, s.act, a);
        }
    }

    // a_r, gh_n + b_hn and p_n = gi_n + b_in + S(gh_n + b_hn, relu(-a_r)) into the cache
    private static void candidate(TrainingTrace s, float[] bias, int end, int g, int q, int a) {
        int n = s.hidden;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ar = FloatVector.fromArray(S, s.gi, g + j).add(FloatVector.fromArray(S, s.gh, q + j))
                    .add(FloatVector.fromArray(S, bias, j));
            FloatVector ghn = FloatVector.fromArray(S, s.gh, q + 2 * n + j).add(FloatVector.fromArray(S, bias, 3 * n + j));
            FloatVector gin = FloatVector.fromArray(S, s.gi, g + 2 * n + j).add(FloatVector.fromArray(S, bias, 2 * n + j));
            ar.intoArray(s.act, a + j);
            ghn.intoArray(s.act, a + 2 * n + j);
            gin.add(inhibit(ghn, ar.neg().max(ZERO))).intoArray(s.act, a + 3 * n + j);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            VectorRagMinimal.stateBackward(s, n, end, g + n, g + 2 * n, d, a + n, a + 3 * n, hp);
            resetBackward(s, n, end, g, a);
            RagGru.backwardRow(s, t, b, end);
        }
    }

    // The reset side: p_n = gi_n + S(gh_n, relu(-a_r)): dGh_n and the r rows, from dP_n in dGi_n
    private static void resetBackward(TrainingTrace s, int n, int end, int g, int a) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ar = FloatVector.fromArray(S, s.act, a + j), ghn = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector dGhN = ZERO.blend(FloatVector.fromArray(S, s.dGi, g + 2 * n + j), passes(ghn, ar.neg().max(ZERO)));
            FloatVector dAR = ZERO.blend(signFlip(dGhN, ghn).neg(), ar.compare(VectorOperators.LT, ZERO));
            dGhN.intoArray(s.dGh, g + 2 * n + j);
            dAR.intoArray(s.dGi, g + j);
            dAR.intoArray(s.dGh, g + j);
        }
    }
}
