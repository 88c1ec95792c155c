package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;

/** {@link MiGru}, a vector of units at a time; its three activations from one call site. */
public final class VectorMiGru implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] mi, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            for (int block = 0; block < 2; block++) {
                VectorOps.miSumInPlace(from, to, gi, g, gh, q, bias, mi, 3 * n, block * n);
            }
            for (int block = 0; block < 3; block++) {
                if (block == 2) {
                    candidatePre(from, to, n, gi, g, gh, q, bias, mi);
                }
                VectorOps.activate(from, to, gh, q + block * n, block == 2);
            }
            VectorOps.blend(from, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
        }
    }

    private static void candidatePre(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] mi) {
        int end = from + S.loopBound(to - from);
        int width = 3 * n;
        for (int j = from; j < end; j += S.length()) {
            int row = 2 * n + j;
            FloatVector wx = load(gi, g + row);
            FloatVector u = load(gh, q + j).mul(load(gh, q + row).add(load(bias, 3 * n + j)));
            FloatVector inner = load(mi, 2 * width + row).mul(wx).add(load(bias, 2 * n + j));
            store(inner.add(load(mi, width + row).mul(u).add(load(mi, row).mul(wx).mul(u))), gh, q + row);
        }
        MiGru.candidatePre(end, to, n, gi, g, gh, q, bias, mi);
    }
}
