package org.rnnkernels;

import java.util.SplittableRandom;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;

/** A random cell (PyTorch's default initialisation, U(-1/sqrt(H), 1/sqrt(H))) with its inputs, for one test case. */
final class CellFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final float[] wIh, wHh, bIh, bHh;
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
        int rows = type.gates() * hidden;
        float bound = (float) (1 / Math.sqrt(hidden));
        wIh = uniform(random, rows * input, bound);
        wHh = uniform(random, rows * hidden, bound * recurrentScale);
        bIh = uniform(random, rows, bound);
        bHh = uniform(random, rows, bound);
        x = uniform(random, steps * batch * input, 1f);
        h0 = uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? uniform(random, batch * hidden, 0.5f) : null;
        mi = type.multiplicative() ? randomMi(random, rows) : null;
        thresholds = type.eventBased() ? randomThresholds(random, hidden) : null;
    }

    /** EGRU thresholds in [0.05, 0.5]: with states in (-1, 1), units fire now and then, neither never nor always. */
    static float[] randomThresholds(SplittableRandom random, int hidden) {
        float[] theta = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            theta[j] = (float) random.nextDouble(0.05, 0.5);
        }
        return theta;
    }

    /** alpha in [0.5, 1.5], beta1 and beta2 in [0.2, 1]: around the usual initialisation, all terms live. */
    static MiParameters randomMi(SplittableRandom random, int rows) {
        float[] alpha = new float[rows];
        float[] beta1 = new float[rows];
        float[] beta2 = new float[rows];
        for (int i = 0; i < rows; i++) {
            alpha[i] = (float) random.nextDouble(0.5, 1.5);
            beta1[i] = (float) random.nextDouble(0.2, 1.0);
            beta2[i] = (float) random.nextDouble(0.2, 1.0);
        }
        return new MiParameters(alpha, beta1, beta2);
    }

    static float[] uniform(SplittableRandom random, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    RecurrentLayer layer() {
        return layer(org.rnnkernels.blas.Blases.get());
    }

    RecurrentLayer layer(org.rnnkernels.blas.Blas blas) {
        return type.eventBased() ? RecurrentLayer.createEgru(input, hidden, wIh, wHh, bIh, bHh, thresholds, blas)
                : RecurrentLayer.create(type, input, hidden, wIh, wHh, bIh, bHh, mi, blas);
    }

    LayerState initialState(RecurrentLayer layer) {
        LayerState state = layer.newState(batch).setHidden(h0);
        if (c0 != null) {
            state.setCell(c0);
        }
        return state;
    }

    ReferenceCell reference() {
        if (type.eventBased()) {
            return ReferenceCell.egru(input, hidden, toDouble(wIh), toDouble(wHh), toDouble(bIh), toDouble(bHh), toDouble(thresholds));
        }
        return new ReferenceCell(RefCellType.valueOf(type.name()), input, hidden,
                toDouble(wIh), toDouble(wHh), toDouble(bIh), toDouble(bHh),
                mi == null ? null : toDouble(mi.alpha()), mi == null ? null : toDouble(mi.beta1()),
                mi == null ? null : toDouble(mi.beta2()));
    }

    ReferenceCell.Sequence runReference() {
        double[][][] xs = new double[steps][batch][input];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < input; i++) {
                    xs[t][b][i] = x[(t * batch + b) * input + i];
                }
            }
        }
        return reference().run(xs, rows(h0), c0 == null ? null : rows(c0));
    }

    private double[][] rows(float[] flat) {
        double[][] r = new double[batch][hidden];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < hidden; j++) {
                r[b][j] = flat[b * hidden + j];
            }
        }
        return r;
    }

    static double[] toDouble(float[] a) {
        return toDouble(a, 0, a.length);
    }

    static double[] toDouble(float[] a, int offset, int length) {
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
