package org.rnnkernels.train;

import java.util.List;
import org.rnnkernels.internal.Checks;

/**
 * Stochastic gradient descent with momentum, PyTorch's {@code torch.optim.SGD} with
 * {@code dampening = 0}, {@code weight_decay = 0}, {@code nesterov = False}:
 * <pre>
 *   buf = momentum * buf + g        (buf = g on the first step: buf starts at 0)
 *   p  -= lr * buf                  (p -= lr * g when momentum = 0)
 * </pre>
 */
public final class Sgd implements Optimizer {
    private final List<Parameter> parameters;
    private final float momentum;
    private final float[][] buffers;   // null without momentum
    private double learningRate;

    /**
     * @param parameters   the parameters to update (the list is copied; the arrays are not)
     * @param learningRate finite, {@code > 0}
     * @param momentum     in {@code [0, 1)}
     */
    public Sgd(List<Parameter> parameters, double learningRate, double momentum) {
        Gradients.checkList(parameters);
        checkLearningRate(learningRate);
        Checks.finiteIn("momentum", momentum, 0, 1, false);
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.momentum = (float) momentum;
        if (momentum == 0) {
            buffers = null;
        } else {
            buffers = new float[this.parameters.size()][];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = new float[this.parameters.get(i).size()];
            }
        }
    }

    /** Plain SGD, no momentum. */
    public Sgd(List<Parameter> parameters, double learningRate) {
        this(parameters, learningRate, 0);
    }

    @Override
    public void step() {
        float lr = (float) learningRate;
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            if (buffers == null) {
                descend(p.value(), p.gradient(), lr);
            } else {
                descend(p.value(), p.gradient(), buffers[i], momentum, lr);
            }
        }
    }

    // p -= lr * g
    private static void descend(float[] p, float[] g, float lr) {
        for (int j = 0; j < p.length; j++) {
            p[j] -= lr * g[j];
        }
    }

    // buf = momentum * buf + g; p -= lr * buf
    private static void descend(float[] p, float[] g, float[] buf, float momentum, float lr) {
        for (int j = 0; j < p.length; j++) {
            float b = momentum * buf[j] + g[j];
            buf[j] = b;
            p[j] -= lr * b;
        }
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
        checkLearningRate(learningRate);
        this.learningRate = learningRate;
    }

    /** The momentum factor. */
    public double momentum() {
        return momentum;
    }

    static void checkLearningRate(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learningRate = " + learningRate + ", expected finite and > 0");
        }
    }
}
