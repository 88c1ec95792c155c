package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;

import jdk.incubator.vector.FloatVector;

/**
 * {@link MiRnn}, a vector of units at a time: the pre-activation into {@code h'}, then tanh in place by the one
 * activation call site ({@link VectorOps#activate}), as {@link VectorRnn.Tanh} does (so MI with {@code alpha = 0},
 * {@code beta = 1} stays the plain cell to the bit). A tanh of vectors called in the loop was boxed in
 * long runs, once C2 compiled it apart: 307 KB a call at H = 256, T = 200 (JMH -prof gc, 15 s runs).
 */
public final class VectorMiRnn implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * n, q = b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector wx = FloatVector.fromArray(S, gi, g + j);
                FloatVector uh = FloatVector.fromArray(S, gh, q + j);
                FloatVector pre = FloatVector.fromArray(S, mi, 2 * n + j).mul(wx).add(FloatVector.fromArray(S, mi, n + j).mul(uh))
                        .add(FloatVector.fromArray(S, mi, j).mul(wx).mul(uh)).add(FloatVector.fromArray(S, bias, j));
                pre.intoArray(hOut, ho + j);
            }
            VectorOps.activate(from, end, hOut, ho, true);
            MiRnn.row(end, to, n, gi, g, gh, q, bias, mi, hOut, ho);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        MiRnn.forward(this, p, s, t);
    }

    // dPre = dh (1 - h'^2), then the row gradients
    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector h = FloatVector.fromArray(S, s.hs, hn + j);
                FloatVector.fromArray(S, s.dh, d + j).mul(ONE.sub(h.mul(h))).intoArray(s.dPre, g + j);
            }
            VectorOps.miRows(p.extra, s, g, 0, g, end);
            MiRnn.backwardRow(p.extra, s, t, b, end);
        }
    }
}
