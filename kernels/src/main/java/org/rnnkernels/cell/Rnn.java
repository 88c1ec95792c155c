package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.relu;
import static org.rnnkernels.cell.ScalarOps.tanh;

/**
 * Elman RNN: {@code h' = phi(gi + gh + b)}, phi = tanh ({@link Tanh}) or relu ({@link Relu}).
 * Training: the forward is the gate pass (it keeps nothing: {@code h'} is the activation); the backward
 * {@code dA = dh * phi'(a)}, {@code (1 - h'^2)} for tanh, {@code [h' > 0]} for relu; {@code dGi = dGh = dA}.
 */
public abstract class Rnn implements GatePass, TrainingPass {
    private final boolean relu;

    Rnn(boolean relu) {
        this.relu = relu;
    }

    /** {@code RNN_TANH}. */
    public static final class Tanh extends Rnn {
        public Tanh() {
            super(false);
        }
    }

    /** {@code RNN_RELU}. */
    public static final class Relu extends Rnn {
        public Relu() {
            super(true);
        }
    }

    @Override
    public void apply(int rows, int hidden, int from, int to, float[] gi, int giOffset, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c) {
        for (int b = 0; b < rows; b++) {
            row(relu, from, to, gi, giOffset + b * hidden, gh, b * hidden, bias, hOut, hOutOffset + b * hidden);
        }
    }

    // h' = phi(gi + gh + b)
    static void row(boolean relu, int from, int to, float[] gi, int g, float[] gh, int q, float[] bias, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            float a = gi[g + j] + gh[q + j] + bias[j];
            hOut[ho + j] = relu ? relu(a) : tanh(a);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        TrainingPass.byGatePass(this, p, s, t);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(relu, s, t, b, 0);
        }
    }

    // dA = dh (1 - h'^2), or dh [h' > 0] (= [a > 0]); dGi = dGh = dA
    static void backwardRow(boolean relu, TrainingTrace s, int t, int b, int from) {
        int n = s.hidden, r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float h = s.hs[hn + j];
            float dA = relu ? (h > 0f ? s.dh[d + j] : 0f) : s.dh[d + j] * (1f - h * h);
            s.dGi[g + j] = dA;
            s.dGh[g + j] = dA;
        }
    }
}
