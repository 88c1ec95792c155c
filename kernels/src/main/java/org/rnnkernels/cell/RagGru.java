package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.passes;
import static org.rnnkernels.cell.ScalarOps.relu;
import static org.rnnkernels.cell.ScalarOps.signFlip;

/**
 * RAG-GRU, blocks {@code r, z, n}: sigmoid gates and products replaced by ReLU inhibition,
 * {@code n = hardtanh(p_n)}, {@code p_n = gi_n + b_in + S(gh_n + b_hn, relu(-a_r))},
 * {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 *
 * <p>Training caches (K = 5) {@code a_r, a_z, gh_n + b_hn, p_n, p_h}. Backward: RAG-minimal's state side
 * ({@link RagMinimal}) gives {@code dP_n}; the reset side {@code dGh_n = dP_n [|gh_n + b_hn| > q_r]},
 * {@code q_r = relu(-a_r)}, {@code dA_r = -dS/dq_r [a_r < 0]}.
 */
public final class RagGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * 3 * n, gh, b * 3 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n, null, 0);
        }
    }

    // The step of units from .. to-1; with keep (the training forward) also a_r, a_z, gh_n + b_hn, p_n, p_h
    // into keep[k ..]
    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho, float[] keep, int k) {
        for (int j = from; j < to; j++) {
            float ar = gi[g + j] + gh[q + j] + bias[j];
            float az = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float ghn = gh[q + 2 * n + j] + bias[3 * n + j];
            float pn = gi[g + 2 * n + j] + bias[2 * n + j] + inhibit(ghn, relu(-ar));
            float ph = inhibit(hPrev[hp + j], relu(-az)) + inhibit(hardtanh(pn), relu(az));
            hOut[ho + j] = hardtanh(ph);
            if (keep != null) {
                keep[k + j] = ar;
                keep[k + n + j] = az;
                keep[k + 2 * n + j] = ghn;
                keep[k + 3 * n + j] = pn;
                keep[k + 4 * n + j] = ph;
            }
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, hp = r * n;
            row(0, n, n, s.gi, r * 3 * n, s.gh, b * 3 * n, p.bias, s.hs, hp, s.hs, hp + s.batch * n, s.act, r * s.cacheWidth);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(s, t, b, 0);
        }
    }

    static void backwardRow(TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * 3 * n, a = r * s.cacheWidth;
        RagMinimal.stateBackward(s, t, b, from, g + n, g + 2 * n, n, 3 * n);
        for (int j = from; j < n; j++) {
            float ar = s.act[a + j], ghn = s.act[a + 2 * n + j];
            float dGhN = passes(ghn, relu(-ar)) ? s.dGi[g + 2 * n + j] : 0f;   // dS(gh_n, q_r)/dgh_n
            float dAR = -ar > 0f ? -signFlip(dGhN, ghn) : 0f;                  // dq_r/da_r = -[-a_r > 0]
            s.dGi[g + j] = s.dGh[g + j] = dAR;
            s.dGh[g + 2 * n + j] = dGhN;
        }
    }
}
