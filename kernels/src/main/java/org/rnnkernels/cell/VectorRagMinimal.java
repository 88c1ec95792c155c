package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.pre;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;

/** {@link RagMinimal}, a vector of units at a time. */
public final class VectorRagMinimal implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 2 * n, q = b * 2 * n, hp = hpo + b * n, ho = hoo + b * n;
            for (int j = from; j < end; j += S.length()) {
                FloatVector az = pre(gi, g + j, gh, q + j, bias, j);
                FloatVector cand = hardtanh(pre(gi, g + n + j, gh, q + n + j, bias, n + j));
                FloatVector h = load(hPrev, hp + j);
                store(hardtanh(inhibit(h, az.neg().max(ZERO)).add(inhibit(cand, az.max(ZERO)))), hOut, ho + j);
            }
            RagMinimal.row(end, to, n, gi, g, gh, q, bias, hPrev, hp, hOut, ho);
        }
    }
}
