package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.miPre;
import static org.rnnkernels.cell.ScalarOps.tanh;

/**
 * Multiplicative-integration Elman RNN: {@code h' = tanh(alpha*Wx*Uh + beta1*Uh + beta2*Wx + b)},
 * {@code extra = [alpha | beta1 | beta2]}, each {@code [H]}. Training caches {@code Uh} (K = 1) and runs
 * the gate pass; the backward {@code dPre = dh (1 - h'^2)}, then {@link ScalarOps#miRow}.
 */
public final class MiRnn implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(from, to, n, gi, go + b * n, gh, b * n, bias, mi, hOut, hoo + b * n);
        }
    }

    static void row(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi,
                    float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            hOut[ho + j] = tanh(miPre(mi, n, j, gi[g + j], gh[q + j], bias[j]));
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        forward(this, p, s, t);
    }

    // Uh = gh kept whole (its rows [B][H] are the step's cache rows), then the gate pass
    static void forward(GatePass pass, GateParameters p, TrainingTrace s, int t) {
        System.arraycopy(s.gh, 0, s.act, t * s.batch * s.hidden, s.batch * s.hidden);
        TrainingPass.byGatePass(pass, p, s, t);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(p.extra, s, t, b, 0);
        }
    }

    // dPre = dh (1 - h'^2), then the row gradients
    static void backwardRow(float[] mi, TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float h = s.hs[hn + j];
            ScalarOps.miRow(mi, s, g, j, s.act[g + j], s.dh[d + j] * (1f - h * h));
        }
    }
}
