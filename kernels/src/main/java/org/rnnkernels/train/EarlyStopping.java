package org.rnnkernels.train;

import java.util.List;
import org.rnnkernels.internal.Checks;

/**
 * Early stopping on a validation metric: after each evaluation, {@link #update} keeps a copy of the
 * parameters when the metric improved by more than {@code minDelta} on the best so far, and
 * {@link #shouldStop} turns true once {@code patience} evaluations in a row have not; {@link #restoreBest}
 * puts the best parameters back into the model. Lower is better (a loss, perplexity, bits per character);
 * pass {@code higherIsBetter} for accuracy.
 *
 * <p>The copy is made once, sized to the model's parameters, and reused: an update allocates nothing.
 */
public final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private final boolean higherIsBetter;
    private final List<Parameter> parameters;
    private final float[][] best;
    private double bestMetric = Double.NaN;
    private int bestEvaluation;
    private int evaluations;
    private int sinceBest;

    /**
     * @param patience       evaluations without improvement before {@link #shouldStop}, {@code >= 1}
     * @param minDelta       the least change that counts as an improvement, finite and {@code >= 0}
     * @param higherIsBetter true for accuracy, false for a loss
     */
    public EarlyStopping(TrainingModel model, int patience, double minDelta, boolean higherIsBetter) {
        Checks.nonNull("model", model);
        Checks.positive("patience", patience);
        Checks.finiteIn("minDelta", minDelta, 0, Double.MAX_VALUE, true);
        this.patience = patience;
        this.minDelta = minDelta;
        this.higherIsBetter = higherIsBetter;
        this.parameters = model.parameters();
        this.best = new float[parameters.size()][];
        for (int i = 0; i < best.length; i++) {
            best[i] = parameters.get(i).value().clone();
        }
    }

    /**
     * Records the metric of an evaluation of the current parameters.
     *
     * @return true when it is the best so far (the parameters were copied)
     * @throws IllegalArgumentException for NaN or infinity
     */
    public boolean update(double metric) {
        if (!Double.isFinite(metric)) {
            throw new IllegalArgumentException("metric = " + metric + ", expected finite");
        }
        evaluations++;
        boolean improved = Double.isNaN(bestMetric)
                || (higherIsBetter ? metric > bestMetric + minDelta : metric < bestMetric - minDelta);
        if (improved) {
            bestMetric = metric;
            bestEvaluation = evaluations;
            sinceBest = 0;
            for (int i = 0; i < best.length; i++) {
                System.arraycopy(parameters.get(i).value(), 0, best[i], 0, best[i].length);
            }
        } else {
            sinceBest++;
        }
        return improved;
    }

    /** {@code patience} evaluations in a row without improvement. */
    public boolean shouldStop() {
        return sinceBest >= patience;
    }

    /** The best metric so far (NaN before the first {@link #update}). */
    public double bestMetric() {
        return bestMetric;
    }

    /** The 1-based evaluation that gave {@link #bestMetric} (0 before the first). */
    public int bestEvaluation() {
        return bestEvaluation;
    }

    /** Copies the best parameters back into the model (and refreshes its packed weights). */
    public void restoreBest(TrainingModel model) {
        if (!model.parameters().equals(parameters)) {
            throw new IllegalArgumentException("model: not the model this EarlyStopping was made for");
        }
        for (int i = 0; i < best.length; i++) {
            System.arraycopy(best[i], 0, parameters.get(i).value(), 0, best[i].length);
        }
        model.parametersChanged();
    }
}
