package org.rnnkernels.train;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
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
 * double reference sees them. EGRU: thresholds in [0.05, 0.5] ({@link Fixtures#randomThresholds}) and the
 * pseudo-derivative {@code gamma, s}. Restricted ({@link #restricted}): a random pool and bias pool at
 * sharing rate {@code rate}, whose expansion are the {@code weights}.
 */
final class TrainFixture {
    final CellType type;
    final int input, hidden, batch, steps;
    final long seed;
    final Fixtures.Weights weights; // restricted: the pool's expansion
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
        weights = Fixtures.weights(type, input, hidden, random, recurrentScale);
        mi = type.multiplicative() ? Fixtures.randomMi(random, type.gates() * hidden) : null;
        x = TorchInit.uniform(random, steps * batch * input, 1f);
        h0 = TorchInit.uniform(random, batch * hidden, 0.5f);
        c0 = type.hasCellState() ? TorchInit.uniform(random, batch * hidden, 0.5f) : null;
        dOutputs = TorchInit.uniform(random, steps * batch * hidden, 1f);
        dFinalH = TorchInit.uniform(random, batch * hidden, 1f);
        dFinalC = type.hasCellState() ? TorchInit.uniform(random, batch * hidden, 1f) : null;
        theta = !type.eventBased() ? null : thresholds != null ? thresholds.clone() : Fixtures.randomThresholds(random, hidden);
        if (Double.isNaN(rate)) {
            pool = null;
            biasPool = null;
            return;
        }
        RestrictedWeights restricted = TorchInit.restricted(type, input, hidden, rate, random);
        pool = restricted.pool();
        biasPool = restricted.biasPool();
        // The dense weights are the pool's expansion.
        System.arraycopy(restricted.weightIh(), 0, weights.weightIh(), 0, weights.weightIh().length);
        System.arraycopy(restricted.weightHh(), 0, weights.weightHh(), 0, weights.weightHh().length);
        System.arraycopy(restricted.biasIh(), 0, weights.biasIh(), 0, weights.biasIh().length);
        System.arraycopy(restricted.biasHh(), 0, weights.biasHh(), 0, weights.biasHh().length);
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

    RecurrentLayer layer() {
        if (isRestricted()) {
            return RecurrentLayer.createRestricted(weights());
        }
        return Fixtures.layer(type, input, hidden, weights, mi, theta, org.rnnkernels.blas.Blases.get());
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
                    Fixtures.toDouble(pool), Fixtures.toDouble(biasPool)));
        }
        ReferenceCell cell = Fixtures.referenceCell(type, input, hidden, weights, mi, theta);
        return type.eventBased() ? new ReferenceBackward(cell, gamma, slope) : new ReferenceBackward(cell);
    }

    ReferenceBackward.Trace referenceTrace(ReferenceBackward reference) {
        return reference.forward(Fixtures.sequence(x, steps, batch, input), rows(h0), c0 == null ? null : rows(c0));
    }

    double[][][] dOutputsRef() {
        return Fixtures.sequence(dOutputs, steps, batch, hidden);
    }

    /** A {@code [B][H]} array as the reference takes it. */
    double[][] rows(float[] flat) {
        return Fixtures.rows(flat, batch, hidden);
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
        return reference.forwardAdopting(Fixtures.sequence(x, steps, batch, input), rows(h0), rows(c0), fired, AMBIGUOUS);
    }

    /** Where the reference's c_pre is this close to theta, the float kernel's firing decision is as right as its own. */
    static final double AMBIGUOUS = 1e-5;

    @Override
    public String toString() {
        return type + (isRestricted() ? " restricted r=" + rate : "") + (type.eventBased() ? " gamma=" + gamma + " s=" + slope : "")
                + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps + " seed=" + seed;
    }
}
