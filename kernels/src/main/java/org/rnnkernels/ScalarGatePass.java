package org.rnnkernels;

/**
 * Plain-Java gate pass: the fallback when the Vector API is absent, and the same equations as
 * {@link VectorGatePass} written one element at a time.
 */
final class ScalarGatePass implements GatePass {

    @Override
    public void apply(CellType type, int rows, int hidden, float[] gi, int giOffset, float[] gh, float[] bias,
                      float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c) {
        int width = type.gates() * hidden;
        for (int b = 0; b < rows; b++) {
            int g = giOffset + b * width;
            int q = b * width;
            int hp = hPrevOffset + b * hidden;
            int ho = hOutOffset + b * hidden;
            int cs = b * hidden;
            switch (type) {
                case RNN_TANH -> rnn(false, hidden, gi, g, gh, q, bias, hOut, ho);
                case RNN_RELU -> rnn(true, hidden, gi, g, gh, q, bias, hOut, ho);
                case LSTM -> lstm(hidden, gi, g, gh, q, bias, hOut, ho, c, cs);
                case GRU -> gru(hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_GRU -> ragGru(hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_MINIMAL -> ragMinimal(hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_LSTM -> ragLstm(hidden, gi, g, gh, q, bias, hOut, ho, c, cs);
            }
        }
    }

    // h' = phi(gi + gh + b)
    private static void rnn(boolean relu, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                            float[] hOut, int ho) {
        for (int j = 0; j < n; j++) {
            float a = gi[g + j] + gh[q + j] + bias[j];
            hOut[ho + j] = relu ? relu(a) : tanh(a);
        }
    }

    // c' = f*c + i*g ; h' = o*tanh(c')
    private static void lstm(int n, float[] gi, int g, float[] gh, int q, float[] bias,
                             float[] hOut, int ho, float[] c, int cs) {
        for (int j = 0; j < n; j++) {
            float i = sigm(gi[g + j] + gh[q + j] + bias[j]);
            float f = sigm(gi[g + n + j] + gh[q + n + j] + bias[n + j]);
            float cand = tanh(gi[g + 2 * n + j] + gh[q + 2 * n + j] + bias[2 * n + j]);
            float o = sigm(gi[g + 3 * n + j] + gh[q + 3 * n + j] + bias[3 * n + j]);
            float cNew = f * c[cs + j] + i * cand;
            c[cs + j] = cNew;
            hOut[ho + j] = o * tanh(cNew);
        }
    }

    // r = sigm(a_r), z = sigm(a_z), n = tanh(gi_n + b_in + r*(gh_n + b_hn)), h' = (1-z)*n + z*h = n + z*(h-n)
    private static void gru(int n, float[] gi, int g, float[] gh, int q, float[] bias,
                            float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = 0; j < n; j++) {
            float r = sigm(gi[g + j] + gh[q + j] + bias[j]);
            float z = sigm(gi[g + n + j] + gh[q + n + j] + bias[n + j]);
            float cand = tanh(gi[g + 2 * n + j] + bias[2 * n + j] + r * (gh[q + 2 * n + j] + bias[3 * n + j]));
            float h = hPrev[hp + j];
            hOut[ho + j] = cand + z * (h - cand);
        }
    }

    // n = hardtanh(gi_n + b_in + S(gh_n + b_hn, relu(-a_r))) ; h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
    private static void ragGru(int n, float[] gi, int g, float[] gh, int q, float[] bias,
                               float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = 0; j < n; j++) {
            float ar = gi[g + j] + gh[q + j] + bias[j];
            float az = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float cand = hardtanh(gi[g + 2 * n + j] + bias[2 * n + j]
                    + inhibit(gh[q + 2 * n + j] + bias[3 * n + j], relu(-ar)));
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }

    // n = hardtanh(a_n) ; h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
    private static void ragMinimal(int n, float[] gi, int g, float[] gh, int q, float[] bias,
                                   float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = 0; j < n; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float cand = hardtanh(gi[g + n + j] + gh[q + n + j] + bias[n + j]);
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }

    // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i))) ; h' = S(c', relu(-a_o))
    private static void ragLstm(int n, float[] gi, int g, float[] gh, int q, float[] bias,
                                float[] hOut, int ho, float[] c, int cs) {
        for (int j = 0; j < n; j++) {
            float ai = gi[g + j] + gh[q + j] + bias[j];
            float af = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float ag = gi[g + 2 * n + j] + gh[q + 2 * n + j] + bias[2 * n + j];
            float ao = gi[g + 3 * n + j] + gh[q + 3 * n + j] + bias[3 * n + j];
            float cNew = hardtanh(inhibit(c[cs + j], relu(-af)) + inhibit(hardtanh(ag), relu(af) + relu(-ai)));
            c[cs + j] = cNew;
            hOut[ho + j] = inhibit(cNew, relu(-ao));
        }
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
}
