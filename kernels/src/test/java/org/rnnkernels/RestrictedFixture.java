package org.rnnkernels;

import java.util.SplittableRandom;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.reference.RestrictedReference;

/** A random restricted layer (pool entries U(-1/sqrt(H), 1/sqrt(H))) with its inputs, for one test case. */
final class RestrictedFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final double rate;
    final float[] pool, biasPool;
    final float[] x, h0, c0;

    RestrictedFixture(CellType type, int input, int hidden, double rate, int batch, int steps, long seed) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.rate = rate;
        this.batch = batch;
        this.steps = steps;
        SplittableRandom random = new SplittableRandom(seed);
        int rows = RestrictedWeights.poolRows(type, hidden, rate);
        float bound = (float) (1 / Math.sqrt(hidden));
        pool = CellFixture.uniform(random, rows * Math.max(input, hidden), bound);
        biasPool = CellFixture.uniform(random, rows, bound);
        x = CellFixture.uniform(random, steps * batch * input, 1f);
        h0 = CellFixture.uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? CellFixture.uniform(random, batch * hidden, 0.5f) : null;
    }

    RestrictedWeights weights() {
        return RestrictedWeights.of(type, input, hidden, rate, pool, biasPool);
    }

    RecurrentLayer layer(org.rnnkernels.blas.Blas blas) {
        return RecurrentLayer.createRestricted(weights(), blas);
    }

    /** The dense layer of the same weights (the restricted matrices written out in full). */
    RecurrentLayer denseLayer(org.rnnkernels.blas.Blas blas) {
        RestrictedWeights w = weights();
        return RecurrentLayer.create(type, input, hidden, w.weightIh(), w.weightHh(), w.biasIh(), w.biasHh(), blas);
    }

    LayerState initialState(RecurrentLayer layer, int threads) {
        LayerState state = layer.newState(batch, threads).setHidden(h0);
        if (c0 != null) {
            state.setCell(c0);
        }
        return state;
    }

    /** The reference: CELLS.md's construction from the pool in double, independent of {@link RestrictedWeights}. */
    ReferenceCell.Sequence runReference() {
        ReferenceCell cell = RestrictedReference.cell(RefCellType.valueOf(type.name()), input, hidden, rate,
                CellFixture.toDouble(pool), CellFixture.toDouble(biasPool));
        double[][][] xs = new double[steps][batch][];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                xs[t][b] = CellFixture.toDouble(x, (t * batch + b) * input, input);
            }
        }
        double[][] h = new double[batch][];
        double[][] c = c0 == null ? null : new double[batch][];
        for (int b = 0; b < batch; b++) {
            h[b] = CellFixture.toDouble(h0, b * hidden, hidden);
            if (c != null) {
                c[b] = CellFixture.toDouble(c0, b * hidden, hidden);
            }
        }
        return cell.run(xs, h, c);
    }

    @Override
    public String toString() {
        return "restricted " + type + " I=" + input + " H=" + hidden + " r=" + rate + " B=" + batch + " T=" + steps;
    }
}
