package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;

import jdk.incubator.vector.FloatVector;

/**
 * {@link RagMinimalLeaky}, a vector of units at a time: the same operations in the same order. Its training
 * passes are the plain class's rows (no vector training pass yet).
 */
public final class VectorRagMinimalLeaky implements GatePass, TrainingPass {
    private static final FloatVector LEAK = FloatVector.broadcast(S, RagMinimalLeaky.LEAK);
    private static final FloatVector HALF = FloatVector.broadcast(S, 0.5f);

    // Passes, not one loop: the leaky forms double S's and hardtanh's operations, and in one loop body (or in
    // two loops each with its own S_l) C2 ran out of node budget and boxed vectors (StepAllocationTest). So:
    // pre-activations summed in place; n = hardtanh_l(a_n) in place; the two inhibitions from ONE call site,
    // S_l(h, relu(-a_z)) into hOut (it may be hPrev: read at the same unit first) and S_l(n, relu(a_z)) over n;
    // then h' = hardtanh_l of their sum.
    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 2 * n, q = b * 2 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int block = 0; block < 2; block++) {
                VectorOps.sum(from, to, gi, g, gh, q, bias, block * n, gh, q);
            }
            RagMinimalLeaky.tail(RagMinimalLeaky.LEAK, end, to, n, gh, q, hPrev, hp, hOut, ho);   // before gh changes
            for (int j = from; j < end; j += S.length()) {
                leakyHardtanh(FloatVector.fromArray(S, gh, q + n + j)).intoArray(gh, q + n + j);
            }
            for (int k = 0; k < 2; k++) {
                boolean keep = k == 0;
                inhibitions(from, end, keep ? hPrev : gh, keep ? hp : q + n, gh, q, keep, keep ? hOut : gh, keep ? ho : q + n);
            }
            for (int j = from; j < end; j += S.length()) {
                leakyHardtanh(FloatVector.fromArray(S, hOut, ho + j).add(FloatVector.fromArray(S, gh, q + n + j))).intoArray(hOut, ho + j);
            }
        }
    }

    // out = S_l(v, relu(-a_z)) when keep (the state's own path), else S_l(v, relu(a_z)) (the write), a_z at gate[go ..]
    private static void inhibitions(int from, int end, float[] v, int vo, float[] gate, int go, boolean keep,
                                    float[] out, int oo) {
        for (int j = from; j < end; j += S.length()) {
            FloatVector az = FloatVector.fromArray(S, gate, go + j);
            leakyInhibit(FloatVector.fromArray(S, v, vo + j), (keep ? az.neg() : az).max(ZERO)).intoArray(out, oo + j);
        }
    }

    private static FloatVector leakyInhibit(FloatVector v, FloatVector q) {
        FloatVector s = inhibit(v, q);
        return s.add(LEAK.mul(inhibit(v, q.mul(HALF)).sub(s)));
    }

    private static FloatVector leakyHardtanh(FloatVector v) {
        FloatVector t = hardtanh(v);
        return t.add(LEAK.mul(v.sub(t)));
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        RagMinimalLeaky.forwardRows(p, s, t);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        RagMinimalLeaky.backwardRows(s, t);
    }
}
