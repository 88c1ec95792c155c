package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
import static org.rnnkernels.cell.ScalarOps.inside;
import static org.rnnkernels.cell.ScalarOps.passes;
import static org.rnnkernels.cell.ScalarOps.relu;

/**
 * Leaky RAG-minimal, blocks {@code z, n}: RAG-minimal with a slope {@code l = 2^-4} ({@link #LEAK}) where
 * {@code S} and {@code hardtanh} are flat, so that a blocked write or a saturated state still passes a
 * gradient (the RAG plateau: a unit that keeps its value, {@code a_z > |n|}, gave its gate none):
 * <pre>
 *   S_l(v, q)      = S(v, q) + l (S(v, q/2) - S(v, q))
 *   hardtanh_l(v)  = hardtanh(v) + l (v - hardtanh(v))
 *   n  = hardtanh_l(a_n)
 *   h' = hardtanh_l(S_l(h, relu(-a_z)) + S_l(n, relu(a_z)))
 * </pre>
 * Inside {@code S}'s dead zone, for {@code q/2 < |v| <= q}, {@code S_l} has slope {@code l} in {@code v} and
 * {@code -l/2 sign(v)} in {@code q}: the gradient reaches both (a leaky relu inside {@code S} would cancel
 * {@code q} there). Adds, max, min and multiplications by powers of two only: exact in fixed point, as
 * RAG's integer form needs; with {@code l = 0} it is RAG-minimal to the bit.
 *
 * <p>Training caches (K = 3) {@code a_z, p_n, p_h} as RAG-minimal. Backward: {@code d hardtanh_l(v) =
 * (1-l)[-1 < v < 1] + l}; {@code dS_l/dv = (1-l)[|v| > q] + l[|v| > q/2]};
 * {@code dS_l/dq = -sign(v) ((1-l)[|v| > q] + (l/2)[|v| > q/2])};
 * {@code dA_z = -dS_l/dq_h [-a_z > 0] + dS_l/dq_n [a_z > 0]}.
 */
public final class RagMinimalLeaky implements GatePass, TrainingPass {
    /** {@code l}, the slope where {@code S} and {@code hardtanh} are flat. */
    public static final float LEAK = 0.0625f;

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(LEAK, from, to, n, gi, go + b * 2 * n, gh, b * 2 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n, null, 0);
        }
    }

    // The step of units from .. to-1; with keep (the training forward) also a_z, p_n, p_h into keep[k ..]
    static void row(float leak, int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho, float[] keep, int k) {
        for (int j = from; j < to; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float pn = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float ph = leakyInhibit(hPrev[hp + j], relu(-az), leak) + leakyInhibit(leakyHardtanh(pn, leak), relu(az), leak);
            hOut[ho + j] = leakyHardtanh(ph, leak);
            if (keep != null) {
                keep[k + j] = az;
                keep[k + n + j] = pn;
                keep[k + 2 * n + j] = ph;
            }
        }
    }

    // The vector twin's tail: the same, from the pre-activations a_z, a_n already summed in gh
    static void tail(float leak, int from, int to, int n, float[] gh, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float az = gh[q + j];
            float cand = leakyHardtanh(gh[q + n + j], leak);
            hOut[ho + j] = leakyHardtanh(leakyInhibit(hPrev[hp + j], relu(-az), leak) + leakyInhibit(cand, relu(az), leak), leak);
        }
    }

    /** {@code S_l(v, q) = S(v, q) + l (S(v, q/2) - S(v, q))}. */
    public static float leakyInhibit(float v, float q, float leak) {
        float s = inhibit(v, q);
        return s + leak * (inhibit(v, q * 0.5f) - s);
    }

    /** {@code hardtanh_l(v) = hardtanh(v) + l (v - hardtanh(v))}. */
    public static float leakyHardtanh(float v, float leak) {
        float t = hardtanh(v);
        return t + leak * (v - t);
    }

    // The training forward and backward run these rows in both ways: the leaky cell has no vector training
    // pass yet (its gate pass has one).
    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        forwardRows(p, s, t);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        backwardRows(s, t);
    }

    static void forwardRows(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, hp = r * n;
            row(LEAK, 0, n, n, s.gi, r * 2 * n, s.gh, b * 2 * n, p.bias, s.hs, hp, s.hs, hp + s.batch * n,
                    s.act, r * s.cacheWidth);
        }
    }

    static void backwardRows(TrainingTrace s, int t) {
        float l = LEAK;
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 2 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            for (int j = 0; j < n; j++) {
                float az = s.act[a + j], pn = s.act[a + n + j], ph = s.act[a + 2 * n + j];
                float h = s.hs[hp + j];
                float cand = leakyHardtanh(pn, l);
                float dPH = s.dh[d + j] * leakySlope(inside(ph), l);
                float qh = relu(-az), qn = relu(az);
                float dHv = dPH * leakyInhibitDv(h, qh, l);
                float dNv = dPH * leakyInhibitDv(cand, qn, l);
                float dQH = dPH * leakyInhibitDq(h, qh, l);
                float dQN = dPH * leakyInhibitDq(cand, qn, l);
                float dAZ = (-az > 0f ? -dQH : 0f) + (az > 0f ? dQN : 0f);
                float dPN = dNv * leakySlope(inside(pn), l);
                s.dhNext[d + j] = dHv;
                s.dGi[g + j] = s.dGh[g + j] = dAZ;
                s.dGi[g + n + j] = s.dGh[g + n + j] = dPN;
            }
        }
    }

    // (1-l) [flat part passes] + l
    private static float leakySlope(boolean passes, float l) {
        return (passes ? 1f - l : 0f) + l;
    }

    private static float leakyInhibitDv(float v, float q, float l) {
        return (passes(v, q) ? 1f - l : 0f) + (passes(v, q * 0.5f) ? l : 0f);
    }

    private static float leakyInhibitDq(float v, float q, float l) {
        float magnitude = (passes(v, q) ? 1f - l : 0f) + (passes(v, q * 0.5f) ? l * 0.5f : 0f);
        return v > 0f ? -magnitude : magnitude;
    }
}
