package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;

import jdk.incubator.vector.FloatVector;

/** {@link MiGru}, a vector of units at a time; its three activations from one call site. */
public final class VectorMiGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            gates(from, to, n, gi, g, gh, q, bias, mi, gh, q);
            VectorOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    // r, z, n activated into out[o ..] (over gh itself in the gate pass), gh read raw
    private static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                              float[] out, int o) {
        for (int block = 0; block < 2; block++) {
            VectorOps.miSum(from, to, gi, g, gh, q, bias, mi, 3 * n, block * n, out, o);
        }
        for (int block = 0; block < 3; block++) {
            if (block == 2) {
                candidatePre(from, to, n, gi, g, gh, q, bias, mi, out, o);
            }
            VectorOps.activate(from, to, out, o + block * n, block == 2);
        }
    }

    private static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                                     float[] out, int o) {
        int end = from + S.loopBound(to - from);
        int width = 3 * n;
        for (int j = from; j < end; j += S.length()) {
            int row = 2 * n + j;
            FloatVector wx = FloatVector.fromArray(S, gi, g + row);
            FloatVector u = FloatVector.fromArray(S, out, o + j)
                    .mul(FloatVector.fromArray(S, gh, q + row).add(FloatVector.fromArray(S, bias, 3 * n + j)));
            FloatVector inner = FloatVector.fromArray(S, mi, 2 * width + row).mul(wx).add(FloatVector.fromArray(S, bias, 2 * n + j));
            inner.add(FloatVector.fromArray(S, mi, width + row).mul(u).add(FloatVector.fromArray(S, mi, row).mul(wx).mul(u)))
                    .intoArray(out, o + row);
        }
        MiGru.candidatePre(end, to, n, gi, g, gh, q, bias, mi, out, o);
    }

    // MiGru.keep: gh_n + b_hn and u = r*(gh_n + b_hn) into the cache
    private static void keep(int n, float[] gh, int q, float[] bias, float[] act, int a) {
        int end = S.loopBound(n);
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ghn = FloatVector.fromArray(S, gh, q + 2 * n + j).add(FloatVector.fromArray(S, bias, 3 * n + j));
            ghn.intoArray(act, a + 3 * n + j);
            FloatVector.fromArray(S, act, a + j).mul(ghn).intoArray(act, a + 6 * n + j);
        }
        MiGru.keep(end, n, n, gh, q, bias, act, a);
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            gates(0, n, n, s.gi, g, s.gh, q, p.bias, p.extra, s.act, a);
            keep(n, s.gh, q, p.bias, s.act, a);
            System.arraycopy(s.gh, q, s.act, a + 4 * n, 2 * n);
            VectorOps.blend(0, n, n, s.act, a, s.hs, hp, s.hs, hp + s.batch * n);
        }
    }

    // The candidate side, then the r and z rows from dPre (MiGru's equations)
    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            candidateBackward(p.extra, s, n, end, g, d, a, hp);
            VectorOps.miRows(p.extra, s, g, 0, a + 4 * n, end);
            VectorOps.miRows(p.extra, s, g, n, a + 4 * n, end);
            MiGru.backwardRow(p.extra, s, t, b, end);
        }
    }

    // dP_n = dh (1-z)(1-n^2) ; dU = dP_n (alpha Wx_n + beta1) ; dGi_n = dP_n (alpha u + beta2) ; dGh_n = dU r ;
    // dPre_r = dU gh_n r(1-r) ; dPre_z = dh (h - n) z(1-z)
    private static void candidateBackward(float[] mi, TrainingTrace s, int n, int end, int g, int d, int a, int hp) {
        int w = s.width;
        for (int j = 0; j < end; j += S.length()) {
            int k = 2 * n + j;
            FloatVector rr = FloatVector.fromArray(S, s.act, a + j);
            FloatVector z = FloatVector.fromArray(S, s.act, a + n + j);
            FloatVector cand = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector dh = FloatVector.fromArray(S, s.dh, d + j);
            FloatVector alpha = FloatVector.fromArray(S, mi, k);
            FloatVector dPN = dh.sub(dh.mul(z)).mul(ONE.sub(cand.mul(cand)));
            FloatVector dU = dPN.mul(alpha.mul(FloatVector.fromArray(S, s.gi, g + k)).add(FloatVector.fromArray(S, mi, w + k)));
            dPN.intoArray(s.dPre, g + k);
            dPN.mul(alpha.mul(FloatVector.fromArray(S, s.act, a + 6 * n + j)).add(FloatVector.fromArray(S, mi, 2 * w + k)))
                    .intoArray(s.dGi, g + k);
            dU.mul(rr).intoArray(s.dGh, g + k);
            dh.mul(z).intoArray(s.dhNext, d + j);
            dU.mul(FloatVector.fromArray(S, s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr))).intoArray(s.dPre, g + j);
            dh.mul(FloatVector.fromArray(S, s.hs, hp + j).sub(cand)).mul(z.sub(z.mul(z))).intoArray(s.dPre, g + n + j);
        }
    }
}
