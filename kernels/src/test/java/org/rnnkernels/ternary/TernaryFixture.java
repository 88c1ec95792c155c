package org.rnnkernels.ternary;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.TernaryReference;

/** Random ternary-layer weights and inputs (PyTorch's U(-1/sqrt(H), 1/sqrt(H)) initialisation) and their reference twin. */
public final class TernaryFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final float[] wIh, wHh, bIh, bHh, x, h0, c0;

    TernaryFixture(CellType type, int input, int hidden, int batch, int steps, long seed) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.batch = batch;
        this.steps = steps;
        SplittableRandom random = new SplittableRandom(seed);
        int rows = type.gates() * hidden;
        float bound = (float) (1 / Math.sqrt(hidden));
        wIh = uniform(random, rows * input, bound);
        wHh = uniform(random, rows * hidden, bound);
        bIh = uniform(random, rows, bound);
        bHh = uniform(random, rows, bound);
        x = uniform(random, steps * batch * input, 1f);
        h0 = uniform(random, batch * hidden, 0.9f);
        c0 = type == CellType.LSTM ? uniform(random, batch * hidden, 0.9f) : null;
    }

    public static float[] uniform(SplittableRandom random, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    /** Small integers in [-limit, limit]: float sums of them are exact in any order. */
    public static float[] integers(SplittableRandom random, int n, int limit) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextInt(-limit, limit + 1);
        }
        return a;
    }

    RecurrentLayer layer(TernaryLayer.Activations mode, Ternarizer ternarizer, float delta, float lambda) {
        return TernaryLayer.create(type, mode, input, hidden, wIh, wHh, bIh, bHh, ternarizer, delta, lambda);
    }

    TernaryReference reference(TernaryLayer.Activations mode, Ternarizer ternarizer, float delta, float lambda) {
        int rows = type.gates() * hidden;
        int blocks = ternarizer.scaling() == Ternarizer.Scaling.PER_MATRIX ? 1 : type.gates();
        return new TernaryReference(RefCellType.valueOf(type.name()), mode == TernaryLayer.Activations.TERNARY, input, hidden,
                TernaryReference.ternarizeWeights(wIh, rows, input, blocks, ternarizer.factor()),
                TernaryReference.ternarizeWeights(wHh, rows, hidden, blocks, ternarizer.factor()),
                toDouble(bIh, 0, rows), toDouble(bHh, 0, rows), delta, lambda);
    }

    public static double[] toDouble(float[] a, int offset, int length) {
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
            d[i] = a[offset + i];
        }
        return d;
    }

    @Override
    public String toString() {
        return type + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps;
    }
}
