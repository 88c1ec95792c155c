package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.storeBoth;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Rnn}, a vector of units at a time. Two classes, not one with a {@code relu} flag: a final
 * instance field is no constant to C2, so a shared loop would carry the flag's test and both
 * activations (the old single gate pass passed the flag as a constant from its switch). Not
 * measured alone: the benchmark comparison of issue 11 could not separate it from run-to-run noise.
 * The training forward is the gate pass ({@link Rnn}).
 */
public abstract class VectorRnn implements GatePass, TrainingPass {

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        TrainingPass.byGatePass(this, p, s, t);
    }

    /** {@code RNN_TANH}. */
    public static final class Tanh extends VectorRnn {
        @Override
        public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                          float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
            int end = from + S.loopBound(to - from);
            for (int b = 0; b < rows; b++) {
                int g = go + b * n, q = b * n, ho = hoo + b * n;
                for (int j = from; j < end; j += S.length()) {
                    FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j)).add(FloatVector.fromArray(S, bias, j))
                            .intoArray(hOut, ho + j);
                }
                // tanh in place by the one activation call site: a tanh of vectors called in the loop above was
                // boxed in long runs once C2 compiled it apart (1.5 KB a step at H = 256, JMH -prof gc, 15 s runs).
                VectorOps.activate(from, end, hOut, ho, true);
                Rnn.row(false, end, to, gi, g, gh, q, bias, hOut, ho);
            }
        }

        // dA = dh (1 - h'^2)
        @Override
        public void backward(GateParameters p, TrainingTrace s, int t) {
            int n = s.hidden, end = S.loopBound(n);
            for (int b = 0; b < s.batch; b++) {
                int r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
                for (int j = 0; j < end; j += S.length()) {
                    FloatVector h = FloatVector.fromArray(S, s.hs, hn + j);
                    storeBoth(FloatVector.fromArray(S, s.dh, d + j).mul(ONE.sub(h.mul(h))), s, g + j);
                }
                Rnn.backwardRow(false, s, t, b, end);
            }
        }
    }

    /** {@code RNN_RELU}. */
    public static final class Relu extends VectorRnn {
        @Override
        public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                          float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
            int end = from + S.loopBound(to - from);
            for (int b = 0; b < rows; b++) {
                int g = go + b * n, q = b * n, ho = hoo + b * n;
                for (int j = from; j < end; j += S.length()) {
                    FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j))
                            .add(FloatVector.fromArray(S, bias, j)).max(ZERO).intoArray(hOut, ho + j);
                }
                Rnn.row(true, end, to, gi, g, gh, q, bias, hOut, ho);
            }
        }

        // dA = dh [h' > 0]
        @Override
        public void backward(GateParameters p, TrainingTrace s, int t) {
            int n = s.hidden, end = S.loopBound(n);
            for (int b = 0; b < s.batch; b++) {
                int r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
                for (int j = 0; j < end; j += S.length()) {
                    FloatVector active = ZERO.blend(FloatVector.fromArray(S, s.dh, d + j),
                            FloatVector.fromArray(S, s.hs, hn + j).compare(VectorOperators.GT, ZERO));
                    storeBoth(active, s, g + j);
                }
                Rnn.backwardRow(true, s, t, b, end);
            }
        }
    }
}
