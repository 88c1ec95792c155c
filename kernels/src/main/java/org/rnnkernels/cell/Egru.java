package org.rnnkernels.cell;

/**
 * EGRU, event-based GRU, with {@code theta [H]} the thresholds ({@code extra}): r, z, g as GRU's r, z, n;
 * {@code c_pre = z*c + (1-z)*g}; {@code o = Hv(c_pre - theta)}, {@code y' = o*c_pre},
 * {@code c' = c_pre - o*theta}. {@code hOut} receives the sparse output {@code y}, {@code c} is the
 * internal state.
 */
public final class Egru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] theta, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, cs = b * n;
            Gru.gates(from, to, n, gi, g, gh, q, bias);
            cellPre(from, to, n, gh, q, c, cs);
            fire(from, to, n, gh, q, theta, hOut, hoo + b * n, c, cs);
        }
    }

    // c_pre = z*c + (1-z)*g = g + z*(c - g), over gh_n; z and g activated in gh
    static void cellPre(int from, int to, int n, float[] gh, int q, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float z = gh[q + n + j];
            float cand = gh[q + 2 * n + j];
            gh[q + 2 * n + j] = cand + z * (c[cs + j] - cand);
        }
    }

    // o = Hv(c_pre - theta): y' = c_pre where c_pre > theta, else 0 ; c' = c_pre - theta there, else c_pre.
    // Written !(c_pre <= theta) so that a NaN c_pre reaches y (as 0*NaN does in the equation), not a silent 0.
    static void fire(int from, int to, int n, float[] gh, int q, float[] theta, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float cPre = gh[q + 2 * n + j];
            boolean fires = !(cPre <= theta[j]);
            hOut[ho + j] = fires ? cPre : 0f;
            c[cs + j] = fires ? cPre - theta[j] : cPre;
        }
    }
}
