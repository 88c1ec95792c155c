package org.rnnkernels;

import org.rnnkernels.internal.Checks;

/**
 * The parameters of one dense recurrent layer (one direction), in PyTorch's layout, checked
 * against the cell that will use them: {@code W_ih [G*H][I]}, {@code W_hh [G*H][H]} row-major with
 * the gate blocks in the cell's order, optional biases {@code b_ih, b_hh [G*H]}, and what some cells
 * have beside them (a multiplicative-integration cell's {@link MiParameters}, EGRU's thresholds).
 *
 * <p>Each array is named where it is given, so {@code W_ih} and {@code W_hh} cannot trade places
 * unnoticed, as they could among seven positional arrays when {@code I == H}:
 * <pre>{@code
 * LayerWeights w = LayerWeights.of(CellType.GRU, inputSize, hiddenSize)
 *         .inputWeights(wIh)          // W_ih [3H][I]
 *         .recurrentWeights(wHh)      // W_hh [3H][H]
 *         .biases(bIh, bHh)           // optional: without them the layer has none (bias=False)
 *         .build();                   // checks every shape for the cell; copies the arrays
 * try (RecurrentLayer gru = RecurrentLayer.create(w)) { ... }
 * }</pre>
 * A built value is immutable (its arrays are copies, and its accessors return copies), so it can
 * build any number of layers on any thread.
 */
public final class LayerWeights {
    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private final float[] inputWeights;
    private final float[] recurrentWeights;
    private final float[] inputBias;        // null: no biases
    private final float[] recurrentBias;
    private final MiParameters mi;          // multiplicative cells only
    private final float[] thresholds;       // event-based cells only

    private LayerWeights(Builder b) {
        this.cell = b.cell;
        this.inputSize = b.inputSize;
        this.hiddenSize = b.hiddenSize;
        this.inputWeights = b.inputWeights.clone();
        this.recurrentWeights = b.recurrentWeights.clone();
        this.inputBias = b.inputBias == null ? null : b.inputBias.clone();
        this.recurrentBias = b.recurrentBias == null ? null : b.recurrentBias.clone();
        this.mi = b.mi == null ? null : copy(b.mi);
        this.thresholds = b.thresholds == null ? null : b.thresholds.clone();
    }

    /** A builder for the weights of a {@code cell} layer with {@code inputSize} inputs and {@code hiddenSize} units. */
    public static Builder of(CellType cell, int inputSize, int hiddenSize) {
        Checks.nonNull("cell", cell);
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        return new Builder(cell, inputSize, hiddenSize);
    }

    /** Collects the arrays by name; {@link #build()} checks them all against the cell. Not thread-safe. */
    public static final class Builder {
        private final CellType cell;
        private final int inputSize;
        private final int hiddenSize;
        private float[] inputWeights;
        private float[] recurrentWeights;
        private float[] inputBias;
        private float[] recurrentBias;
        private MiParameters mi;
        private float[] thresholds;

        private Builder(CellType cell, int inputSize, int hiddenSize) {
            this.cell = cell;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /** {@code W_ih [G*H][I]}, row-major, gate blocks in the cell's order. */
        public Builder inputWeights(float[] wIh) {
            this.inputWeights = wIh;
            return this;
        }

        /** {@code W_hh [G*H][H]}, row-major, gate blocks in the cell's order. */
        public Builder recurrentWeights(float[] wHh) {
            this.recurrentWeights = wHh;
            return this;
        }

        /** {@code b_ih [G*H]} and {@code b_hh [G*H]}, both or neither (PyTorch's {@code bias=False}). */
        public Builder biases(float[] bIh, float[] bHh) {
            this.inputBias = bIh;
            this.recurrentBias = bHh;
            return this;
        }

        /** A multiplicative-integration cell's {@code alpha, beta1, beta2 [G*H]} (required by those cells only). */
        public Builder mi(MiParameters mi) {
            this.mi = mi;
            return this;
        }

        /**
         * EGRU's per-unit thresholds {@code theta [H]}, each finite and {@code >= 0} (required by EGRU only; EvNN clamps
         * its thresholds to [0, 1], so its checkpoints may hold 0).
         */
        public Builder thresholds(float[] theta) {
            this.thresholds = theta;
            return this;
        }

        /**
         * The checked, copied weights.
         *
         * @throws IllegalArgumentException naming the array and its expected shape, when one is
         *                                  missing, has the wrong length, or is given to a cell that
         *                                  has no use for it
         */
        public LayerWeights build() {
            long rows = (long) cell.gates() * hiddenSize;
            Checks.floats("inputWeights (W_ih)", inputWeights, "[G*H=%d][I=%d]", rows, inputSize);
            Checks.floats("recurrentWeights (W_hh)", recurrentWeights, "[G*H=%d][H=%d]", rows, hiddenSize);
            if ((inputBias == null) != (recurrentBias == null)) {
                throw new IllegalArgumentException("biases: b_ih and b_hh must both be given or both be null, got "
                        + (inputBias == null ? "b_ih null" : "b_hh null"));
            }
            if (inputBias != null) {
                Checks.floats("b_ih", inputBias, "[G*H=%d]", rows);
                Checks.floats("b_hh", recurrentBias, "[G*H=%d]", rows);
            }
            if (cell.multiplicative()) {
                if (mi == null) {
                    throw new IllegalArgumentException("mi is missing: " + cell + " needs alpha, beta1 and beta2 [" + rows + "]");
                }
                Checks.floats("mi.alpha", mi.alpha(), "[G*H=%d]", rows);
                Checks.floats("mi.beta1", mi.beta1(), "[G*H=%d]", rows);
                Checks.floats("mi.beta2", mi.beta2(), "[G*H=%d]", rows);
            } else if (mi != null) {
                throw new IllegalArgumentException("mi is given, but " + cell + " is not a multiplicative-integration cell");
            }
            if (cell.eventBased()) {
                Checks.floats("thresholds", thresholds, "[H=%d]", hiddenSize);
                for (int j = 0; j < hiddenSize; j++) {
                    if (!(thresholds[j] >= 0) || thresholds[j] == Float.POSITIVE_INFINITY) {
                        throw new IllegalArgumentException("thresholds[" + j + "] = " + thresholds[j] + ", expected finite and >= 0");
                    }
                }
            } else if (thresholds != null) {
                throw new IllegalArgumentException("thresholds are given, but " + cell + " is not event-based (EGRU)");
            }
            return new LayerWeights(this);
        }
    }

    private static MiParameters copy(MiParameters mi) {
        return new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
    }

    public CellType cell() {
        return cell;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    /** A copy of {@code W_ih [G*H][I]}. */
    public float[] inputWeights() {
        return inputWeights.clone();
    }

    /** A copy of {@code W_hh [G*H][H]}. */
    public float[] recurrentWeights() {
        return recurrentWeights.clone();
    }

    public boolean hasBiases() {
        return inputBias != null;
    }

    /** A copy of {@code b_ih [G*H]}, or null without biases. */
    public float[] inputBias() {
        return inputBias == null ? null : inputBias.clone();
    }

    /** A copy of {@code b_hh [G*H]}, or null without biases. */
    public float[] recurrentBias() {
        return recurrentBias == null ? null : recurrentBias.clone();
    }

    /** A copy of the multiplicative-integration parameters, or null for the other cells. */
    public MiParameters mi() {
        return mi == null ? null : copy(mi);
    }

    /** A copy of EGRU's thresholds {@code theta [H]}, or null for the other cells. */
    public float[] thresholds() {
        return thresholds == null ? null : thresholds.clone();
    }

    // The arrays themselves, for the layer's constructor, which copies them into its own layout.
    float[] inputWeightsShared() {
        return inputWeights;
    }

    float[] recurrentWeightsShared() {
        return recurrentWeights;
    }

    float[] inputBiasShared() {
        return inputBias;
    }

    float[] recurrentBiasShared() {
        return recurrentBias;
    }

    MiParameters miShared() {
        return mi;
    }

    float[] thresholdsShared() {
        return thresholds;
    }
}
