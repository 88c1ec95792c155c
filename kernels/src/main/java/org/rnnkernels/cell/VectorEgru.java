package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** {@link Egru}, a vector of units at a time: GRU's gates, then c_pre and the threshold in loops of their own. */
public final class VectorEgru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] theta, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, ho = hoo + b * n, cs = b * n;
            VectorGru.gates(from, to, n, gi, g, gh, q, bias);
            for (int j = from; j < end; j += S.length()) {
                FloatVector z = load(gh, q + n + j);
                FloatVector cand = load(gh, q + 2 * n + j);
                store(cand.add(z.mul(load(c, cs + j).sub(cand))), gh, q + 2 * n + j);
            }
            Egru.cellPre(end, to, n, gh, q, c, cs);
            for (int j = from; j < end; j += S.length()) {
                FloatVector cPre = load(gh, q + 2 * n + j);
                FloatVector th = load(theta, j);
                VectorMask<Float> fires = cPre.compare(VectorOperators.LE, th).not();   // NaN fires: see Egru.fire
                store(ZERO.blend(cPre, fires), hOut, ho + j);
                store(cPre.sub(ZERO.blend(th, fires)), c, cs + j);
            }
            Egru.fire(end, to, n, gh, q, theta, hOut, ho, c, cs);
        }
    }
}
