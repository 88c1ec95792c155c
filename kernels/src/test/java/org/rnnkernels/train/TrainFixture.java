package org.rnnkernels.train;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceBackward;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.reference.RestrictedReference;

/**
 * A random cell (PyTorch's default initialisation U(-1/sqrt(H), 1/sqrt(H)), {@code W_hh} scaled by
 * {@code recurrentScale}), its inputs, initial states and upstream gradients, in float and as the
 * double reference sees them. EGRU: thresholds in [0.05, 0.5] (as {@code CellFixture}) and the
 * pseudo-derivative {@code gamma, s}. Restricted ({@link #restricted}): a random pool and bias pool at
 * sharing rate {@code rate}, whose expansion are {@code wIh, wHh, bIh, bHh}.
 */
final class TrainFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final long seed;
    final float[] wIh, wHh, bIh, bHh;
    final MiParameters mi;
    final float[] x, h0, c0;
    final float[] dOutputs, dFinalH, dFinalC;
    final float[] theta;          // EGRU only
    final double gamma, slope;    // EGRU's pseudo-derivative
    final double rate;            // restricted only, else NaN
    final float[] pool, biasPool; // restricted only

    TrainFixture(CellType type, int input, int hidden, int batch, int steps, long seed, float recurrentScale) {
        this(type, input, hidden, batch, steps, seed, recurrentScale, TrainingLayer.DEFAULT_GAMMA, TrainingLayer.DEFAULT_S,
                Double.NaN, null);
    }

    /** An EGRU fixture with the pseudo-derivative {@code gamma, s}. */
    static TrainFixture egru(int input, int hidden, int batch, int steps, long seed, double gamma, double slope) {
        return new TrainFixture(CellType.EGRU, input, hidden, batch, steps, seed, 1f, gamma, slope, Double.NaN, null);
    }

    /** This EGRU fixture with other thresholds. */
    TrainFixture withThresholds(float[] thresholds) {
        return new TrainFixture(type, input, hidden, batch, steps, seed, 1f, gamma, slope, Double.NaN, thresholds);
    }

    /** A restricted layer's fixture: a random pool at sharing rate {@code rate}. */
    static TrainFixture restricted(CellType type, int input, int hidden, int batch, int steps, long seed, double rate) {
        return new TrainFixture(type, input, hidden, batch, steps, seed, 1f, 0, 1, rate, null);
    }

    private TrainFixture(CellType type, int input, int hidden, int batch, int steps, long seed, float recurrentScale,
                         double gamma, double slope, double rate, float[] thresholds) {
        this.type = type;
        this.gamma = gamma;
        this.slope = slope;
        this.rate = rate;
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
        theta = !type.eventBased() ? null : thresholds != null ? thresholds.clone() : randomThresholds(random, hidden);
        if (Double.isNaN(rate)) {
            pool = null;
            biasPool = null;
            return;
        }
        int poolRows = RestrictedWeights.poolRows(type, hidden, rate);
        pool = uniform(random, poolRows * Math.max(input, hidden), bound);
        biasPool = uniform(random, poolRows, bound);
        RestrictedWeights weights = weights();
        System.arraycopy(weights.weightIh(), 0, wIh, 0, wIh.length);
        System.arraycopy(weights.weightHh(), 0, wHh, 0, wHh.length);
        System.arraycopy(weights.biasIh(), 0, bIh, 0, bIh.length);
        System.arraycopy(weights.biasHh(), 0, bHh, 0, bHh.length);
    }

    /** EGRU thresholds in [0.05, 0.5]: with states in (-1, 1), units fire now and then (as CellFixture's). */
    static float[] randomThresholds(SplittableRandom random, int hidden) {
        float[] theta = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            theta[j] = (float) random.nextDouble(0.05, 0.5);
        }
        return theta;
    }

    RestrictedWeights weights() {
        return RestrictedWeights.of(type, input, hidden, rate, pool, biasPool);
    }

    boolean isRestricted() {
        return pool != null;
    }

    /**
     * The training layer of {@code layer} with this fixture's pseudo-derivative (EGRU) and the given choice of
     * EGRU's sparse products: {@code TrainingLayer.SPARSE_BELOW} the defaults, 2 always sparse, 0 always dense.
     */
    TrainingLayer training(RecurrentLayer layer, double sparseBelow) {
        boolean defaults = sparseBelow == TrainingLayer.SPARSE_BELOW;
        return TrainingLayer.create(layer, gamma, slope, org.rnnkernels.blas.Blases.get(), sparseBelow,
                defaults ? TrainingLayer.SPARSE_BELOW_BATCHED : sparseBelow,
                defaults ? TrainingLayer.SPARSE_WEIGHTS_BELOW : sparseBelow, type.eventBased());
    }

    TrainingLayer training(RecurrentLayer layer) {
        return training(layer, TrainingLayer.SPARSE_BELOW);
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
        if (isRestricted()) {
            return RecurrentLayer.createRestricted(weights());
        }
        if (type.eventBased()) {
            return RecurrentLayer.createEgru(input, hidden, wIh, wHh, bIh, bHh, theta);
        }
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
        if (isRestricted()) {
            return new ReferenceBackward(RestrictedReference.cell(RefCellType.valueOf(type.name()), input, hidden, rate,
                    d(pool), d(biasPool)));
        }
        if (type.eventBased()) {
            return new ReferenceBackward(ReferenceCell.egru(input, hidden, d(wIh), d(wHh), d(bIh), d(bHh), d(theta)),
                    gamma, slope);
        }
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

    /** EGRU: the reference's trace adopting the kernel's firing decisions ({@code y != 0} in {@code outputs}) within {@link #AMBIGUOUS}. */
    ReferenceBackward.Trace referenceTrace(ReferenceBackward reference, float[] outputs) {
        boolean[][][] fired = new boolean[steps][batch][hidden];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < hidden; j++) {
                    fired[t][b][j] = outputs[(t * batch + b) * hidden + j] != 0;
                }
            }
        }
        return reference.forwardAdopting(seq(x, steps, batch, input), rows(h0), rows(c0), fired, AMBIGUOUS);
    }

    /** Where the reference's c_pre is this close to theta, the float kernel's firing decision is as right as its own. */
    static final double AMBIGUOUS = 1e-5;

    @Override
    public String toString() {
        return type + (isRestricted() ? " restricted r=" + rate : "") + (type.eventBased() ? " gamma=" + gamma + " s=" + slope : "")
                + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps + " seed=" + seed;
    }
}
