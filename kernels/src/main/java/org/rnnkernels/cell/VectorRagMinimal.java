package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.inside;
import static org.rnnkernels.cell.VectorOps.passes;
import static org.rnnkernels.cell.VectorOps.signFlip;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link RagMinimal}, a vector of units at a time. The training forward has loops of its own, not the
 * gate pass's: the gate pass keeps every intermediate in registers and stores only {@code h'}, the
 * training forward must store {@code a_z, p_n, p_h} besides, and the gate pass that stored them for
 * nothing would pay for it in the cheapest cell of all. {@code TrainingForwardMatchesInferenceTest}
 * holds the two to the same bits.
 */
public final class VectorRagMinimal implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 2 * n, q = b * 2 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector az = FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j))
                        .add(FloatVector.fromArray(S, bias, j));
                FloatVector cand = hardtanh(FloatVector.fromArray(S, gi, g + n + j).add(FloatVector.fromArray(S, gh, q + n + j))
                        .add(FloatVector.fromArray(S, bias, n + j)));
                FloatVector h = FloatVector.fromArray(S, hPrev, hp + j);
                hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))).intoArray(hOut, ho + j);
            }
            RagMinimal.row(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho, null, 0);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 2 * n, q = b * 2 * n, a = r * s.cacheWidth, hp = r * n;
            VectorOps.sum(0, end, s.gi, g, s.gh, q, p.bias, n, s.act, a);             // p_n = a_n
            stateForward(s, p.bias, end, g, q, 0, a, a + n, hp);
            RagMinimal.row(end, n, n, s.gi, g, s.gh, q, p.bias, s.hs, hp, s.hs, hp + s.batch * n, s.act, a);
        }
    }

    /**
     * RAG's state side of the training forward, shared with RAG-GRU: {@code a_z} (block at {@code bz} of the
     * row's {@code gi} at {@code g} and {@code gh} at {@code q}) into the cache at {@code az},
     * {@code p_h = S(h, relu(-a_z)) + S(hardtanh(p_n), relu(a_z))} (p_n read at cache offset {@code pn})
     * into {@code pn + H}, and {@code h' = hardtanh(p_h)}.
     */
    static void stateForward(TrainingTrace s, float[] bias, int end, int g, int q, int bz, int az, int pn, int hp) {
        int n = s.hidden, hn = hp + s.batch * n;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector z = FloatVector.fromArray(S, s.gi, g + bz + j).add(FloatVector.fromArray(S, s.gh, q + bz + j))
                    .add(FloatVector.fromArray(S, bias, bz + j));
            FloatVector ph = inhibit(FloatVector.fromArray(S, s.hs, hp + j), z.neg().max(ZERO))
                    .add(inhibit(hardtanh(FloatVector.fromArray(S, s.act, pn + j)), z.max(ZERO)));
            z.intoArray(s.act, az + j);
            ph.intoArray(s.act, pn + n + j);
            hardtanh(ph).intoArray(s.hs, hn + j);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 2 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            stateBackward(s, n, end, g, g + n, d, a, a + n, hp);
            if (s.dGh != s.dGi) {
                System.arraycopy(s.dGi, g + n, s.dGh, g + n, end);   // p_n = gi_n + gh_n: dGh_n = dGi_n
            }
            RagMinimal.backwardRow(s, t, b, end);
        }
    }

    /**
     * RAG's state side of the backward ({@link RagMinimal#stateBackward}), shared with RAG-GRU: direct dh,
     * the z rows at {@code gz}, and dP_n into dGi at {@code gn} (read there by RAG-GRU's reset side).
     */
    static void stateBackward(TrainingTrace s, int n, int end, int gz, int gn, int d, int az0, int pn0, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector az = FloatVector.fromArray(S, s.act, az0 + j);
            FloatVector pn = FloatVector.fromArray(S, s.act, pn0 + j);
            FloatVector ph = FloatVector.fromArray(S, s.act, pn0 + n + j);
            FloatVector h = FloatVector.fromArray(S, s.hs, hp + j);
            FloatVector cand = hardtanh(pn);
            FloatVector dPH = ZERO.blend(FloatVector.fromArray(S, s.dh, d + j), inside(ph));
            FloatVector dHv = ZERO.blend(dPH, passes(h, az.neg().max(ZERO)));
            FloatVector dNv = ZERO.blend(dPH, passes(cand, az.max(ZERO)));
            // dA_z = -dS/dq_h [a_z < 0] + dS/dq_n [a_z > 0], dS/dq = -sign(v) dS/dv
            FloatVector dAZ = ZERO.blend(signFlip(dHv, h).neg(), az.compare(VectorOperators.LT, ZERO))
                    .add(ZERO.blend(signFlip(dNv, cand), az.compare(VectorOperators.GT, ZERO)));
            dHv.intoArray(s.dhNext, d + j);
            dAZ.intoArray(s.dGi, gz + j);
            dAZ.intoArray(s.dGh, gz + j);
            ZERO.blend(dNv, inside(pn)).intoArray(s.dGi, gn + j);
        }
    }
}
