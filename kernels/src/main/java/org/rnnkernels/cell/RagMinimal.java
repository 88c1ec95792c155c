package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.inside;
import static org.rnnkernels.cell.ScalarOps.passes;
import static org.rnnkernels.cell.ScalarOps.relu;
import static org.rnnkernels.cell.ScalarOps.signFlip;

/**
 * RAG-minimal, blocks {@code z, n}: {@code n = hardtanh(a_n)},
 * {@code h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))}.
 *
 * <p>Training caches (K = 3) {@code a_z, p_n, p_h}, the arguments of the kinks ({@code p_n = a_n} and
 * {@code p_h} the arguments of the two {@code hardtanh}s). Backward, with {@code q_h = relu(-a_z)},
 * {@code q_n = relu(a_z)}: {@code dP_h = dh [|p_h| < 1]}; direct {@code dh = dP_h [|h| > q_h]};
 * {@code dn = dP_h [|n| > q_n]}; {@code dA_z = -dS/dq_h [a_z < 0] + dS/dq_n [a_z > 0]};
 * {@code dP_n = dn [|p_n| < 1]}, and {@code dGi_n = dGh_n = dP_n}.
 */
public final class RagMinimal implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * 2 * n, gh, b * 2 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n, null, 0);
        }
    }

    // The step of units from .. to-1; with keep (the training forward) also a_z, p_n, p_h into keep[k ..]
    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho, float[] keep, int k) {
        for (int j = from; j < to; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float pn = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float ph = inhibit(hPrev[hp + j], relu(-az)) + inhibit(hardtanh(pn), relu(az));
            hOut[ho + j] = hardtanh(ph);
            if (keep != null) {
                keep[k + j] = az;
                keep[k + n + j] = pn;
                keep[k + 2 * n + j] = ph;
            }
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, hp = r * n;
            row(0, n, n, s.gi, r * 2 * n, s.gh, b * 2 * n, p.bias, s.hs, hp, s.hs, hp + s.batch * n, s.act, r * s.cacheWidth);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(s, t, b, 0);
        }
    }

    static void backwardRow(TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, g = (t * s.batch + b) * 2 * n;
        stateBackward(s, t, b, from, g, g + n, 0, n);
        for (int j = from; j < n; j++) {
            s.dGh[g + n + j] = s.dGi[g + n + j];
        }
    }

    /**
     * RAG's state side, shared with RAG-GRU ({@code p_h = S(h, q_h) + S(n, q_n)}, the class comment): the
     * direct {@code dh}, the z rows at {@code gz} and {@code dP_n} into {@code dGi} at {@code gn}, from
     * {@code a_z, p_n, p_h} at cache offsets {@code cz, cp, cp + H}. Subgradient 0 at every kink.
     */
    static void stateBackward(TrainingTrace s, int t, int b, int from, int gz, int gn, int cz, int cp) {
        int n = s.hidden, r = t * s.batch + b, d = b * n, a = r * s.cacheWidth, hp = r * n;
        for (int j = from; j < n; j++) {
            float az = s.act[a + cz + j], pn = s.act[a + cp + j], ph = s.act[a + cp + n + j];
            float h = s.hs[hp + j];
            float cand = hardtanh(pn);
            float dPH = inside(ph) ? s.dh[d + j] : 0f;                 // d hardtanh(p_h)
            float qh = relu(-az), qn = relu(az);
            float dHv = passes(h, qh) ? dPH : 0f;                       // dS(h, q_h)/dh
            float dNv = passes(cand, qn) ? dPH : 0f;                    // dS(n, q_n)/dn
            // dA_z = -dS/dq_h [-a_z > 0] + dS/dq_n [a_z > 0], dS/dq = -sign(v) dS/dv
            float dAZ = (-az > 0f ? signFlip(dHv, h) * -1f : 0f) + (az > 0f ? signFlip(dNv, cand) : 0f);
            s.dhNext[d + j] = dHv;
            s.dGi[gz + j] = s.dGh[gz + j] = dAZ;
            s.dGi[gn + j] = inside(pn) ? dNv : 0f;
        }
    }
}
