package org.rnnkernels.train;

import java.util.Arrays;
import java.util.List;

/** Whole-model gradient operations over a parameter list: zeroing, the global norm, norm clipping. */
public final class Gradients {
    private Gradients() {
    }

    /** Sets every gradient to 0 (backward passes accumulate into them). */
    public static void zero(List<Parameter> parameters) {
        checkList(parameters);
        for (Parameter p : parameters) {
            Arrays.fill(p.gradient(), 0f);
        }
    }

    /** {@code sqrt(sum over all parameters and elements of g^2)}, summed in double (a fixed order: deterministic). */
    public static double norm(List<Parameter> parameters) {
        checkList(parameters);
        double squares = 0;
        for (Parameter p : parameters) {
            squares += sumOfSquares(p.gradient());
        }
        return Math.sqrt(squares);
    }

    // sum g^2 in double, four independent partial sums: one chain waits on each add's latency.
    // The order is fixed by the length alone, so the result is deterministic.
    private static double sumOfSquares(float[] g) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < g.length; i += 4) {
            s0 += (double) g[i] * g[i];
            s1 += (double) g[i + 1] * g[i + 1];
            s2 += (double) g[i + 2] * g[i + 2];
            s3 += (double) g[i + 3] * g[i + 3];
        }
        for (; i < g.length; i++) {
            s0 += (double) g[i] * g[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * PyTorch's {@code torch.nn.utils.clip_grad_norm_} (2-norm): with {@code total} the 2-norm over all
     * gradients together, {@code coef = maxNorm / (total + 1e-6)}, and when {@code coef < 1} every
     * gradient is multiplied by {@code coef}. Otherwise nothing changes.
     *
     * <p>A NaN or infinite total is returned as it is, for the caller to see: with NaN nothing is
     * scaled; with infinity {@code coef = 0}, as in PyTorch (finite entries become 0, infinite ones NaN).
     *
     * @param maxNorm the largest norm allowed, finite and {@code > 0}
     * @return the total norm before clipping
     */
    public static double clipGradNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("maxNorm = " + maxNorm + ", expected finite and > 0");
        }
        double total = norm(parameters);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) {
            float scale = (float) coef;
            for (Parameter p : parameters) {
                float[] g = p.gradient();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= scale;
                }
            }
        }
        return total;
    }

    static void checkList(List<Parameter> parameters) {
        if (parameters == null) {
            throw new IllegalArgumentException("parameters is null, expected a list of Parameter");
        }
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i) == null) {
                throw new IllegalArgumentException("parameters[" + i + "] is null");
            }
        }
    }
}
