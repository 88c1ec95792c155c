package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.hardtanh;
import static org.rnnkernels.cell.VectorOps.inhibit;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;

/**
 * {@link RagLstm}, a vector of units at a time. The four sums {@code a_k = gi_k + gh_k + b_k} are
 * made in place first: with them in the update loop its body was past C2's node budget.
 */
public final class VectorRagLstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n, ho = hoo + b * n, cs = b * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
            }
            for (int j = from; j < end; j += S.length()) {
                FloatVector ai = load(gh, q + j);
                FloatVector af = load(gh, q + n + j);
                FloatVector ag = load(gh, q + 2 * n + j);
                FloatVector ao = load(gh, q + 3 * n + j);
                FloatVector writeBlock = af.max(ZERO).add(ai.neg().max(ZERO));
                FloatVector cNew = hardtanh(inhibit(load(c, cs + j), af.neg().max(ZERO)).add(inhibit(hardtanh(ag), writeBlock)));
                store(cNew, c, cs + j);
                store(inhibit(cNew, ao.neg().max(ZERO)), hOut, ho + j);
            }
            RagLstm.update(end, to, n, gh, q, hOut, ho, c, cs);
        }
    }
}
