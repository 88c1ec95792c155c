package org.rnnkernels.train;

import java.util.List;
import org.rnnkernels.internal.Checks;

/**
 * Adam, as PyTorch's {@code torch.optim.Adam} ({@code amsgrad = False}, {@code weight_decay = 0})
 * computes it, step {@code t = 1, 2, ...}:
 * <pre>
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * Note where {@code eps} goes: added to the bias-corrected root {@code sqrt(v / (1 - beta2^t))}, as in
 * the paper's Algorithm 1 and PyTorch; TensorFlow's form (the paper's "more efficient" one) adds it to
 * the uncorrected {@code sqrt(v)}, which scales {@code eps} differently in the first steps. The
 * per-step factors are computed in double, the elements in float, in PyTorch's order
 * ({@code addcdiv_}: {@code p - stepSize * (m / denominator)}).
 * Defaults are PyTorch's: {@code lr = 1e-3}, betas {@code (0.9, 0.999)}, {@code eps = 1e-8}.
 */
public final class Adam implements Optimizer {
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;

    private final List<Parameter> parameters;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final float[][] m;
    private final float[][] v;
    private double learningRate;
    private long steps;

    /**
     * @param parameters   the parameters to update (the list is copied; the arrays are not)
     * @param learningRate finite, {@code > 0}
     * @param beta1        in {@code [0, 1)}
     * @param beta2        in {@code [0, 1)}
     * @param eps          finite, {@code >= 0}
     */
    public Adam(List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps) {
        Gradients.checkList(parameters);
        Sgd.checkLearningRate(learningRate);
        Checks.finiteIn("beta1", beta1, 0, 1, false);
        Checks.finiteIn("beta2", beta2, 0, 1, false);
        Checks.finiteIn("eps", eps, 0, Double.MAX_VALUE, true);
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.m = new float[this.parameters.size()][];
        this.v = new float[this.parameters.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[this.parameters.get(i).size()];
            v[i] = new float[this.parameters.get(i).size()];
        }
    }

    /** PyTorch's defaults but for the learning rate. */
    public Adam(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS);
    }

    /** PyTorch's defaults: {@code lr = 1e-3}, betas {@code (0.9, 0.999)}, {@code eps = 1e-8}. */
    public Adam(List<Parameter> parameters) {
        this(parameters, DEFAULT_LEARNING_RATE);
    }

    @Override
    public void step() {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (learningRate / correction1);
        float rootCorrection2 = (float) Math.sqrt(correction2);
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            update(p.value(), p.gradient(), m[i], v[i], (float) beta1, (float) beta2, stepSize, rootCorrection2, (float) eps);
        }
    }

    // One small loop per array, so C2 compiles (and may vectorise) it whole.
    private static void update(float[] p, float[] g, float[] m, float[] v, float beta1, float beta2,
                               float stepSize, float rootCorrection2, float eps) {
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        for (int j = 0; j < p.length; j++) {
            float gj = g[j];
            float mj = beta1 * m[j] + oneMinusBeta1 * gj;
            float vj = beta2 * v[j] + oneMinusBeta2 * gj * gj;
            m[j] = mj;
            v[j] = vj;
            p[j] -= stepSize * (mj / ((float) Math.sqrt(vj) / rootCorrection2 + eps));   // addcdiv_ order
        }
    }

    /** The first moment of parameter {@code i} (the optimiser's own array: a checkpoint reads and restores it). */
    float[] firstMoment(int i) {
        return m[i];
    }

    /** The second moment of parameter {@code i} (the optimiser's own array). */
    float[] secondMoment(int i) {
        return v[i];
    }

    /** Continues from a checkpoint: the moments are restored in place by the caller, the step count here. */
    void resumeAt(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps = " + steps + ", expected >= 0");
        }
        this.steps = steps;
    }

    double beta1() {
        return beta1;
    }

    double beta2() {
        return beta2;
    }

    double eps() {
        return eps;
    }

    /** The number of steps taken so far ({@code t} of the last step). */
    public long steps() {
        return steps;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    @Override
    public void setLearningRate(double learningRate) {
        Sgd.checkLearningRate(learningRate);
        this.learningRate = learningRate;
    }
}
