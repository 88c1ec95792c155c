package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * The learning rate of each training step, {@code rate(step)} for {@code step = 1, 2, ...}, which
 * {@link Trainer#train} sets on the optimiser before the step. The factories follow PyTorch's schedulers
 * stepped once per iteration, so a schedule ported from a PyTorch recipe gives the same rates:
 * <pre>
 *   constant(lr):                 lr
 *   stepDecay(lr, every, gamma):  lr * gamma^floor((step - 1) / every)          (StepLR)
 *   cosine(lr, total, min):       min + (lr - min) (1 + cos(pi (step - 1) / total)) / 2, and min after
 *                                 total steps                                   (CosineAnnealingLR, T_max = total)
 *   warmup(steps, then):          then.rate(step) * step / steps up to `steps`, then.rate(step) after (linear warm-up)
 * </pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The rate of 1-based step {@code step}: finite and {@code > 0}. */
    double rate(int step);

    static LearningRateSchedule constant(double rate) {
        positive("rate", rate);
        return step -> rate;
    }

    /** {@code rate * gamma^floor((step - 1) / every)}: PyTorch's {@code StepLR(step_size = every, gamma)}. */
    static LearningRateSchedule stepDecay(double rate, int every, double gamma) {
        positive("rate", rate);
        Checks.positive("every", every);
        Checks.finiteIn("gamma", gamma, 0, 1, true);
        if (gamma == 0) {
            throw new IllegalArgumentException("gamma = 0, expected in (0, 1]");
        }
        return step -> rate * Math.pow(gamma, (step - 1) / every);
    }

    /**
     * Cosine annealing from {@code rate} at step 1 to {@code minRate} at step {@code total + 1} and after:
     * PyTorch's {@code CosineAnnealingLR(T_max = total, eta_min = minRate)}.
     */
    static LearningRateSchedule cosine(double rate, int total, double minRate) {
        positive("rate", rate);
        Checks.positive("total", total);
        positive("minRate", minRate);
        if (minRate > rate) {
            throw new IllegalArgumentException("minRate = " + minRate + ", expected <= rate " + rate);
        }
        return step -> step > total ? minRate
                : minRate + (rate - minRate) * (1 + Math.cos(Math.PI * (step - 1) / total)) / 2;
    }

    /** Linear warm-up over the first {@code steps} steps ({@code step / steps} of {@code then}'s rate), then {@code then}. */
    static LearningRateSchedule warmup(int steps, LearningRateSchedule then) {
        Checks.positive("steps", steps);
        Checks.nonNull("then", then);
        return step -> step < steps ? then.rate(step) * step / steps : then.rate(step);
    }

    private static void positive(String name, double rate) {
        if (!(rate > 0) || !Double.isFinite(rate)) {
            throw new IllegalArgumentException(name + " = " + rate + ", expected finite and > 0");
        }
    }
}
