package org.rnnkernels.quant;

import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.internal.Checks;

/**
 * The parameters of an int8-weight layer ({@link Int8Layer}): {@code W_ih} and {@code W_hh} as int8 matrices
 * {@code q [G*H][I]}, {@code [G*H][H]} (PyTorch's layout and gate order) with one float scale per row (per
 * output unit of each gate block), {@code W ≈ s_r q[r][k]}; float biases as given. Immutable: accessors return
 * copies.
 *
 * <p>Quantisation ({@link #quantize}): per row, symmetric max-abs, {@code s_r = max_k |W[r][k]| / 127} (float32
 * division), {@code q = rint(W / s_r)} with the quotient in double (rounding half to even; a float quotient
 * would round twice), so {@code q} is in {@code -127 .. 127} and the largest weight of a row maps to {@code +-127}. A row
 * of zeros (or one whose scale underflows to 0) gets {@code s_r = 0} and {@code q = 0}.
 */
public final class Int8Weights {
    /** The largest {@code |q|} quantisation gives: symmetric, {@code -128} is never used. */
    public static final int MAX_Q = 127;

    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private final byte[] weightIh;
    private final float[] scaleIh;
    private final byte[] weightHh;
    private final float[] scaleHh;
    private final float[] biasIh;
    private final float[] biasHh;

    /**
     * Checked and copied: {@code weightIh [G*H][I]} and {@code weightHh [G*H][H]} row-major int8,
     * {@code scaleIh}, {@code scaleHh [G*H]} finite and {@code >= 0}, {@code biasIh}, {@code biasHh [G*H]}
     * both given or both null. The cell must have no parameters beside {@code W} and {@code b} (not MI, not EGRU).
     */
    public Int8Weights(CellType cell, int inputSize, int hiddenSize, byte[] weightIh, float[] scaleIh,
                       byte[] weightHh, float[] scaleHh, float[] biasIh, float[] biasHh) {
        Checks.nonNull("cell", cell);
        if (cell.multiplicative() || cell.eventBased()) {
            throw new IllegalArgumentException("cell " + cell + " has parameters beside W and b (MI's alpha and beta, EGRU's"
                    + " thresholds, its sparse product) and no int8 layer");
        }
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
        long rows = (long) cell.gates() * hiddenSize;
        bytes("weightIh", weightIh, rows, inputSize, "[G*H=%d][I=%d]");
        bytes("weightHh", weightHh, rows, hiddenSize, "[G*H=%d][H=%d]");
        scales("scaleIh", scaleIh, rows);
        scales("scaleHh", scaleHh, rows);
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException("biases: biasIh and biasHh must both be given or both be null, got "
                    + (biasIh == null ? "null" : "an array") + " and " + (biasHh == null ? "null" : "an array"));
        }
        if (biasIh != null) {
            Checks.floats("biasIh", biasIh, "[G*H=%d]", rows);
            Checks.floats("biasHh", biasHh, "[G*H=%d]", rows);
        }
        this.cell = cell;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.weightIh = weightIh.clone();
        this.scaleIh = scaleIh.clone();
        this.weightHh = weightHh.clone();
        this.scaleHh = scaleHh.clone();
        this.biasIh = biasIh == null ? null : biasIh.clone();
        this.biasHh = biasHh == null ? null : biasHh.clone();
    }

    /**
     * {@code weights} quantised per row (class comment); biases copied as they are.
     *
     * @throws IllegalArgumentException naming the tensor and the index, for NaN or infinity in {@code W_ih} or
     *                                  {@code W_hh}; for a cell without an int8 layer (MI, EGRU)
     */
    public static Int8Weights quantize(LayerWeights weights) {
        Checks.nonNull("weights", weights);
        CellType cell = weights.cell();
        int rows = cell.gates() * weights.hiddenSize();
        float[] wIh = weights.inputWeights();
        float[] wHh = weights.recurrentWeights();
        float[] sIh = rowScales("W_ih", wIh, rows, weights.inputSize());
        float[] sHh = rowScales("W_hh", wHh, rows, weights.hiddenSize());
        return new Int8Weights(cell, weights.inputSize(), weights.hiddenSize(), round(wIh, sIh), sIh, round(wHh, sHh), sHh,
                weights.inputBias(), weights.recurrentBias());
    }

    // s_r = max_k |w[r][k]| / 127, refusing NaN and infinity by name and index
    private static float[] rowScales(String name, float[] w, int rows, int cols) {
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0f;
            for (int i = r * cols; i < (r + 1) * cols; i++) {
                if (!Float.isFinite(w[i])) {
                    throw new IllegalArgumentException(name + "[" + i + "] (row " + r + ", column " + (i - r * cols) + ") = " + w[i]
                            + ": a tensor with NaN or infinity cannot be quantised");
                }
                max = Math.max(max, Math.abs(w[i]));
            }
            scales[r] = max / MAX_Q;
        }
        return scales;
    }

    // q = rint(w / s_r), the quotient in double: half to even, one rounding
    private static byte[] round(float[] w, float[] scales) {
        int cols = w.length / scales.length;
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            float s = scales[i / cols];
            q[i] = s == 0f ? 0 : (byte) Math.clamp(Math.rint((double) w[i] / s), -MAX_Q, MAX_Q);
        }
        return q;
    }

    /**
     * The float weights this layer stands for, {@code W[r][k] = s_r q[r][k]} rounded to float32 (the layer itself
     * applies {@code s_r} to each row's sum, never rounding a product), and the biases: a float layer of these
     * gives the int8 layer's outputs up to float rounding.
     */
    public LayerWeights dequantize() {
        return LayerWeights.of(cell, inputSize, hiddenSize)
                .inputWeights(dequantize(weightIh, scaleIh)).recurrentWeights(dequantize(weightHh, scaleHh))
                .biases(biasIh, biasHh).build();
    }

    private static float[] dequantize(byte[] q, float[] scales) {
        int cols = q.length / scales.length;
        float[] w = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            w[i] = scales[i / cols] * q[i];
        }
        return w;
    }

    private static void bytes(String name, byte[] array, long rows, int cols, String shape) {
        long expected = rows * cols;
        if (array == null || array.length != expected) {
            throw new IllegalArgumentException(name + (array == null ? " is null" : " has " + array.length + " bytes")
                    + ", expected " + String.format(java.util.Locale.ROOT, shape, rows, cols) + " = " + expected + " bytes");
        }
    }

    private static void scales(String name, float[] scales, long rows) {
        Checks.floats(name, scales, "[G*H=%d]", rows);
        for (int r = 0; r < scales.length; r++) {
            if (!(scales[r] >= 0) || scales[r] == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(name + "[" + r + "] = " + scales[r] + ", expected finite and >= 0");
            }
        }
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

    /** A copy of {@code q_ih [G*H][I]}. */
    public byte[] weightIh() {
        return weightIh.clone();
    }

    /** A copy of the scales of {@code W_ih}'s rows, {@code [G*H]}. */
    public float[] scaleIh() {
        return scaleIh.clone();
    }

    /** A copy of {@code q_hh [G*H][H]}. */
    public byte[] weightHh() {
        return weightHh.clone();
    }

    /** A copy of the scales of {@code W_hh}'s rows, {@code [G*H]}. */
    public float[] scaleHh() {
        return scaleHh.clone();
    }

    /** A copy of {@code b_ih [G*H]}, or null without biases. */
    public float[] biasIh() {
        return biasIh == null ? null : biasIh.clone();
    }

    /** A copy of {@code b_hh [G*H]}, or null without biases. */
    public float[] biasHh() {
        return biasHh == null ? null : biasHh.clone();
    }
}
