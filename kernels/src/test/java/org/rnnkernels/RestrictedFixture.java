package org.rnnkernels;

import java.util.SplittableRandom;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.reference.RestrictedReference;
import org.rnnkernels.train.TorchInit;

/**
 * A random restricted layer ({@link TorchInit#restricted}: pool entries U(-1/sqrt(H), 1/sqrt(H))) with its
 * inputs, for one test case.
 */
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
        RestrictedWeights weights = TorchInit.restricted(type, input, hidden, rate, random);
        pool = weights.pool();
        biasPool = weights.biasPool();
        x = TorchInit.uniform(random, steps * batch * input, 1f);
        h0 = TorchInit.uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? TorchInit.uniform(random, batch * hidden, 0.5f) : null;
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
        return RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), blas);
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
                Fixtures.toDouble(pool), Fixtures.toDouble(biasPool));
        return cell.run(Fixtures.sequence(x, steps, batch, input), Fixtures.rows(h0, batch, hidden),
                c0 == null ? null : Fixtures.rows(c0, batch, hidden));
    }

    @Override
    public String toString() {
        return "restricted " + type + " I=" + input + " H=" + hidden + " r=" + rate + " B=" + batch + " T=" + steps;
    }
}
