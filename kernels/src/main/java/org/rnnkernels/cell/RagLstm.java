package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.inside;
import static org.rnnkernels.cell.ScalarOps.passes;
import static org.rnnkernels.cell.ScalarOps.relu;
import static org.rnnkernels.cell.ScalarOps.signFlip;

/**
 * RAG-LSTM, blocks {@code i, f, g, o}, cell state kept in [-1, 1]:
 * {@code c' = hardtanh(p_c)}, {@code p_c = S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i))},
 * {@code h' = S(c', relu(-a_o))}.
 *
 * <p>Training caches (K = 5) {@code a_i, a_f, a_g, a_o, p_c}: the gate pass's sums, given the cache row, and
 * its update keeping {@code p_c}. Backward, with {@code q_c = relu(-a_f)}, {@code g = hardtanh(a_g)},
 * {@code q_g = relu(a_f) + relu(-a_i)}, {@code q_o = relu(-a_o)}: {@code dh_c = dh [|c'| > q_o]},
 * {@code dA_o = -dS/dq_o [a_o < 0]}, {@code dP_c = (dc + dh_c) [|p_c| < 1]}, {@code dc = dP_c [|c| > q_c]},
 * {@code dg = dP_c [|g| > q_g]}, {@code dA_f = -dS/dq_c [a_f < 0] + dS/dq_g [a_f > 0]},
 * {@code dA_i = -dS/dq_g [a_i < 0]}, {@code dA_g = dg [|a_g| < 1]}.
 */
public final class RagLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.sum(from, to, gi, g, gh, q, bias, block * n, gh, q);
            }
            update(from, to, n, gh, q, c, b * n, c, b * n, hOut, hoo + b * n, null, 0);
        }
    }

    // The state update from the pre-activations a_i, a_f, a_g, a_o in gates[o ..]: c' into cOut, h' into hOut;
    // with keep (the training forward) p_c into keep[k ..]
    static void update(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp, float[] cOut, int co,
                       float[] hOut, int ho, float[] keep, int k) {
        for (int j = from; j < to; j++) {
            float ai = gates[o + j];
            float af = gates[o + n + j];
            float ag = gates[o + 2 * n + j];
            float ao = gates[o + 3 * n + j];
            float pc = inhibit(cPrev[cp + j], relu(-af)) + inhibit(hardtanh(ag), relu(af) + relu(-ai));
            float cNew = hardtanh(pc);
            cOut[co + j] = cNew;
            hOut[ho + j] = inhibit(cNew, relu(-ao));
            if (keep != null) {
                keep[k + j] = pc;
            }
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
            update(0, n, n, s.act, a, s.cs, hp, s.cs, hn, s.hs, hn, s.act, a + 4 * n);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(s, t, b, 0);
        }
    }

    static void backwardRow(TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float ai = s.act[a + j], af = s.act[a + n + j], ag = s.act[a + 2 * n + j], ao = s.act[a + 3 * n + j];
            float pc = s.act[a + 4 * n + j];
            float cNew = s.cs[hn + j], c = s.cs[hp + j];
            float dHc = passes(cNew, relu(-ao)) ? s.dh[d + j] : 0f;           // dS(c', q_o)/dc'
            float dAO = -ao > 0f ? -signFlip(dHc, cNew) : 0f;                 // -dS/dq_o [-a_o > 0]
            float dPC = inside(pc) ? s.dc[d + j] + dHc : 0f;
            float gg = hardtanh(ag);
            float dCv = passes(c, relu(-af)) ? dPC : 0f;                      // dS(c, q_c)/dc
            float dGv = passes(gg, relu(af) + relu(-ai)) ? dPC : 0f;
            float dQC = signFlip(dCv, c), dQG = signFlip(dGv, gg);
            float dAF = (-af > 0f ? -dQC : 0f) + (af > 0f ? dQG : 0f);
            float dAI = -ai > 0f ? -dQG : 0f;
            float dAG = inside(ag) ? dGv : 0f;
            s.dc[d + j] = dCv;
            s.dGi[g + j] = s.dGh[g + j] = dAI;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dAF;
            s.dGi[g + 2 * n + j] = s.dGh[g + 2 * n + j] = dAG;
            s.dGi[g + 3 * n + j] = s.dGh[g + 3 * n + j] = dAO;
        }
    }
}
