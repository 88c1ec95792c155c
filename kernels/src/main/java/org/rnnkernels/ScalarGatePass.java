package org.rnnkernels;

/**
 * Plain-Java gate pass: the fallback when the Vector API is absent, and the same equations as
 * {@link VectorGatePass} written one element at a time. The per-cell methods run units
 * {@code from .. to-1} of one sample ({@code n} = H, the block stride), so the vector pass uses
 * them for its last {@code H mod lanes} units.
 */
final class ScalarGatePass implements GatePass {

    @Override
    public void apply(CellType type, int rows, int hidden, int from, int to,
                      float[] gi, int giOffset, float[] gh, float[] bias, float[] mi,
                      float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c) {
        int width = type.gates() * hidden;
        for (int b = 0; b < rows; b++) {
            int g = giOffset + b * width;
            int q = b * width;
            int hp = hPrevOffset + b * hidden;
            int ho = hOutOffset + b * hidden;
            int cs = b * hidden;
            switch (type) {
                case RNN_TANH -> rnn(false, from, to, hidden, gi, g, gh, q, bias, hOut, ho);
                case RNN_RELU -> rnn(true, from, to, hidden, gi, g, gh, q, bias, hOut, ho);
                case LSTM -> lstm(from, to, hidden, gi, g, gh, q, bias, hOut, ho, c, cs);
                case GRU -> gru(from, to, hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_GRU -> ragGru(from, to, hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_MINIMAL -> ragMinimal(from, to, hidden, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
                case RAG_LSTM -> ragLstm(from, to, hidden, gi, g, gh, q, bias, hOut, ho, c, cs);
                case MI_RNN -> miRnn(from, to, hidden, gi, g, gh, q, bias, mi, hOut, ho);
                case MI_LSTM -> miLstm(from, to, hidden, gi, g, gh, q, bias, mi, hOut, ho, c, cs);
                case MI_GRU -> miGru(from, to, hidden, gi, g, gh, q, bias, mi, hPrev, hp, hOut, ho);
                case EGRU -> egru(from, to, hidden, gi, g, gh, q, bias, mi, hOut, ho, c, cs);
            }
        }
    }

    // h' = phi(gi + gh + b)
    static void rnn(boolean relu, int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                            float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float a = gi[g + j] + gh[q + j] + bias[j];
            hOut[ho + j] = relu ? relu(a) : tanh(a);
        }
    }

    // i, f, g, o = sigm, sigm, tanh, sigm of (gi + gh + b), stored over gh ; then c' = f*c + i*g ; h' = o*tanh(c')
    static void lstm(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                     float[] hOut, int ho, float[] c, int cs) {
        for (int block = 0; block < 4; block++) {
            activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, block == 2);
        }
        lstmUpdate(from, to, n, gh, q, hOut, ho, c, cs);
    }

    // c' = f*c + i*g ; h' = o*tanh(c'), with i, f, g, o already activated in gh
    static void lstmUpdate(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float cNew = gh[q + n + j] * c[cs + j] + gh[q + j] * gh[q + 2 * n + j];
            c[cs + j] = cNew;
            hOut[ho + j] = gh[q + 3 * n + j] * tanh(cNew);
        }
    }

    // gh[k + j] = act(gi[k + j] + gh[k + j] + b[k + j]) for units j of the block at offset k, act
    // = tanh or sigm: the activated gate replaces its recurrent pre-activation (gh is scratch).
    static void activateInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, int k, boolean tanh) {
        for (int j = from; j < to; j++) {
            float a = gi[g + k + j] + gh[q + k + j] + bias[k + j];
            gh[q + k + j] = tanh ? tanh(a) : sigm(a);
        }
    }

    // r = sigm(a_r), z = sigm(a_z), stored over gh ; then n = tanh(gi_n + b_in + r*(gh_n + b_hn)),
    // h' = (1-z)*n + z*h = n + z*(h-n)
    static void gru(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                    float[] hPrev, int hp, float[] hOut, int ho) {
        for (int block = 0; block < 2; block++) {
            activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, false);
        }
        gruUpdate(from, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
    }

    // n = tanh(gi_n + b_in + r*(gh_n + b_hn)), h' = n + z*(h-n), with r, z already activated in gh
    static void gruUpdate(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                          float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float r = gh[q + j];
            float z = gh[q + n + j];
            float cand = tanh(gi[g + 2 * n + j] + bias[2 * n + j] + r * (gh[q + 2 * n + j] + bias[3 * n + j]));
            float h = hPrev[hp + j];
            hOut[ho + j] = cand + z * (h - cand);
        }
    }

    // EGRU, with theta [H] the thresholds: r = sigm(a_r), z = sigm(a_z) stored over gh ;
    // g = tanh(gi_n + b_in + r*(gh_n + b_hn)) ; c_pre = z*c + (1-z)*g stored over gh_n ;
    // o = Hv(c_pre - theta), y' = o*c_pre, c' = c_pre - o*theta
    static void egru(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] theta,
                     float[] hOut, int ho, float[] c, int cs) {
        for (int block = 0; block < 2; block++) {
            activateInPlace(from, to, n, gi, g, gh, q, bias, block * n, false);
        }
        egruCandidate(from, to, n, gi, g, gh, q, bias, c, cs);
        egruFire(from, to, n, gh, q, theta, hOut, ho, c, cs);
    }

    // c_pre = z*c + (1-z)*g = g + z*(c - g), over gh_n; r and z already activated in gh
    static void egruCandidate(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float r = gh[q + j];
            float z = gh[q + n + j];
            float cand = tanh(gi[g + 2 * n + j] + bias[2 * n + j] + r * (gh[q + 2 * n + j] + bias[3 * n + j]));
            gh[q + 2 * n + j] = cand + z * (c[cs + j] - cand);
        }
    }

    // o = Hv(c_pre - theta): y' = c_pre where c_pre > theta, else 0 ; c' = c_pre - theta there, else c_pre.
    // Written !(c_pre <= theta) so that a NaN c_pre reaches y (as 0*NaN does in the equation), not a silent 0.
    static void egruFire(int from, int to, int n, float[] gh, int q, float[] theta, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float cPre = gh[q + 2 * n + j];
            boolean fires = !(cPre <= theta[j]);
            hOut[ho + j] = fires ? cPre : 0f;
            c[cs + j] = fires ? cPre - theta[j] : cPre;
        }
    }

    // n = hardtanh(gi_n + b_in + S(gh_n + b_hn, relu(-a_r))) ; h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
    static void ragGru(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                               float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float ar = gi[g + j] + gh[q + j] + bias[j];
            float az = gi[g + n + j] + gh[q + n + j] + bias[n + j];
            float cand = hardtanh(gi[g + 2 * n + j] + bias[2 * n + j]
                    + inhibit(gh[q + 2 * n + j] + bias[3 * n + j], relu(-ar)));
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }

    // n = hardtanh(a_n) ; h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
    static void ragMinimal(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                                   float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float az = gi[g + j] + gh[q + j] + bias[j];
            float cand = hardtanh(gi[g + n + j] + gh[q + n + j] + bias[n + j]);
            float h = hPrev[hp + j];
            hOut[ho + j] = hardtanh(inhibit(h, relu(-az)) + inhibit(cand, relu(az)));
        }
    }

    // a_k = gi_k + gh_k + b_k stored over gh ; then
    // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i))) ; h' = S(c', relu(-a_o))
    static void ragLstm(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                        float[] hOut, int ho, float[] c, int cs) {
        for (int block = 0; block < 4; block++) {
            sumInPlace(from, to, n, gi, g, gh, q, bias, block * n);
        }
        ragLstmUpdate(from, to, n, gh, q, hOut, ho, c, cs);
    }

    // The RAG-LSTM state update from the pre-activations a_i, a_f, a_g, a_o already summed in gh.
    static void ragLstmUpdate(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float ai = gh[q + j];
            float af = gh[q + n + j];
            float ag = gh[q + 2 * n + j];
            float ao = gh[q + 3 * n + j];
            float cNew = hardtanh(inhibit(c[cs + j], relu(-af)) + inhibit(hardtanh(ag), relu(af) + relu(-ai)));
            c[cs + j] = cNew;
            hOut[ho + j] = inhibit(cNew, relu(-ao));
        }
    }

    // gh[k + j] = gi[k + j] + gh[k + j] + b[k + j]: the block's pre-activation replaces gh (scratch).
    static void sumInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, int k) {
        for (int j = from; j < to; j++) {
            gh[q + k + j] = gi[g + k + j] + gh[q + k + j] + bias[k + j];
        }
    }

    // The MI pre-activation of row k + j (block offset k), gi = Wx and gh = Uh without biases:
    // ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b. In this order alpha = 0, beta1 = beta2 = 1 gives
    // (gi + gh) + b, the plain cells' sum, to the bit. mi = [alpha | beta1 | beta2], width = G*H.
    static float miPre(float[] mi, int width, int row, float wx, float uh, float b) {
        return ((mi[2 * width + row] * wx + mi[width + row] * uh) + mi[row] * wx * uh) + b;
    }

    // h' = tanh(MI(Wx, Uh) + b)
    static void miRnn(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                      float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            hOut[ho + j] = tanh(miPre(mi, n, j, gi[g + j], gh[q + j], bias[j]));
        }
    }

    // i, f, g, o = act(MI pre-activation), stored over gh ; then the LSTM update
    static void miLstm(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                       float[] hOut, int ho, float[] c, int cs) {
        for (int block = 0; block < 4; block++) {
            miActivateInPlace(from, to, n, gi, g, gh, q, bias, mi, 4 * n, block * n, block == 2);
        }
        lstmUpdate(from, to, n, gh, q, hOut, ho, c, cs);
    }

    // r, z = sigm(MI), stored over gh ; u = r*(gh_n + b_hn) ; n = tanh((beta2*Wx_n + b_in) + (beta1*u + alpha*Wx_n*u)) ;
    // h' = n + z*(h - n). (Block n's order again gives the plain GRU's sum when alpha = 0, beta = 1.)
    static void miGru(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                      float[] hPrev, int hp, float[] hOut, int ho) {
        for (int block = 0; block < 2; block++) {
            miActivateInPlace(from, to, n, gi, g, gh, q, bias, mi, 3 * n, block * n, false);
        }
        miGruUpdate(from, to, n, gi, g, gh, q, bias, mi, hPrev, hp, hOut, ho);
    }

    // MI-GRU's block n and state update, with r, z already activated in gh
    static void miGruUpdate(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                            float[] hPrev, int hp, float[] hOut, int ho) {
        int width = 3 * n;
        for (int j = from; j < to; j++) {
            int row = 2 * n + j;
            float r = gh[q + j];
            float z = gh[q + n + j];
            float wx = gi[g + row];
            float u = r * (gh[q + row] + bias[3 * n + j]);
            float cand = tanh((mi[2 * width + row] * wx + bias[2 * n + j]) + (mi[width + row] * u + mi[row] * wx * u));
            float h = hPrev[hp + j];
            hOut[ho + j] = cand + z * (h - cand);
        }
    }

    // gh[k + j] = act(MI(gi, gh) + b) over units j of the block at offset k
    static void miActivateInPlace(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                                  int width, int k, boolean tanh) {
        for (int j = from; j < to; j++) {
            float a = miPre(mi, width, k + j, gi[g + k + j], gh[q + k + j], bias[k + j]);
            gh[q + k + j] = tanh ? tanh(a) : sigm(a);
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
