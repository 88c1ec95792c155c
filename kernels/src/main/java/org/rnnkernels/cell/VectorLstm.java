package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;

import jdk.incubator.vector.FloatVector;

/**
 * {@link Lstm}, a vector of units at a time. The five activations of a row ({@code i, f, g, o} and
 * {@code tanh(c')}) all come from the one {@link VectorOps#activate} call site: {@code c'} is
 * written into its slot (block {@code i}, spent by then, in the gate pass; block 4 of the training
 * cache) between the fourth and the fifth.
 */
public final class VectorLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sum(from, to, gi, g, gh, q, bias, block * n, gh, q);
            }
            activateAndUpdate(from, to, n, gh, q, c, b * n, c, b * n, q, hOut, hoo + b * n);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sum(0, n, s.gi, g, s.gh, q, p.bias, block * n, s.act, a);
            }
            activateAndUpdate(0, n, n, s.act, a, s.cs, hp, s.cs, hn, a + 4 * n, s.hs, hn);
        }
    }

    // i, f, g, o activated in place, c' = f*c + i*g (into cOut and gates[slot ..]), tanh(c') in place, h' = o*tanh(c')
    static void activateAndUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp,
                                  float[] cOut, int co, int slot, float[] hOut, int ho) {
        for (int pass = 0; pass < 5; pass++) {
            if (pass == 4) {
                cellUpdate(from, to, n, gates, o, cPrev, cp, cOut, co, slot);
            }
            VectorOps.activate(from, to, gates, pass == 4 ? slot : o + pass * n, pass == 2 || pass == 4);
        }
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector.fromArray(S, gates, o + 3 * n + j).mul(FloatVector.fromArray(S, gates, slot + j)).intoArray(hOut, ho + j);
        }
        Lstm.output(end, to, n, gates, o, slot, hOut, ho);
    }

    // c' = f*c + i*g, into cOut and gates[slot ..]
    private static void cellUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp,
                                   float[] cOut, int co, int slot) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector cNew = FloatVector.fromArray(S, gates, o + n + j).mul(FloatVector.fromArray(S, cPrev, cp + j))
                    .add(FloatVector.fromArray(S, gates, o + j).mul(FloatVector.fromArray(S, gates, o + 2 * n + j)));
            cNew.intoArray(cOut, co + j);
            cNew.intoArray(gates, slot + j);
        }
        Lstm.cellUpdate(end, to, n, gates, o, cPrev, cp, cOut, co, slot);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        gradients(null, s, t);
    }

    // Lstm's gate gradients; with MI vectors mi (MI-LSTM) into dPre, then the MI rows, else into dGi = dGh
    static void gradients(float[] mi, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        float[] into = mi != null ? s.dPre : s.dGi;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector i = FloatVector.fromArray(S, s.act, a + j);
                FloatVector f = FloatVector.fromArray(S, s.act, a + n + j);
                FloatVector gg = FloatVector.fromArray(S, s.act, a + 2 * n + j);
                FloatVector o = FloatVector.fromArray(S, s.act, a + 3 * n + j), tc = FloatVector.fromArray(S, s.act, a + 4 * n + j);
                FloatVector dh = FloatVector.fromArray(S, s.dh, d + j);
                FloatVector dCN = FloatVector.fromArray(S, s.dc, d + j).add(dh.mul(o).mul(ONE.sub(tc.mul(tc))));
                FloatVector dAI = dCN.mul(gg).mul(i.sub(i.mul(i)));
                FloatVector dAF = dCN.mul(FloatVector.fromArray(S, s.cs, hp + j)).mul(f.sub(f.mul(f)));
                FloatVector dAG = dCN.mul(i).mul(ONE.sub(gg.mul(gg)));
                FloatVector dAO = dh.mul(tc).mul(o.sub(o.mul(o)));
                dCN.mul(f).intoArray(s.dc, d + j);
                dAI.intoArray(into, g + j);
                dAF.intoArray(into, g + n + j);
                dAG.intoArray(into, g + 2 * n + j);
                dAO.intoArray(into, g + 3 * n + j);
            }
            if (mi != null) {
                for (int k = 0; k < 4 * n; k += n) {
                    VectorOps.miRows(mi, s, g, k, a + 5 * n, end);
                }
            } else if (s.dGh != s.dGi) {
                System.arraycopy(s.dGi, g, s.dGh, g, 4 * n);   // dGh = dGi (the tail is rewritten below)
            }
            Lstm.backwardRow(mi, s, t, b, end);
        }
    }
}
