package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.hardtanh;
import static org.rnnkernels.cell.ScalarOps.inhibit;
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
 */
public final class RagMinimalLeaky implements GatePass {
    /** {@code l}, the slope where {@code S} and {@code hardtanh} are flat. */
    public static final float LEAK = 0.0625f;

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(LEAK, from, to, n, gi, go + b * 2 * n, gh, b * 2 * n, bias, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    static void row(float leak, int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float cand = leakyHardtanh(gi[g + n + j] + gh[q + n + j] + bias[n + j], leak);
            float h = hPrev[hp + j];
            hOut[ho + j] = leakyHardtanh(leakyInhibit(h, relu(-az), leak) + leakyInhibit(cand, relu(az), leak), leak);
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
}
