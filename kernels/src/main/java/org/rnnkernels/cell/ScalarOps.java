package org.rnnkernels.cell;

/**
 * The plain-Java pieces the cells share: activations, RAG's inhibition and the in-place block loops.
 * The loops run units {@code from .. to-1} of one sample ({@code n} = H, the block stride), so the
 * vector twins use them for their last {@code H mod lanes} units.
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

    // gh[k + j] = gi[k + j] + gh[k + j] + b[k + j]: the block's pre-activation replaces gh (scratch).
    static void sumInPlace(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, int k) {
        for (int j = from; j < to; j++) {
            gh[q + k + j] = gi[g + k + j] + gh[q + k + j] + bias[k + j];
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

    // gh[k + j] = MI pre-activation of row k + j, over units j of the block at offset k
    static void miSumInPlace(int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                             int width, int k) {
        for (int j = from; j < to; j++) {
            gh[q + k + j] = miPre(mi, width, k + j, gi[g + k + j], gh[q + k + j], bias[k + j]);
        }
    }

    // h' = n + z*(h - n) = (1-z)*n + z*h, with z in block 1 and n in block 2 of gh, activated
    static void blend(int from, int to, int n, float[] gh, int q, float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float z = gh[q + n + j];
            float cand = gh[q + 2 * n + j];
            hOut[ho + j] = cand + z * (hPrev[hp + j] - cand);
        }
    }

    // gh_n = (gi_n + b_in) + r*(gh_n + b_hn): GRU's candidate pre-activation, r activated in block 0
    static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias) {
        for (int j = from; j < to; j++) {
            gh[q + 2 * n + j] = gi[g + 2 * n + j] + bias[2 * n + j] + gh[q + j] * (gh[q + 2 * n + j] + bias[3 * n + j]);
        }
    }
}
