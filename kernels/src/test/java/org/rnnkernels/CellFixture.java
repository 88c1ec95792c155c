package org.rnnkernels;

import java.util.SplittableRandom;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.train.TorchInit;

/** A random cell (PyTorch's default initialisation, U(-1/sqrt(H), 1/sqrt(H))) with its inputs, for one test case. */
final class CellFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final Fixtures.Weights weights;
    final float[] x, h0, c0;
    final MiParameters mi;   // MI cells only
    final float[] thresholds; // EGRU only

    CellFixture(CellType type, int input, int hidden, int batch, int steps, long seed) {
        this(type, input, hidden, batch, steps, seed, 1f);
    }

    /** {@code recurrentScale} scales {@code W_hh}'s initialisation bound (below 1: more contractive dynamics). */
    CellFixture(CellType type, int input, int hidden, int batch, int steps, long seed, float recurrentScale) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.batch = batch;
        this.steps = steps;
        SplittableRandom random = new SplittableRandom(seed);
        weights = Fixtures.weights(type, input, hidden, random, recurrentScale);
        x = TorchInit.uniform(random, steps * batch * input, 1f);
        h0 = TorchInit.uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? TorchInit.uniform(random, batch * hidden, 0.5f) : null;
        mi = type.multiplicative() ? Fixtures.randomMi(random, type.gates() * hidden) : null;
        thresholds = type.eventBased() ? Fixtures.randomThresholds(random, hidden) : null;
    }

    RecurrentLayer layer() {
        return layer(org.rnnkernels.blas.Blases.get());
    }

    RecurrentLayer layer(org.rnnkernels.blas.Blas blas) {
        return Fixtures.layer(type, input, hidden, weights, mi, thresholds, blas);
    }

    LayerState initialState(RecurrentLayer layer) {
        LayerState state = layer.newState(batch).setHidden(h0);
        if (c0 != null) {
            state.setCell(c0);
        }
        return state;
    }

    ReferenceCell reference() {
        return Fixtures.referenceCell(type, input, hidden, weights, mi, thresholds);
    }

    ReferenceCell.Sequence runReference() {
        return reference().run(Fixtures.sequence(x, steps, batch, input), Fixtures.rows(h0, batch, hidden),
                c0 == null ? null : Fixtures.rows(c0, batch, hidden));
    }

    @Override
    public String toString() {
        return type + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps;
    }
}
