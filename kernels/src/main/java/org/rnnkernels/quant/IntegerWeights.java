package org.rnnkernels.quant;

import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.integer.IntegerCells;
import org.rnnkernels.internal.Checks;

/**
 * The parameters of an integer RAG layer ({@link IntegerLayer}), checked when built: int8 weights with one
 * power-of-two scale per gate block, integer biases, and the fixed-point format of activations and states.
 *
 * <p>Numbers. With {@code F} fractional bits an integer {@code v} stands for {@code v 2^-F}. Weights are
 * {@code W = w 2^-e_k} ({@code w} int8, {@code e_k} the exponent of gate block {@code k}, in [0, 30]):
 * a per-block scale, because RAG's blocks differ in range (a gate's pre-activation against a candidate's),
 * and a power of two, because rescaling the products is then an arithmetic shift, exact in the integer
 * reference and free of any multiplication. Per output row would cost the same shift and fit each row
 * better; per block is the form and keeps the file small. Biases are integers in units of
 * {@code 2^-F}, at most {@code 2^24} in magnitude (exact as float32, in files and in
 * {@link #toLayerWeights()}). Inputs are quantised on entry to {@code F} fractional bits and saturate at
 * {@code +-2^inputBits}; {@code h} (and RAG-LSTM's {@code c}) stay in [-1, 1] by the cells' own
 * {@code hardtanh}, so they are integers in {@code [-2^F, 2^F]}.
 *
 * <p>Bounds, checked by {@link Builder#build()}: every product is accumulated in int32, so for each row
 * {@code r} of each matrix, {@code sum_j |w[r][j]| * X + 2^(e-1)} must fit int32, where {@code X} is the
 * largest quantised input ({@code 2^(F + inputBits)} for {@code W_ih}, {@code 2^F} for {@code W_hh}): the
 * exact worst case of these weights over every input, so no partial sum in any order can overflow. With
 * {@code M} the largest rescaled product plus bias, the cells' sums of up to four such terms and two states
 * need {@code 4 M + 2^(F+1)} to fit int32. A layer past either bound is refused with the bound in the
 * message (full-range int8 rows at {@code F = 16} allow about 258 columns; at {@code F = 12}, 4128).
 *
 * <p>Immutable: arrays are copied in and out.
 */
public final class IntegerWeights {
    /** Largest weight exponent: a shift of the int32 accumulator. */
    public static final int MAX_EXPONENT = 30;
    /** Largest bias magnitude, in units of {@code 2^-F}: exact as float32. */
    public static final int MAX_BIAS = 1 << 24;
    private static final long INT32 = Integer.MAX_VALUE;

    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private final int fractionBits;
    private final int inputBits;
    private final byte[] inputWeights;
    private final byte[] recurrentWeights;
    private final int[] inputExponents;
    private final int[] recurrentExponents;
    private final int[] inputBias;          // null: no biases
    private final int[] recurrentBias;

    private IntegerWeights(Builder b) {
        this.cell = b.cell;
        this.inputSize = b.inputSize;
        this.hiddenSize = b.hiddenSize;
        this.fractionBits = b.fractionBits;
        this.inputBits = b.inputBits;
        this.inputWeights = b.inputWeights.clone();
        this.recurrentWeights = b.recurrentWeights.clone();
        this.inputExponents = b.inputExponents.clone();
        this.recurrentExponents = b.recurrentExponents.clone();
        this.inputBias = b.inputBias == null ? null : b.inputBias.clone();
        this.recurrentBias = b.recurrentBias == null ? null : b.recurrentBias.clone();
    }

    /** A builder for a {@code cell} layer (one with an integer kernel: the RAG cells) of {@code inputSize} inputs and {@code hiddenSize} units. */
    public static Builder of(CellType cell, int inputSize, int hiddenSize) {
        Checks.nonNull("cell", cell);
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        if (!IntegerCells.has(cell)) {
            throw new IllegalArgumentException("cell " + cell + " has no integer kernel; integer layers: " + IntegerCells.supported());
        }
        return new Builder(cell, inputSize, hiddenSize);
    }

    /**
     * Float weights quantised: per gate block of each matrix the largest exponent {@code e} with
     * {@code max|W_block| 2^e <= 127} (max-abs calibration; 0 for a block with max|W| above 127, which is
     * refused, {@link #MAX_EXPONENT} for an all-zero block), {@code w = round(W 2^e)} (half up); biases
     * {@code round(b 2^F)}. The states need no calibration (RAG keeps them in [-1, 1]); the input range
     * {@code 2^inputBits} is the caller's ({@link #inputBitsFor} calibrates it from inputs).
     *
     * @throws IllegalArgumentException naming the tensor, for NaN or infinity in it, or a block or bias out of range
     */
    public static IntegerWeights quantize(LayerWeights weights, int fractionBits, int inputBits) {
        Checks.nonNull("weights", weights);
        CellType cell = weights.cell();
        Builder b = of(cell, weights.inputSize(), weights.hiddenSize()).format(fractionBits, inputBits);
        int gates = cell.gates();
        float[] wIh = weights.inputWeights();
        float[] wHh = weights.recurrentWeights();
        int[] eIh = exponents("W_ih", wIh, gates);
        int[] eHh = exponents("W_hh", wHh, gates);
        b.inputWeights(round(wIh, eIh), eIh).recurrentWeights(round(wHh, eHh), eHh);
        if (weights.hasBiases()) {
            b.biases(fixed("b_ih", weights.inputBias(), fractionBits), fixed("b_hh", weights.recurrentBias(), fractionBits));
        }
        return b.build();
    }

    /**
     * The smallest {@code inputBits >= 0} whose range {@code +-2^inputBits} holds every value of
     * {@code calibration} (inputs seen in use): max-abs calibration of the input range.
     *
     * @throws IllegalArgumentException for NaN or infinity in {@code calibration}
     */
    public static int inputBitsFor(float[] calibration) {
        return inputBitsFor(calibration, 1.0);
    }

    /**
     * Percentile calibration of the input range: the smallest {@code inputBits >= 0} whose range
     * {@code +-2^inputBits} holds at least {@code fraction} of the values of {@code calibration} by magnitude
     * (e.g. 0.9999); the rest saturate at the range's ends when the layer quantises its inputs. A few
     * outliers then cost a clipped value each instead of a coarser grid for every input, as with max-abs
     * ({@code fraction = 1}).
     *
     * @throws IllegalArgumentException for NaN or infinity in {@code calibration}, or {@code fraction} outside (0, 1]
     */
    public static int inputBitsFor(float[] calibration, double fraction) {
        Checks.nonNull("calibration", calibration);
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction = " + fraction + ", expected in (0, 1]");
        }
        double[] magnitudes = new double[calibration.length];
        for (int i = 0; i < calibration.length; i++) {
            if (!Float.isFinite(calibration[i])) {
                throw new IllegalArgumentException("calibration[" + i + "] = " + calibration[i] + ", expected finite");
            }
            magnitudes[i] = Math.abs(calibration[i]);
        }
        if (magnitudes.length == 0) {
            return 0;
        }
        java.util.Arrays.sort(magnitudes);
        // The k-th smallest magnitude with k = ceil(fraction n): at least that share of the values is at or below it.
        int k = (int) Math.ceil(fraction * magnitudes.length);
        double covered = magnitudes[Math.max(0, k - 1)];
        int bits = 0;
        while (Math.scalb(1.0, bits) < covered) {
            bits++;
        }
        return bits;
    }

    private static int[] exponents(String name, float[] w, int gates) {
        int[] e = new int[gates];
        int block = w.length / gates;
        for (int k = 0; k < gates; k++) {
            double max = 0;
            for (int i = k * block; i < (k + 1) * block; i++) {
                if (!Float.isFinite(w[i])) {
                    throw new IllegalArgumentException(name + "[" + i + "] = " + w[i] + ": a tensor with NaN or infinity cannot be quantised");
                }
                max = Math.max(max, Math.abs(w[i]));
            }
            int exponent = MAX_EXPONENT;
            while (exponent > 0 && max * Math.scalb(1.0, exponent) > 127) {
                exponent--;
            }
            if (max > 127) {
                throw new IllegalArgumentException(name + " gate block " + k + " has max |w| = " + max
                        + ", above 127: int8 weights with exponent >= 0 cannot hold it");
            }
            e[k] = exponent;
        }
        return e;
    }

    private static byte[] round(float[] w, int[] e) {
        byte[] q = new byte[w.length];
        int block = w.length / e.length;
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) Math.floor(w[i] * Math.scalb(1.0, e[i / block]) + 0.5);   // |.| <= 127 by the exponent
        }
        return q;
    }

    private static int[] fixed(String name, float[] b, int fractionBits) {
        int[] q = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            double v = Math.floor(b[i] * Math.scalb(1.0, fractionBits) + 0.5);
            if (!(Math.abs(v) <= MAX_BIAS)) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + b[i] + ": with F = " + fractionBits
                        + " fractional bits it is " + v + ", expected finite and within +-2^24 (+-" + Math.scalb(1.0, 24 - fractionBits) + ")");
            }
            q[i] = (int) v;
        }
        return q;
    }

    /** Collects the arrays by name; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private final CellType cell;
        private final int inputSize;
        private final int hiddenSize;
        private int fractionBits = IntegerLayer.DEFAULT_FRACTION_BITS;
        private int inputBits;
        private byte[] inputWeights;
        private byte[] recurrentWeights;
        private int[] inputExponents;
        private int[] recurrentExponents;
        private int[] inputBias;
        private int[] recurrentBias;

        private Builder(CellType cell, int inputSize, int hiddenSize) {
            this.cell = cell;
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
        }

        /**
         * {@code F} fractional bits of activations and states, in [1, 24] (h in [-2^F, 2^F] is exact as float32),
         * and inputs saturating at {@code +-2^inputBits}, {@code inputBits} in [0, 30 - F]. Default
         * {@link IntegerLayer#DEFAULT_FRACTION_BITS} and 0.
         */
        public Builder format(int fractionBits, int inputBits) {
            if (fractionBits < 1 || fractionBits > 24) {
                throw new IllegalArgumentException("fractionBits = " + fractionBits + ", expected 1 .. 24");
            }
            if (inputBits < 0 || fractionBits + inputBits > 30) {
                throw new IllegalArgumentException("inputBits = " + inputBits + ", expected 0 .. 30 - fractionBits = " + (30 - fractionBits));
            }
            this.fractionBits = fractionBits;
            this.inputBits = inputBits;
            return this;
        }

        /** {@code w_ih [G*H][I]} int8, row-major, gate blocks in the cell's order, and {@code e_ih [G]}: {@code W_ih = w_ih 2^-e_ih,k}. */
        public Builder inputWeights(byte[] wIh, int[] exponents) {
            this.inputWeights = wIh;
            this.inputExponents = exponents;
            return this;
        }

        /** {@code w_hh [G*H][H]} int8 and {@code e_hh [G]}. */
        public Builder recurrentWeights(byte[] wHh, int[] exponents) {
            this.recurrentWeights = wHh;
            this.recurrentExponents = exponents;
            return this;
        }

        /** {@code b_ih, b_hh [G*H]} in units of {@code 2^-F}; without them the layer has none. */
        public Builder biases(int[] bIh, int[] bHh) {
            this.inputBias = bIh;
            this.recurrentBias = bHh;
            return this;
        }

        /**
         * The checked, copied weights.
         *
         * @throws IllegalArgumentException naming the array and its expected shape or range, or the
         *                                  accumulation bound that these weights and sizes would overflow
         */
        public IntegerWeights build() {
            int gates = cell.gates();
            long rows = (long) gates * hiddenSize;
            bytes("inputWeights (w_ih)", inputWeights, rows * inputSize, "[G*H=" + rows + "][I=" + inputSize + "]");
            bytes("recurrentWeights (w_hh)", recurrentWeights, rows * hiddenSize, "[G*H=" + rows + "][H=" + hiddenSize + "]");
            Checks.ints("inputWeights exponents (e_ih)", inputExponents, "[G=%d]", gates);
            Checks.ints("recurrentWeights exponents (e_hh)", recurrentExponents, "[G=%d]", gates);
            for (int k = 0; k < gates; k++) {
                exponent("e_ih", k, inputExponents[k]);
                exponent("e_hh", k, recurrentExponents[k]);
            }
            if ((inputBias == null) != (recurrentBias == null)) {
                throw new IllegalArgumentException("biases: b_ih and b_hh must both be given or both be null, got "
                        + (inputBias == null ? "b_ih null" : "b_hh null"));
            }
            if (inputBias != null) {
                Checks.ints("b_ih", inputBias, "[G*H=%d]", rows);
                Checks.ints("b_hh", recurrentBias, "[G*H=%d]", rows);
                bias("b_ih", inputBias);
                bias("b_hh", recurrentBias);
            }
            long largest = Math.max(
                    largestTerm("W_ih", inputWeights, inputSize, inputExponents, inputBias, 1L << (fractionBits + inputBits), "2^(F+inputBits)"),
                    largestTerm("W_hh", recurrentWeights, hiddenSize, recurrentExponents, recurrentBias, 1L << fractionBits, "2^F"));
            long cellBound = 4 * largest + (2L << fractionBits);
            if (cellBound > INT32) {
                throw new IllegalArgumentException("pre-activation bound 4 * M + 2^(F+1) = " + cellBound + " (M = " + largest
                        + ", the largest rescaled product plus bias, F = " + fractionBits + ") exceeds int32 (2^31 - 1 = "
                        + INT32 + "): use fewer fractional bits or smaller biases");
            }
            return new IntegerWeights(this);
        }

        private static void bytes(String name, byte[] array, long expected, String shape) {
            if (array == null || array.length != expected) {
                throw new IllegalArgumentException(name + (array == null ? " is null" : " has " + array.length + " bytes")
                        + ", expected " + shape + " = " + expected + " bytes");
            }
        }

        private static void exponent(String name, int k, int e) {
            if (e < 0 || e > MAX_EXPONENT) {
                throw new IllegalArgumentException(name + "[" + k + "] = " + e + ", expected 0 .. " + MAX_EXPONENT);
            }
        }

        private static void bias(String name, int[] b) {
            for (int i = 0; i < b.length; i++) {
                if (Math.abs((long) b[i]) > MAX_BIAS) {
                    throw new IllegalArgumentException(name + "[" + i + "] = " + b[i] + ", expected within +-2^24");
                }
            }
        }

        /**
         * The largest {@code |rescale(w_r . x) + b_r|} over rows and inputs {@code |x| <= limit}, after checking
         * that each row's accumulation {@code sum_j |w[r][j]| limit + 2^(e-1)} fits int32.
         */
        private long largestTerm(String name, byte[] w, int cols, int[] exponents, int[] bias, long limit, String limitName) {
            long largest = 0;
            int rows = w.length / cols;
            for (int r = 0; r < rows; r++) {
                long absSum = 0;
                for (int j = 0; j < cols; j++) {
                    absSum += Math.abs(w[r * cols + j]);
                }
                int e = exponents[r / hiddenSize];
                long bound = absSum * limit + ((1L << e) >> 1);
                if (bound > INT32) {
                    throw new IllegalArgumentException(name + " row " + r + " (gate block " + r / hiddenSize + "): accumulation bound sum|w| * "
                            + limitName + " + 2^(e-1) = " + absSum + " * " + limit + " + " + ((1L << e) >> 1) + " = " + bound
                            + " exceeds int32 (2^31 - 1 = " + INT32 + ") with " + cols + " columns, F = " + fractionBits
                            + ", inputBits = " + inputBits + ": use fewer fractional bits");
                }
                long term = (bound >> e) + 1 + (bias == null ? 0 : Math.abs((long) bias[r]));
                largest = Math.max(largest, term);
            }
            return largest;
        }
    }

    /**
     * The float weights these integers stand for ({@code w 2^-e}, {@code b 2^-F}, exact in float32): a float
     * layer of the same cell built from them computes the same cell without the rounding of activations.
     */
    public LayerWeights toLayerWeights() {
        LayerWeights.Builder b = LayerWeights.of(cell, inputSize, hiddenSize)
                .inputWeights(dequantize(inputWeights, inputExponents)).recurrentWeights(dequantize(recurrentWeights, recurrentExponents));
        if (inputBias != null) {
            b.biases(dequantize(inputBias), dequantize(recurrentBias));
        }
        return b.build();
    }

    private static float[] dequantize(byte[] w, int[] e) {
        float[] f = new float[w.length];
        int block = w.length / e.length;
        for (int i = 0; i < w.length; i++) {
            f[i] = Math.scalb((float) w[i], -e[i / block]);
        }
        return f;
    }

    private float[] dequantize(int[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            f[i] = Math.scalb((float) b[i], -fractionBits);
        }
        return f;
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

    /** {@code F}: fractional bits of activations and states. */
    public int fractionBits() {
        return fractionBits;
    }

    /** Inputs saturate at {@code +-2^inputBits}. */
    public int inputBits() {
        return inputBits;
    }

    /** A copy of {@code w_ih [G*H][I]}. */
    public byte[] inputWeights() {
        return inputWeights.clone();
    }

    /** A copy of {@code w_hh [G*H][H]}. */
    public byte[] recurrentWeights() {
        return recurrentWeights.clone();
    }

    /** A copy of {@code e_ih [G]}. */
    public int[] inputExponents() {
        return inputExponents.clone();
    }

    /** A copy of {@code e_hh [G]}. */
    public int[] recurrentExponents() {
        return recurrentExponents.clone();
    }

    public boolean hasBiases() {
        return inputBias != null;
    }

    /** A copy of {@code b_ih [G*H]} in units of {@code 2^-F}, or null. */
    public int[] inputBias() {
        return inputBias == null ? null : inputBias.clone();
    }

    /** A copy of {@code b_hh [G*H]}, or null. */
    public int[] recurrentBias() {
        return recurrentBias == null ? null : recurrentBias.clone();
    }
}
