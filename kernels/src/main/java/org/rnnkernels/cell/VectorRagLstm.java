package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.inside;
import static org.rnnkernels.cell.VectorOps.passes;
import static org.rnnkernels.cell.VectorOps.signFlip;
import static org.rnnkernels.cell.VectorOps.storeBoth;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link RagLstm}, a vector of units at a time. The four sums {@code a_k = gi_k + gh_k + b_k} are
 * made first (in place; into the cache for training): with them in the update loop its body was past
 * C2's node budget. The update has two loops, the gate pass's and the training forward's, which also
 * stores {@code p_c}: that store in the gate pass would be paid for nothing, in a loop at the budget's
 * edge. {@code TrainingForwardMatchesInferenceTest} holds the two to the same bits.
 */
public final class VectorRagLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sum(from, to, gi, g, gh, q, bias, block * n, gh, q);
            }
            update(from, to, n, gh, q, c, b * n, hOut, hoo + b * n);
        }
    }

    // c' and h' from a_i, a_f, a_g, a_o summed in gh (RagLstm.update), c updated in place
    private static void update(int from, int to, int n, float[] gh, int q, float[] c, int cs, float[] hOut, int ho) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector ai = FloatVector.fromArray(S, gh, q + j);
            FloatVector af = FloatVector.fromArray(S, gh, q + n + j);
            FloatVector ag = FloatVector.fromArray(S, gh, q + 2 * n + j);
            FloatVector ao = FloatVector.fromArray(S, gh, q + 3 * n + j);
            FloatVector writeBlock = af.max(ZERO).add(ai.neg().max(ZERO));
            FloatVector cNew = hardtanh(inhibit(FloatVector.fromArray(S, c, cs + j), af.neg().max(ZERO))
                    .add(inhibit(hardtanh(ag), writeBlock)));
            cNew.intoArray(c, cs + j);
            inhibit(cNew, ao.neg().max(ZERO)).intoArray(hOut, ho + j);
        }
        RagLstm.update(end, to, n, gh, q, c, cs, c, cs, hOut, ho, null, 0);
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth;
            for (int block = 0; block < 4; block++) {
                VectorOps.sum(0, n, s.gi, g, s.gh, q, p.bias, block * n, s.act, a);
            }
            trainingUpdate(s, a, r * n);
        }
    }

    // The update loop above on the cache row at a: c from cs[hp ..], c' into cs and h' into hs one step on,
    // p_c into the cache's block 4
    private static void trainingUpdate(TrainingTrace s, int a, int hp) {
        int n = s.hidden, end = S.loopBound(n), hn = hp + s.batch * n;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ai = FloatVector.fromArray(S, s.act, a + j);
            FloatVector af = FloatVector.fromArray(S, s.act, a + n + j);
            FloatVector ag = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector ao = FloatVector.fromArray(S, s.act, a + 3 * n + j);
            FloatVector writeBlock = af.max(ZERO).add(ai.neg().max(ZERO));
            FloatVector pc = inhibit(FloatVector.fromArray(S, s.cs, hp + j), af.neg().max(ZERO)).add(inhibit(hardtanh(ag), writeBlock));
            FloatVector cNew = hardtanh(pc);
            pc.intoArray(s.act, a + 4 * n + j);
            cNew.intoArray(s.cs, hn + j);
            inhibit(cNew, ao.neg().max(ZERO)).intoArray(s.hs, hn + j);
        }
        RagLstm.update(end, n, n, s.act, a, s.cs, hp, s.cs, hn, s.hs, hn, s.act, a + 4 * n);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            outputBackward(s, n, end, g, d, a, hn);
            cellBackward(s, n, end, g, d, a, hp);
            RagLstm.backwardRow(s, t, b, end);
        }
    }

    // h' = S(c', relu(-a_o)), c' = hardtanh(p_c): the o rows, and dP_c (into dGi_g, read by cellBackward)
    private static void outputBackward(TrainingTrace s, int n, int end, int g, int d, int a, int hn) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ao = FloatVector.fromArray(S, s.act, a + 3 * n + j), cNew = FloatVector.fromArray(S, s.cs, hn + j);
            FloatVector dHc = ZERO.blend(FloatVector.fromArray(S, s.dh, d + j), passes(cNew, ao.neg().max(ZERO)));
            FloatVector dAO = ZERO.blend(signFlip(dHc, cNew).neg(), ao.compare(VectorOperators.LT, ZERO));
            storeBoth(dAO, s, g + 3 * n + j);
            ZERO.blend(FloatVector.fromArray(S, s.dc, d + j).add(dHc), inside(FloatVector.fromArray(S, s.act, a + 4 * n + j)))
                    .intoArray(s.dGi, g + 2 * n + j);
        }
    }

    // p_c = S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)): dc and the i, f, g rows
    private static void cellBackward(TrainingTrace s, int n, int end, int g, int d, int a, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ai = FloatVector.fromArray(S, s.act, a + j);
            FloatVector af = FloatVector.fromArray(S, s.act, a + n + j);
            FloatVector ag = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector c = FloatVector.fromArray(S, s.cs, hp + j);
            FloatVector dPC = FloatVector.fromArray(S, s.dGi, g + 2 * n + j);
            FloatVector gg = hardtanh(ag);
            FloatVector dCv = ZERO.blend(dPC, passes(c, af.neg().max(ZERO)));
            FloatVector dGv = ZERO.blend(dPC, passes(gg, af.max(ZERO).add(ai.neg().max(ZERO))));
            FloatVector dQG = signFlip(dGv, gg);
            FloatVector dAF = ZERO.blend(signFlip(dCv, c).neg(), af.compare(VectorOperators.LT, ZERO))
                    .add(ZERO.blend(dQG, af.compare(VectorOperators.GT, ZERO)));
            FloatVector dAI = ZERO.blend(dQG.neg(), ai.compare(VectorOperators.LT, ZERO));
            dCv.intoArray(s.dc, d + j);
            storeBoth(dAI, s, g + j);
            storeBoth(dAF, s, g + n + j);
            storeBoth(ZERO.blend(dGv, inside(ag)), s, g + 2 * n + j);
        }
    }
}
