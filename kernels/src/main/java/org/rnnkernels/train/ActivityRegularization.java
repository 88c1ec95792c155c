package org.rnnkernels.train;

/**
 * EGRU's activity regularisation, as the EGRU authors train sequential MNIST: a term added to the task loss
 * that pulls the layer's mean activity towards a target,
 * <pre>
 *   L_act = lambda * (a - a*)^2 ,   a = (1 / (T*B*H)) * sum over t, b, j of o_{t,b,j} ,   o = Hv(c_pre - theta)
 * </pre>
 * over the {@code T} steps, {@code B} samples and {@code H} units of one training forward (one chunk of a
 * stream). Its gradient reaches every firing decision alike, {@code dL_act/do = 2 lambda (a - a*) / (T*B*H)},
 * and from there the rest of the layer through the pseudo-derivative, {@code dL/dv = psi(v) dL/do} with
 * {@code v = c_pre - theta} (CELLS.md): a layer more active than the target raises its thresholds and lowers
 * its {@code c_pre} where {@code psi != 0}.
 *
 * <p>Where it comes from: EvNN's sequential-MNIST script ({@code benchmarks/smnist/smnist.py} of
 * github.com/Efficient-Scalable-Machine-Learning/EvNN, the code of Subramoney et al., "Efficient recurrent
 * architectures through activity sparsity and sparse back-propagation through time", ICLR 2023):
 * {@code total_loss = loss + activity_regularization_constant * (mean(o) - activity_regularization_target)^2},
 * with {@code mean(o)} the mean of the layer's output gates over batch, time and units, defaults
 * {@code lambda = 1}, {@code a* = 0.05}. (Their {@code o} stack, in the PyTorch-operations version, also holds
 * the zero row of the initial state, so their mean is {@code T/(T+1)} of this one.) Their language-model
 * script uses the linear {@code gamma * mean(o)} instead; {@code a* = 0} here is not that (it gives
 * {@code lambda a^2}).
 *
 * @param weight {@code lambda >= 0}, finite; 0 turns the term off
 * @param target {@code a*} in {@code [0, 1]}
 */
public record ActivityRegularization(double weight, double target) {
    /** No regularisation. */
    public static final ActivityRegularization NONE = new ActivityRegularization(0, 0);
    /** EvNN's sequential-MNIST target activity {@code a*}. */
    public static final double EVNN_TARGET = 0.05;

    public ActivityRegularization {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight = " + weight + ", expected finite and >= 0");
        }
        if (!(target >= 0 && target <= 1)) {
            throw new IllegalArgumentException("target = " + target + ", expected in [0, 1]");
        }
    }

    /** Whether the term is on ({@code lambda > 0}). */
    public boolean active() {
        return weight > 0;
    }

    /** {@code L_act = lambda (a - a*)^2} at mean activity {@code activity}. */
    public double loss(double activity) {
        double d = activity - target;
        return weight * d * d;
    }

    /** {@code dL_act/do} of each of the {@code outputs} firing decisions {@code o}: {@code 2 lambda (a - a*) / outputs}. */
    public double gradient(double activity, long outputs) {
        return 2 * weight * (activity - target) / outputs;
    }
}
