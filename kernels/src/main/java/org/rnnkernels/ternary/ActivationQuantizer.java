package org.rnnkernels.ternary;

/**
 * How a HitNet layer's activations ({@link TernaryLayer.Activations#TERNARY}: the inputs {@code x_t} and the
 * state {@code h_{t-1}} fed into the products) were ternarised while it was trained, and so how its deployed
 * {@link TernaryLayer} ternarises them (CELLS.md "HitNet": a deployed model uses the quantiser it was trained
 * with). Carried in {@link TernaryWeights} and in model files. Both train with the straight-through
 * estimator {@code da/dv := [|v| <= 1]} (hardtanh's derivative).
 *
 * <p>The deployed layer is deterministic either way: its products are exact popcount dots of two trit
 * vectors, so its activation must be a trit. For {@link #STOCHASTIC} training the unbiased counterpart would
 * be {@code E[a] = clip(v, -1, 1)}, which is not a trit (and makes the products ternary x float); the
 * deterministic rule it deploys with is the threshold at {@code 1/2}: the draw's most probable value
 * ({@code P(a = sign v) = min(|v|, 1)} is above {@code 1/2} exactly when {@code |v| > 1/2}) and the trit
 * nearest to {@code E[a]}. That is still a different function from the one trained (a mismatch the
 * model learned to tolerate only on average), which is why {@link #THRESHOLD} is the training default.
 *
 * <p>The paper's choice: the HitNet paper (Wang et al., NeurIPS 2018) quantises weights and activations by
 * different methods (its "hybrid" quantisation); the text readable here is its abstract, which names no
 * rule for activations, so neither choice is claimed to be the paper's. {@link #THRESHOLD} is the
 * threshold rule of CELLS.md trained with the straight-through estimator, the standard ternary-network
 * choice, and the one whose training forward equals its deployed forward.
 */
public enum ActivationQuantizer {
    /**
     * {@code a(v) = sign(v) * [|v| > delta]} in training and deployment alike (with the same {@code delta}):
     * the training forward is the deployed forward. The default.
     */
    THRESHOLD,
    /**
     * Training draws {@code a(v) = sign(v) * [u < min(|v|, 1)]} ({@code u} uniform in {@code [0, 1)};
     * {@code E[a] = clip(v, -1, 1)}); deployment uses {@code sign(v) * [|v| > 1/2]}, so a layer of this
     * quantiser has {@code delta = 0.5} (see the class comment). TERNARY activations only.
     */
    STOCHASTIC;

    /** The deployment threshold of {@link #STOCHASTIC}: the mode of the draw, the trit nearest its mean. */
    public static final float STOCHASTIC_DELTA = 0.5f;

    /**
     * Checks that this quantiser describes a layer of {@code activations} deployed at threshold {@code delta}:
     * {@link #STOCHASTIC} needs TERNARY activations and {@code delta = 0.5}.
     *
     * @throws IllegalArgumentException naming the argument and what was expected
     */
    public void check(TernaryLayer.Activations activations, float delta) {
        if (this != STOCHASTIC) {
            return;
        }
        if (activations != TernaryLayer.Activations.TERNARY) {
            throw new IllegalArgumentException("quantizer = STOCHASTIC with activations = " + activations
                    + ", expected TERNARY activations (FLOAT activations are not quantised: use THRESHOLD)");
        }
        if (delta != STOCHASTIC_DELTA) {
            throw new IllegalArgumentException("delta = " + delta + " with quantizer = STOCHASTIC, expected "
                    + STOCHASTIC_DELTA + " (the deterministic rule a stochastically trained layer deploys with)");
        }
    }
}
