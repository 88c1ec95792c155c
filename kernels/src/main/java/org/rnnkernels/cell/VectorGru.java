package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.storeBoth;

import jdk.incubator.vector.FloatVector;

/** {@link Gru}, a vector of units at a time; its three activations from one call site. */
public final class VectorGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias, gh, q);
            VectorOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // a_r, a_z summed into out[o ..]; r = sigm(a_r), z = sigm(a_z), then n = tanh(gi_n + b_in + r*(gh_n + b_hn)),
    // gh_n read raw; shared with EGRU
    static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        for (int block = 0; block < 2; block++) {
            VectorOps.sum(from, to, gi, g, gh, q, bias, block * n, out, o);
        }
        for (int block = 0; block < 3; block++) {
            if (block == 2) {
                VectorOps.candidatePre(from, to, n, gi, g, gh, q, bias, out, o);
            }
            VectorOps.activate(from, to, out, o + block * n, block == 2);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            gates(0, n, n, s.gi, g, s.gh, q, p.bias, s.act, a);
            VectorOps.add(0, n, s.gh, q + 2 * n, p.bias, 3 * n, s.act, a + 3 * n);
            VectorOps.blend(0, n, n, s.act, a, s.hs, hp, s.hs, hp + s.batch * n);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            gateGradients(s, t, b, end, s.dh, b * n, s.hs, (t * s.batch + b) * n, s.dhNext);
            Gru.backwardRow(s, t, b, end);
        }
    }

    // Gru.gateGradients over units 0 .. end-1 (up[uo ..] may be dGi's block n: read before it is written)
    static void gateGradients(TrainingTrace s, int t, int b, int end, float[] up, int uo, float[] prev, int hp, float[] direct) {
        int n = s.hidden, r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector rr = FloatVector.fromArray(S, s.act, a + j);
            FloatVector z = FloatVector.fromArray(S, s.act, a + n + j);
            FloatVector cand = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector dS = FloatVector.fromArray(S, up, uo + j);
            FloatVector dAN = dS.sub(dS.mul(z)).mul(ONE.sub(cand.mul(cand)));
            FloatVector dAR = dAN.mul(FloatVector.fromArray(S, s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr)));
            FloatVector dAZ = dS.mul(FloatVector.fromArray(S, prev, hp + j).sub(cand)).mul(z.sub(z.mul(z)));
            dS.mul(z).intoArray(direct, d + j);
            storeBoth(dAR, s, g + j);
            storeBoth(dAZ, s, g + n + j);
            dAN.intoArray(s.dGi, g + 2 * n + j);
            dAN.mul(rr).intoArray(s.dGh, g + 2 * n + j);
        }
    }
}
