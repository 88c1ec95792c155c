package org.rnnkernels.cell;

/**
 * LSTM, blocks {@code i, f, g, o}: {@code c' = f*c + i*g}, {@code h' = o*tanh(c')}.
 *
 * <p>Training caches (K = 5) {@code i, f, g, o, tanh(c')}. Its forward is the gate pass's own loops, given
 * the cache row where the gate pass writes over {@code gh}: the sums and activations into blocks 0-3, and
 * {@code c'}, then {@code tanh(c')}, into block 4 where the gate pass uses block {@code i} (spent by then).
 * Backward: {@code dc' = dc + dh o (1 - tanh(c')^2)}; {@code dA_i = dc' g i(1-i)}, {@code dA_f = dc' c f(1-f)},
 * {@code dA_g = dc' i (1-g^2)}, {@code dA_o = dh tanh(c') o(1-o)}; {@code dc = dc' f}.
 */
public final class Lstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.sum(from, to, gi, g, gh, q, bias, block * n, gh, q);
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
                ScalarOps.sum(0, n, s.gi, g, s.gh, q, p.bias, block * n, s.act, a);
            }
            activateAndUpdate(0, n, n, s.act, a, s.cs, hp, s.cs, hn, a + 4 * n, s.hs, hn);
        }
    }

    // i, f, g, o = sigm, sigm, tanh, sigm of the pre-activations in gates[o ..] (in place); c' = f*c + i*g into
    // cOut and gates[slot ..], tanh(c') in place there; h' = o*tanh(c'). Shared with MI-LSTM.
    static void activateAndUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp,
                                  float[] cOut, int co, int slot, float[] hOut, int ho) {
        for (int block = 0; block < 4; block++) {
            ScalarOps.activate(from, to, gates, o + block * n, block == 2);
        }
        cellUpdate(from, to, n, gates, o, cPrev, cp, cOut, co, slot);
        ScalarOps.activate(from, to, gates, slot, true);
        output(from, to, n, gates, o, slot, hOut, ho);
    }

    // c' = f*c + i*g into cOut and gates[slot ..] (slot may be block i: read first)
    static void cellUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp, float[] cOut, int co, int slot) {
        for (int j = from; j < to; j++) {
            float cNew = gates[o + n + j] * cPrev[cp + j] + gates[o + j] * gates[o + 2 * n + j];
            cOut[co + j] = cNew;
            gates[slot + j] = cNew;
        }
    }

    // h' = o * tanh(c'), tanh(c') activated at gates[slot ..]
    static void output(int from, int to, int n, float[] gates, int o, int slot, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            hOut[ho + j] = gates[o + 3 * n + j] * gates[slot + j];
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(null, s, t, b, 0);
        }
    }

    // The gate gradients (class comment) of units from .. H-1 of sample b; dGi = dGh, or with MI vectors mi
    // (MI-LSTM, Uh cached in blocks 5-8) dPre and the MI rows
    static void backwardRow(float[] mi, TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
        for (int j = from; j < n; j++) {
            float i = s.act[a + j], f = s.act[a + n + j], gg = s.act[a + 2 * n + j], o = s.act[a + 3 * n + j];
            float tc = s.act[a + 4 * n + j];
            float dh = s.dh[d + j];
            float dCN = s.dc[d + j] + dh * o * (1f - tc * tc);
            float dAI = dCN * gg * i * (1f - i);
            float dAF = dCN * s.cs[hp + j] * f * (1f - f);
            float dAG = dCN * i * (1f - gg * gg);
            float dAO = dh * tc * o * (1f - o);
            s.dc[d + j] = dCN * f;
            if (mi != null) {
                int u = a + 5 * n;
                ScalarOps.miRow(mi, s, g, j, s.act[u + j], dAI);
                ScalarOps.miRow(mi, s, g, n + j, s.act[u + n + j], dAF);
                ScalarOps.miRow(mi, s, g, 2 * n + j, s.act[u + 2 * n + j], dAG);
                ScalarOps.miRow(mi, s, g, 3 * n + j, s.act[u + 3 * n + j], dAO);
            } else {
                s.dGi[g + j] = s.dGh[g + j] = dAI;
                s.dGi[g + n + j] = s.dGh[g + n + j] = dAF;
                s.dGi[g + 2 * n + j] = s.dGh[g + 2 * n + j] = dAG;
                s.dGi[g + 3 * n + j] = s.dGh[g + 3 * n + j] = dAO;
            }
        }
    }
}
