package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.pre;
import static org.rnnkernels.cell.VectorOps.store;
import static org.rnnkernels.internal.VectorMath.tanh;

import jdk.incubator.vector.FloatVector;

/** {@link Rnn}, a vector of units at a time. */
public abstract class VectorRnn implements GatePass {
    private final boolean relu;

    VectorRnn(boolean relu) {
        this.relu = relu;
    }

    /** {@code RNN_TANH}. */
    public static final class Tanh extends VectorRnn {
        public Tanh() {
            super(false);
        }
    }

    /** {@code RNN_RELU}. */
    public static final class Relu extends VectorRnn {
        public Relu() {
            super(true);
        }
    }

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * n, q = b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector a = pre(gi, g, gh, q, bias, 0, j);
                store(relu ? a.max(ZERO) : tanh(a), hOut, ho + j);
            }
            Rnn.row(relu, end, to, gi, g, gh, q, bias, hOut, ho);
        }
    }
}
