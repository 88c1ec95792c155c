package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.load;
import static org.rnnkernels.cell.VectorOps.store;

import jdk.incubator.vector.FloatVector;

/**
 * {@link Lstm}, a vector of units at a time. The five activations of a row ({@code i, f, g, o} and
 * {@code tanh(c')}) all come from the one {@link VectorOps#activate} call site: {@code c'} is
 * written over block {@code i} (spent by then) between the fourth and the fifth.
 */
public final class VectorLstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
            }
            activateAndUpdate(from, to, n, gh, q, hOut, hoo + b * n, c, b * n);
        }
    }

    // i, f, g, o activated in place, c' = f*c + i*g (into c and block i), tanh(c') in place, h' = o*tanh(c')
    static void activateAndUpdate(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int pass = 0; pass < 5; pass++) {
            if (pass == 4) {
                cellUpdate(from, to, n, gh, q, c, cs);
            }
            VectorOps.activate(from, to, gh, q + (pass == 4 ? 0 : pass * n), pass == 2 || pass == 4);
        }
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            store(load(gh, q + 3 * n + j).mul(load(gh, q + j)), hOut, ho + j);
        }
        Lstm.output(end, to, n, gh, q, hOut, ho);
    }

    // c' = f*c + i*g, into c and over block i
    private static void cellUpdate(int from, int to, int n, float[] gh, int q, float[] c, int cs) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector cNew = load(gh, q + n + j).mul(load(c, cs + j)).add(load(gh, q + j).mul(load(gh, q + 2 * n + j)));
            store(cNew, c, cs + j);
            store(cNew, gh, q + j);
        }
        Lstm.cellUpdate(end, to, n, gh, q, c, cs);
    }
}
