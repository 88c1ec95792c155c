package org.rnnkernels.ternary;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.internal.Checks;

/**
 * The parameters of a HitNet ternary LSTM or GRU layer ({@link TernaryLayer}), checked when made: what
 * {@code RecurrentLayer.createTernary} builds a layer from and {@code RecurrentLayer.ternaryWeights()}
 * reports. Immutable: the bias arrays are copied in and out.
 *
 * @param cellType    LSTM or GRU
 * @param activations how activations enter the products
 * @param quantizer   how the activations were ternarised in training, so how this layer's are deployed
 *                    ({@link ActivationQuantizer}: THRESHOLD at {@code delta}, or STOCHASTIC, deployed at
 *                    {@code delta = 0.5}); THRESHOLD with FLOAT activations
 * @param weightIh    {@code T_ih [G*H][I]} with one scale (per matrix) or {@code G} (per gate block)
 * @param weightHh    {@code T_hh [G*H][H]}, likewise
 * @param biasIh      {@code b_ih [G*H]} as given (not multiplied by {@code lambda}), or null for a layer
 *                    without biases
 * @param biasHh      {@code b_hh [G*H]}, null exactly when {@code biasIh} is
 * @param delta       the activation threshold of {@link TernaryLayer.Activations#TERNARY}, finite and {@code > 0}
 * @param lambda      the gates' sloping factor, finite and {@code > 0}
 */
public record TernaryWeights(CellType cellType, TernaryLayer.Activations activations, ActivationQuantizer quantizer,
                             TernaryMatrix weightIh,
                             TernaryMatrix weightHh, float[] biasIh, float[] biasHh, float delta, float lambda) {
    // The cells HitNet defines and the reference has: every gate input linear in gi and gh, so lambda folds
    // into the scales and biases and the plain gate pass runs.
    private static final Set<CellType> CELLS = EnumSet.of(CellType.LSTM, CellType.GRU);

    /** @throws IllegalArgumentException naming the argument and the expected shape or range */
    public TernaryWeights {
        int gates = checkType(cellType);
        if (weightIh == null || weightHh == null) {
            throw new IllegalArgumentException((weightIh == null ? "wIh" : "wHh") + " is null");
        }
        int hidden = weightHh.cols();
        long rows = (long) gates * hidden;
        if (weightHh.rows() != rows) {
            throw new IllegalArgumentException("wHh is [" + weightHh.rows() + "][" + hidden + "], expected [G*H = "
                    + rows + "][H = " + hidden + "] for " + cellType);
        }
        if (weightIh.rows() != rows) {
            throw new IllegalArgumentException("wIh is [" + weightIh.rows() + "][" + weightIh.cols() + "], expected [G*H = "
                    + rows + "][I] for " + cellType + " with H = " + hidden);
        }
        for (TernaryMatrix m : new TernaryMatrix[] {weightIh, weightHh}) {
            if (m.blocks() != 1 && m.blocks() != gates) {
                throw new IllegalArgumentException((m == weightIh ? "wIh" : "wHh") + " has " + m.blocks()
                        + " scales, expected 1 (per matrix) or " + gates + " (per gate block)");
            }
        }
        checkSettings(activations, quantizer, rows, biasIh, biasHh, delta, lambda);
        biasIh = biasIh == null ? null : biasIh.clone();
        biasHh = biasHh == null ? null : biasHh.clone();
    }

    /**
     * Float weights ({@link LayerWeights}, whose shapes are checked when built) ternarised by
     * {@code ternarizer}, activations by {@link ActivationQuantizer#THRESHOLD} at {@code delta}. Everything
     * is checked before any work.
     */
    static TernaryWeights ternarize(LayerWeights weights, TernaryLayer.Activations activations,
                                    Ternarizer ternarizer, float delta, float lambda) {
        ActivationQuantizer quantizer = ActivationQuantizer.THRESHOLD;
        Checks.nonNull("weights", weights);
        CellType type = weights.cell();
        int gates = checkType(type);
        if (ternarizer == null) {
            throw new IllegalArgumentException("ternarizer is null");
        }
        int inputSize = weights.inputSize(), hiddenSize = weights.hiddenSize();
        int rows = gates * hiddenSize;
        checkSettings(activations, quantizer, rows, weights.inputBias(), weights.recurrentBias(), delta, lambda);
        return new TernaryWeights(type, activations, quantizer, ternarizer.ternarize(weights.inputWeights(), rows, inputSize, gates),
                ternarizer.ternarize(weights.recurrentWeights(), rows, hiddenSize, gates),
                weights.inputBias(), weights.recurrentBias(), delta, lambda);
    }

    private static int checkType(CellType type) {
        if (!CELLS.contains(type)) {
            throw new IllegalArgumentException("type = " + type + ", expected LSTM or GRU");
        }
        return type.gates();
    }

    private static void checkSettings(TernaryLayer.Activations activations, ActivationQuantizer quantizer, long rows,
                                      float[] bIh, float[] bHh, float delta, float lambda) {
        if (activations == null) {
            throw new IllegalArgumentException("activations is null, expected TERNARY or FLOAT");
        }
        if (quantizer == null) {
            throw new IllegalArgumentException("quantizer is null, expected THRESHOLD or STOCHASTIC");
        }
        if ((bIh == null) != (bHh == null)) {
            throw new IllegalArgumentException("bIh and bHh must both be given or both be null, got "
                    + (bIh == null ? "bIh null" : "bHh null"));
        }
        if (bIh != null) {
            Checks.floats("bIh", bIh, "[%d]", rows);
            Checks.floats("bHh", bHh, "[%d]", rows);
        }
        if (!(delta > 0) || Float.isInfinite(delta)) {
            throw new IllegalArgumentException("delta = " + delta + ", expected finite and > 0 (activation threshold)");
        }
        if (!(lambda > 0) || Float.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda = " + lambda + ", expected finite and > 0 (sloping factor)");
        }
        quantizer.check(activations, delta);
    }

    /** A copy of {@code b_ih} as given, or null for a layer without biases. */
    @Override
    public float[] biasIh() {
        return biasIh == null ? null : biasIh.clone();
    }

    /** A copy of {@code b_hh} as given, or null for a layer without biases. */
    @Override
    public float[] biasHh() {
        return biasHh == null ? null : biasHh.clone();
    }

    public int inputSize() {
        return weightIh.cols();
    }

    public int hiddenSize() {
        return weightHh.cols();
    }

    /** Bytes of the two ternary matrices (biases excluded). */
    public long weightBytes() {
        return weightIh.bytes() + weightHh.bytes();
    }

    /** Equal parameters: the matrices' trits and scales, the biases by value, the settings. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TernaryWeights w && cellType == w.cellType && activations == w.activations
                && quantizer == w.quantizer
                && sameMatrix(weightIh, w.weightIh) && sameMatrix(weightHh, w.weightHh)
                && Arrays.equals(biasIh, w.biasIh) && Arrays.equals(biasHh, w.biasHh)
                && Float.compare(delta, w.delta) == 0 && Float.compare(lambda, w.lambda) == 0;
    }

    private static boolean sameMatrix(TernaryMatrix a, TernaryMatrix b) {
        return a.rows() == b.rows() && a.cols() == b.cols() && Arrays.equals(a.plus(), b.plus())
                && Arrays.equals(a.minus(), b.minus()) && Arrays.equals(a.scales(), b.scales());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {cellType, activations, quantizer, weightIh.rows(), weightIh.cols(), weightHh.cols(),
                Arrays.hashCode(biasIh), delta, lambda});
    }

    @Override
    public String toString() {
        return "TernaryWeights[" + cellType + " " + activations + " " + quantizer + ", I=" + inputSize() + ", H=" + hiddenSize()
                + (biasIh == null ? ", no biases" : "") + ", delta=" + delta + ", lambda=" + lambda + "]";
    }
}
