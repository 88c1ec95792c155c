package org.rnnkernels.reference;

/**
 * int8-weight GRU, LSTM and the other plain cells (issue 13's int8 baselines), literally: per-row max-abs
 * quantisation of a float matrix, and the cell of CELLS.md on the dequantised weights {@code s_r q[r][k]} in
 * double precision ({@link ReferenceCell}). Activations stay real: the kernels' layer is weight-only.
 * Shares nothing with the kernels.
 */
public final class Int8Reference {
    private Int8Reference() {
    }

    /** int8 values {@code q [rows][cols]} (row-major, in -127 .. 127) and one scale per row. */
    public record Matrix(int rows, int cols, int[] q, double[] scales) {
        /** {@code s_r q[r][k]}, exact in double. */
        public double weight(int row, int col) {
            return scales[row] * q[row * cols + col];
        }

        /** Every weight dequantised, row-major. */
        public double[] dequantized() {
            double[] w = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    w[r * cols + k] = weight(r, k);
                }
            }
            return w;
        }
    }

    /**
     * Per row {@code r}: {@code s_r = max_k |w[r][k]| / 127} rounded to float32 (the scale a float layer
     * stores), {@code q = round(w / s_r)} half to even, within {@code +-127}; a row whose scale is 0 gets
     * {@code q = 0}. NaN or infinity is refused, naming the row.
     */
    public static Matrix quantize(float[] w, int rows, int cols) {
        if (w.length != rows * cols) {
            throw new IllegalArgumentException("w has " + w.length + " floats, expected " + rows + " x " + cols);
        }
        int[] q = new int[rows * cols];
        double[] scales = new double[rows];
        for (int r = 0; r < rows; r++) {
            double max = 0;
            for (int k = 0; k < cols; k++) {
                double v = w[r * cols + k];
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("row " + r + " holds " + v);
                }
                max = Math.max(max, Math.abs(v));
            }
            float scale = (float) (max / 127);
            scales[r] = scale;
            for (int k = 0; k < cols; k++) {
                long rounded = scale == 0 ? 0 : (long) Math.rint(w[r * cols + k] / (double) scale);
                q[r * cols + k] = (int) Math.max(-127, Math.min(127, rounded));
            }
        }
        return new Matrix(rows, cols, q, scales);
    }

    /** The cell of {@code type} on the dequantised matrices {@code wIh [G*H][I]}, {@code wHh [G*H][H]} and the biases. */
    public static ReferenceCell cell(RefCellType type, int inputSize, int hiddenSize, Matrix wIh, Matrix wHh,
                                     double[] bIh, double[] bHh) {
        return new ReferenceCell(type, inputSize, hiddenSize, wIh.dequantized(), wHh.dequantized(), bIh, bHh);
    }
}
