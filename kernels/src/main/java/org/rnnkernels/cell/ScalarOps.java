package org.rnnkernels.cell;

/**
 * The plain-Java pieces the cells share: activations, RAG's inhibition and its derivative tests, and the
 * block loops. The loops run units {@code from .. to-1} of one sample ({@code n} = H, the block stride),
 * so the vector twins use them for their last {@code H mod lanes} units. A loop that writes a block takes
 * where to write it ({@code out, o}): the inference pass gives {@code gh}'s own row (in place, scratch),
 * a training forward its cache row.
 */
final class ScalarOps {
    private ScalarOps() {
    }

    static float sigm(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }

    static float tanh(float v) {
        return (float) Math.tanh(v);
    }

    static float relu(float v) {
        return Math.max(v, 0f);
    }

    static float hardtanh(float v) {
        return Math.min(Math.max(v, -1f), 1f);
    }

    /** RAG inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)}: shrinks v toward 0 by q >= 0. */
    static float inhibit(float v, float q) {
        return relu(v - q) - relu(-v - q);
    }

    // [|v| > q]: where S(v, q) passes v (slope 1 in v)
    static boolean passes(float v, float q) {
        return v > q || -v > q;
    }

    // [-1 < v < 1]: where hardtanh has slope 1
    static boolean inside(float v) {
        return -1f < v && v < 1f;
    }

    // dS/dq given the dS/dv-weighted gradient dv: -sign(v) dv (dv is 0 where S does not pass v)
    static float signFlip(float dv, float v) {
        return v > 0f ? -dv : dv;
    }

    // out[o + k + j] = gi[g + k + j] + gh[q + k + j] + b[k + j]: the pre-activation of the block at offset k
    static void sum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] out, int o) {
        for (int j = from; j < to; j++) {
            out[o + k + j] = gi[g + k + j] + gh[q + k + j] + bias[k + j];
        }
    }

    // out[o + j] = x[xo + j] + y[yo + j]
    static void add(int from, int to, float[] x, int xo, float[] y, int yo, float[] out, int o) {
        for (int j = from; j < to; j++) {
            out[o + j] = x[xo + j] + y[yo + j];
        }
    }

    // a[k + j] = act(a[k + j]), act = tanh or sigm
    static void activate(int from, int to, float[] a, int k, boolean tanh) {
        for (int j = from; j < to; j++) {
            a[k + j] = tanh ? tanh(a[k + j]) : sigm(a[k + j]);
        }
    }

    // The MI pre-activation of row k + j (block offset k), gi = Wx and gh = Uh without biases:
    // ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b. In this order alpha = 0, beta1 = beta2 = 1 gives
    // (gi + gh) + b, the plain cells' sum, to the bit. mi = [alpha | beta1 | beta2], width = G*H.
    static float miPre(float[] mi, int width, int row, float wx, float uh, float b) {
        return ((mi[2 * width + row] * wx + mi[width + row] * uh) + mi[row] * wx * uh) + b;
    }

    // out[o + k + j] = MI pre-activation of row k + j, over units j of the block at offset k
    static void miSum(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                      int width, int k, float[] out, int o) {
        for (int j = from; j < to; j++) {
            out[o + k + j] = miPre(mi, width, k + j, gi[g + k + j], gh[q + k + j], bias[k + j]);
        }
    }

    // MI row k of a training row at g: from dL/dpre to dPre, dGi = dL/dWx = dPre (alpha Uh + beta2) and
    // dGh = dL/dUh = dPre (alpha Wx + beta1), Uh the value the forward integrated
    static void miRow(float[] mi, TrainingTrace s, int g, int k, float uh, float dPre) {
        int w = s.width;
        s.dPre[g + k] = dPre;
        s.dGi[g + k] = dPre * (mi[k] * uh + mi[2 * w + k]);
        s.dGh[g + k] = dPre * (mi[k] * s.gi[g + k] + mi[w + k]);
    }

    // h' = n + z*(h - n) = (1-z)*n + z*h, with z in block 1 and n in block 2 of gates, activated
    static void blend(int from, int to, int n, float[] gates, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float z = gates[q + n + j];
            float cand = gates[q + 2 * n + j];
            hOut[ho + j] = cand + z * (hPrev[hp + j] - cand);
        }
    }

    // n's pre-activation (gi_n + b_in) + r*(gh_n + b_hn) into block 2 of out, r activated in block 0 of out,
    // gh_n the raw product: GRU's candidate (linear before reset)
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        for (int j = from; j < to; j++) {
            out[o + 2 * n + j] = gi[g + 2 * n + j] + bias[2 * n + j] + out[o + j] * (gh[q + 2 * n + j] + bias[3 * n + j]);
        }
    }
}
