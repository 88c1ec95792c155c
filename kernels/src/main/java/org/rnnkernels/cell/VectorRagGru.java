package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.pre;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;

/** {@link RagGru}, a vector of units at a time: adds, max and min only, one loop. */
public final class VectorRagGru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector ar = pre(gi, g + j, gh, q + j, bias, j);
                FloatVector az = pre(gi, g + n + j, gh, q + n + j, bias, n + j);
                FloatVector ghn = load(gh, q + 2 * n + j).add(load(bias, 3 * n + j));
                FloatVector gin = load(gi, g + 2 * n + j).add(load(bias, 2 * n + j));
                FloatVector cand = hardtanh(gin.add(inhibit(ghn, ar.neg().max(ZERO))));
                FloatVector h = load(hPrev, hp + j);
                store(hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))), hOut, ho + j);
            }
            RagGru.row(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
        }
    }
}
