package org.rnnkernels.ternary;

/** Plain-Java gate pass; its static methods also finish the last {@code H mod lanes} units of the vector pass. */
class ScalarTernaryGates extends TernaryGates {

    @Override
    void gru(int hidden, float[] gi, float[] gh, float[] h, int ho) {
        gruUnits(0, hidden, hidden, gi, gh, h, ho);
    }

    @Override
    void lstm(int hidden, float[] gi, float[] gh, float[] h, int ho, float[] c, int co) {
        lstmUnits(0, hidden, hidden, gi, gh, h, ho, c, co);
    }

    // r = sigm(a_r), z = sigm(a_z), n = tanh(gi_n + r*gh_n), h' = (1-z)*n + z*h = n + z*(h-n)
    static void gruUnits(int from, int to, int n, float[] gi, float[] gh, float[] h, int ho) {
        for (int j = from; j < to; j++) {
            float r = sigm(gi[j] + gh[j]);
            float z = sigm(gi[n + j] + gh[n + j]);
            float cand = tanh(gi[2 * n + j] + r * gh[2 * n + j]);
            h[ho + j] = cand + z * (h[ho + j] - cand);
        }
    }

    // i, f, o = sigm(a), g = tanh(a); c' = f*c + i*g ; h' = o*tanh(c')
    static void lstmUnits(int from, int to, int n, float[] gi, float[] gh, float[] h, int ho, float[] c, int co) {
        for (int j = from; j < to; j++) {
            float i = sigm(gi[j] + gh[j]);
            float f = sigm(gi[n + j] + gh[n + j]);
            float g = tanh(gi[2 * n + j] + gh[2 * n + j]);
            float o = sigm(gi[3 * n + j] + gh[3 * n + j]);
            float cNew = f * c[co + j] + i * g;
            c[co + j] = cNew;
            h[ho + j] = o * tanh(cNew);
        }
    }

    static float sigm(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }

    static float tanh(float v) {
        return (float) Math.tanh(v);
    }
}
