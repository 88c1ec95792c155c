package org.rnnkernels.ternary;

import java.util.SplittableRandom;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.TernaryReference;
import org.rnnkernels.train.TorchInit;

/** Random ternary-layer weights and inputs (PyTorch's U(-1/sqrt(H), 1/sqrt(H)) initialisation) and their reference twin. */
final class TernaryFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final Fixtures.Weights weights;
    final float[] x, h0, c0;

    TernaryFixture(CellType type, int input, int hidden, int batch, int steps, long seed) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.batch = batch;
        this.steps = steps;
        SplittableRandom random = new SplittableRandom(seed);
        weights = Fixtures.Weights.of(TorchInit.weights(type, input, hidden, random));
        x = TorchInit.uniform(random, steps * batch * input, 1f);
        h0 = TorchInit.uniform(random, batch * hidden, 0.9f);
        c0 = type == CellType.LSTM ? TorchInit.uniform(random, batch * hidden, 0.9f) : null;
    }

    RecurrentLayer layer(TernaryLayer.Activations mode, Ternarizer ternarizer, float delta, float lambda) {
        return TernaryLayer.create(LayerWeights.of(type, input, hidden).inputWeights(weights.weightIh())
                .recurrentWeights(weights.weightHh())
                .biases(weights.biasIh(), weights.biasHh())
                .build(), mode, ternarizer, delta, lambda);
    }

    TernaryReference reference(TernaryLayer.Activations mode, Ternarizer ternarizer, float delta, float lambda) {
        int rows = type.gates() * hidden;
        int blocks = ternarizer.scaling() == Ternarizer.Scaling.PER_MATRIX ? 1 : type.gates();
        return new TernaryReference(RefCellType.valueOf(type.name()), mode == TernaryLayer.Activations.TERNARY, input, hidden,
                TernaryReference.ternarizeWeights(weights.weightIh(), rows, input, blocks, ternarizer.factor()),
                TernaryReference.ternarizeWeights(weights.weightHh(), rows, hidden, blocks, ternarizer.factor()),
                Fixtures.toDouble(weights.biasIh()), Fixtures.toDouble(weights.biasHh()), delta, lambda);
    }

    @Override
    public String toString() {
        return type + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps;
    }
}
