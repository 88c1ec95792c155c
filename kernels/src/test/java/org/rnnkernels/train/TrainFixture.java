package org.rnnkernels.train;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceBackward;
import org.rnnkernels.reference.ReferenceCell;

/**
 * A random cell (PyTorch's default initialisation U(-1/sqrt(H), 1/sqrt(H)), {@code W_hh} scaled by
 * {@code recurrentScale}), its inputs, initial states and upstream gradients, in float and as the
 * double reference sees them.
 */
final class TrainFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final long seed;
    final float[] wIh, wHh, bIh, bHh;
    final MiParameters mi;
    final float[] x, h0, c0;
    final float[] dOutputs, dFinalH, dFinalC;

    TrainFixture(CellType type, int input, int hidden, int batch, int steps, long seed, float recurrentScale) {
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.batch = batch;
        this.steps = steps;
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        int rows = type.gates() * hidden;
        float bound = (float) (1 / Math.sqrt(hidden));
        wIh = uniform(random, rows * input, bound);
        wHh = uniform(random, rows * hidden, bound * recurrentScale);
        bIh = uniform(random, rows, bound);
        bHh = uniform(random, rows, bound);
        mi = type.multiplicative() ? randomMi(random, rows) : null;
        x = uniform(random, steps * batch * input, 1f);
        h0 = uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? uniform(random, batch * hidden, 0.5f) : null;
        dOutputs = uniform(random, steps * batch * hidden, 1f);
        dFinalH = uniform(random, batch * hidden, 1f);
        dFinalC = type.hasCellState() ? uniform(random, batch * hidden, 1f) : null;
    }

    // alpha in [0.5, 1.5], beta1 and beta2 in [0.2, 1]: around the usual initialisation, all terms live
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
        return RecurrentLayer.create(type, input, hidden, wIh, wHh, bIh, bHh, mi, org.rnnkernels.blas.Blases.get());
    }

    TrainingState state(TrainingLayer layer) {
        TrainingState state = layer.newState(batch).setHidden(h0);
        if (c0 != null) {
            state.setCell(c0);
        }
        return state;
    }

    ReferenceBackward reference() {
        ReferenceCell cell = new ReferenceCell(RefCellType.valueOf(type.name()), input, hidden,
                d(wIh), d(wHh), d(bIh), d(bHh), mi == null ? null : d(mi.alpha()), mi == null ? null : d(mi.beta1()),
                mi == null ? null : d(mi.beta2()));
        return new ReferenceBackward(cell);
    }

    ReferenceBackward.Trace referenceTrace(ReferenceBackward reference) {
        return reference.forward(seq(x, steps, batch, input), rows(h0), c0 == null ? null : rows(c0));
    }

    double[][][] dOutputsRef() {
        return seq(dOutputs, steps, batch, hidden);
    }

    double[][] rows(float[] flat) {
        double[][] r = new double[batch][hidden];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < hidden; j++) {
                r[b][j] = flat[b * hidden + j];
            }
        }
        return r;
    }

    static double[][][] seq(float[] flat, int steps, int batch, int width) {
        double[][][] s = new double[steps][batch][width];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < width; i++) {
                    s[t][b][i] = flat[(t * batch + b) * width + i];
                }
            }
        }
        return s;
    }

    static double[] flatten(double[][][] a) {
        int n = 0;
        for (double[][] m : a) {
            for (double[] row : m) {
                n += row.length;
            }
        }
        double[] out = new double[n];
        int k = 0;
        for (double[][] m : a) {
            for (double[] row : m) {
                System.arraycopy(row, 0, out, k, row.length);
                k += row.length;
            }
        }
        return out;
    }

    static double[] flatten(double[][] a) {
        return flatten(new double[][][] {a});
    }

    static double[] d(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }

    @Override
    public String toString() {
        return type + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps + " seed=" + seed;
    }
}
