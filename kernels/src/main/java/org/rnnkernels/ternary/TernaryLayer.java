package org.rnnkernels.ternary;

import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;

/**
 * HitNet ternary LSTM and GRU layers (one direction each; CELLS.md "HitNet"), gate blocks in PyTorch
 * order (LSTM {@code i, f, g, o}; GRU {@code r, z, n}). The cell equations are those of the float LSTM
 * and GRU with
 * <pre>
 *   gi = alpha_ih,k * (T_ih · a(x)) + b_ih        gh = alpha_hh,k * (T_hh · a(h)) + b_hh
 * </pre>
 * per gate block {@code k}, and gates {@code sigm(lambda * a)}, {@code tanh(lambda * a)} (the LSTM's
 * {@code h' = o * tanh(c')} keeps the plain tanh: {@code c'} is not a gate). The activation function
 * {@code a} is
 * <ul>
 *   <li>{@link Activations#TERNARY}: {@code a(v) = sign(v) * [|v| > delta]}, and the products are exact
 *       integer popcount dots (ternary x ternary); an input NaN becomes 0 (no threshold passes it). This is
 *       the deployed form of the activation quantiser the layer was trained with
 *       ({@link TernaryWeights#quantizer()}, {@link ActivationQuantizer}): {@code THRESHOLD} trains with this
 *       very rule, {@code STOCHASTIC} deploys at {@code delta = 0.5};</li>
 *   <li>{@link Activations#FLOAT}: the identity, and the products are ternary x float: the trits as int8
 *       weights {@code -1, 0, +1} (a byte each, kept beside the 2-bit matrices) on the int8 x float product.</li>
 * </ul>
 *
 * <p>A ternary layer is a {@link RecurrentLayer} like any other ({@link #create} returns one): it runs in a
 * {@code RecurrentModel} (stacks, both directions, variable lengths), streams, shares its steps with a
 * thread team, and saves with {@code ModelFiles}. Only its parts differ: the input projection of all
 * {@code T*B} rows of a call and the per-step recurrent product are ternary products, and
 * {@code lambda} is folded into their scales and into the biases ({@code lambda * alpha_k},
 * {@code lambda * b}): every gate input is linear in {@code gi} and {@code gh}, so the gate pass is the
 * float GRU's or LSTM's own, with rounding differences only. Its parameters are
 * {@link RecurrentLayer#ternaryWeights()}; it has no float {@code W_ih}, {@code W_hh}
 * ({@link RecurrentLayer#weightIh()} throws).
 */
public final class TernaryLayer {
    /** How activations enter the matrix products. */
    public enum Activations {
        /** Ternarised by a threshold: ternary x ternary products, exact in int. */
        TERNARY,
        /** As they are: ternary x float products (the trits on the int8 x float product). */
        FLOAT
    }

    /** Default activation threshold {@code delta}. */
    public static final float DEFAULT_DELTA = 0.5f;
    /** Default sloping factor {@code lambda}. */
    public static final float DEFAULT_LAMBDA = 1f;

    private TernaryLayer() {
    }

    /**
     * A layer from float weights ({@link LayerWeights} of an LSTM or GRU, PyTorch's layout), ternarised
     * by {@link Ternarizer#standard()} with the default {@code delta} and {@code lambda}; its activations
     * (TERNARY) by {@link ActivationQuantizer#THRESHOLD}. A layer trained as HitNet comes from
     * {@code TernaryTrainingLayer.toInference()}, with the quantiser it was trained with.
     */
    public static RecurrentLayer create(LayerWeights weights, Activations activations) {
        return create(weights, activations, Ternarizer.standard(), DEFAULT_DELTA, DEFAULT_LAMBDA);
    }

    /**
     * As {@link #create(LayerWeights, Activations)}, with a chosen ternarizer, activation threshold
     * {@code delta} (finite, {@code > 0}) and sloping factor {@code lambda} (finite, {@code > 0});
     * {@link ActivationQuantizer#THRESHOLD} at that {@code delta}.
     */
    public static RecurrentLayer create(LayerWeights weights, Activations activations,
                                        Ternarizer ternarizer, float delta, float lambda) {
        return RecurrentLayer.createTernary(TernaryWeights.ternarize(weights, activations, ternarizer, delta, lambda));
    }

    /**
     * A layer from ternary matrices: {@code wIh [G*H][I]}, {@code wHh [G*H][H]}, each with one scale
     * (per matrix) or {@code G} (per gate block); {@code I} and {@code H} are read from them;
     * {@link ActivationQuantizer#THRESHOLD} at {@code delta} (any other quantiser: {@link TernaryWeights}'s
     * constructor and {@code RecurrentLayer.createTernary}).
     */
    public static RecurrentLayer create(CellType type, Activations activations, TernaryMatrix wIh, TernaryMatrix wHh,
                                        float[] bIh, float[] bHh, float delta, float lambda) {
        return RecurrentLayer.createTernary(new TernaryWeights(type, activations, ActivationQuantizer.THRESHOLD, wIh, wHh,
                bIh, bHh, delta, lambda));
    }
}
