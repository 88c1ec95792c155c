package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.relu;
import static org.rnnkernels.cell.ScalarOps.tanh;

/** Elman RNN: {@code h' = phi(gi + gh + b)}, phi = tanh ({@link Tanh}) or relu ({@link Relu}). */
public abstract class Rnn implements GatePass {
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
}
