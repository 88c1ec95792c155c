package org.rnnkernels.ternary;

/**
 * The offline step from float weights to a {@link TernaryMatrix} (threshold ternarisation, CELLS.md
 * "HitNet"), per scale block {@code B} of rows:
 * <pre>
 *   Delta = factor * mean|w|            over w in B
 *   t     = sign(w) * [|w| > Delta]
 *   alpha = mean(|w| over |w| > Delta)  (0 when no weight passes)
 * </pre>
 * so that {@code W ≈ alpha * t}. Sums are taken in double, in row-major order, so the reference
 * gets the same thresholds bit for bit. Immutable and thread-safe.
 */
public final class Ternarizer {
    /** The ternary-weight-network choice of CELLS.md: {@code Delta = 0.7 * mean|W|}. */
    public static final double DEFAULT_FACTOR = 0.7;

    /** Where one scale {@code alpha} (and one threshold {@code Delta}) applies. */
    public enum Scaling {
        /** One scale for the whole matrix. */
        PER_MATRIX,
        /** One scale per gate block of {@code H} rows ({@code G} scales). */
        PER_GATE_BLOCK
    }

    private static final Ternarizer STANDARD = new Ternarizer(DEFAULT_FACTOR, Scaling.PER_GATE_BLOCK);

    private final double factor;
    private final Scaling scaling;

    /**
     * @param factor  {@code Delta = factor * mean|W|}; finite and {@code >= 0}
     * @param scaling per matrix or per gate block
     */
    public Ternarizer(double factor, Scaling scaling) {
        if (!(factor >= 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("factor = " + factor + ", expected finite and >= 0");
        }
        if (scaling == null) {
            throw new IllegalArgumentException("scaling is null, expected PER_MATRIX or PER_GATE_BLOCK");
        }
        this.factor = factor;
        this.scaling = scaling;
    }

    /** Factor 0.7, one scale per gate block. */
    public static Ternarizer standard() {
        return STANDARD;
    }

    public double factor() {
        return factor;
    }

    public Scaling scaling() {
        return scaling;
    }

    /**
     * Ternarises {@code weights [rows][cols]} (row-major; not modified), whose rows are
     * {@code gateBlocks} stacked blocks of equal size (PyTorch layout: {@code rows = G*H}).
     * Every weight must be finite.
     */
    public TernaryMatrix ternarize(float[] weights, int rows, int cols, int gateBlocks) {
        if (rows <= 0 || cols <= 0 || gateBlocks <= 0 || rows % gateBlocks != 0) {
            throw new IllegalArgumentException("rows = " + rows + ", cols = " + cols + ", gateBlocks = " + gateBlocks
                    + ": expected all > 0 and gateBlocks dividing rows");
        }
        long size = (long) rows * cols;
        if (weights == null || weights.length != size) {
            throw new IllegalArgumentException("weights has " + (weights == null ? "null" : weights.length + " floats")
                    + ", expected [" + rows + "][" + cols + "] = " + size);
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Float.isFinite(weights[i])) {
                throw new IllegalArgumentException("weights[" + i + "] = " + weights[i] + " (row " + i / cols
                        + ", column " + i % cols + "), expected finite");
            }
        }
        int blocks = scaling == Scaling.PER_MATRIX ? 1 : gateBlocks;
        int blockRows = rows / blocks;
        int words = TernaryMatrix.wordsFor(cols);
        if ((long) rows * words * 2 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " x " + cols + " ternary weights do not fit one Java array");
        }
        long[] bits = new long[rows * words * 2];
        float[] scales = new float[blocks];
        for (int k = 0; k < blocks; k++) {
            int from = k * blockRows * cols;
            int to = from + blockRows * cols;
            double sumAbs = 0;
            for (int i = from; i < to; i++) {
                sumAbs += Math.abs((double) weights[i]);
            }
            double delta = factor * (sumAbs / (to - from));
            double keptAbs = 0;
            long kept = 0;
            for (int i = from; i < to; i++) {
                double w = weights[i];
                if (Math.abs(w) > delta) {
                    keptAbs += Math.abs(w);
                    kept++;
                    int r = i / cols;
                    int c = i % cols;
                    // plane 0 (plus) or 1 (minus) of word c/64 of row r
                    bits[2 * (r * words + (c >>> 6)) + (w > 0 ? 0 : 1)] |= 1L << c;
                }
            }
            scales[k] = kept == 0 ? 0f : (float) (keptAbs / kept);
        }
        return TernaryMatrix.ofInterleaved(rows, cols, bits, scales);
    }
}
