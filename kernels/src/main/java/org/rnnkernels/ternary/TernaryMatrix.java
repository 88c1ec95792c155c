package org.rnnkernels.ternary;
import org.rnnkernels.internal.Checks;

/**
 * An immutable ternary matrix {@code W ≈ alpha_k * T}, {@code T [rows][cols]} in {-1, 0, +1}, stored in
 * 2 bits per weight: two bit planes, {@code plus} (bit set where {@code t = +1}) and {@code minus}
 * ({@code t = -1}), each {@code wordsPerRow = ceil(cols / 64)} 64-bit words per row; column
 * {@code j} of a row is bit {@code j mod 64} of word {@code j / 64}, and the padding bits past
 * {@code cols} are zero. Rows are split into {@link #blocks()} equal blocks of consecutive rows with
 * one float scale {@code alpha_k} each (one block: a scale per matrix; {@code G} blocks: per gate block).
 *
 * <p>Inside, the planes are interleaved word by word ({@code plus_0, minus_0, plus_1, minus_1, ...}
 * for each row), so a row's product reads one sequential stretch of memory.
 */
public final class TernaryMatrix {
    private final int rows;
    private final int cols;
    private final int words;
    private final float[] scales;
    // [rows][words][plus, minus]
    private final long[] bits;

    private TernaryMatrix(int rows, int cols, long[] bits, float[] scales) {
        this.rows = rows;
        this.cols = cols;
        this.words = wordsFor(cols);
        this.bits = bits;
        this.scales = scales;
    }

    /** 64-bit words per row of one plane: {@code ceil(cols / 64)}. */
    public static int wordsFor(int cols) {
        return (cols + 63) >>> 6;
    }

    /**
     * A matrix from packed bit planes (copied), checked: each plane holds {@code [rows][ceil(cols/64)]}
     * words, no bit is set in both planes, no bit is set in a row's padding, {@code scales.length}
     * divides {@code rows} and every scale is finite and {@code >= 0}.
     */
    public static TernaryMatrix of(int rows, int cols, long[] plus, long[] minus, float[] scales) {
        Checks.positive("rows", rows);
        Checks.positive("cols", cols);
        int words = wordsFor(cols);
        long expected = (long) rows * words;
        if (expected * 2 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " x " + cols + " ternary weights do not fit one Java array");
        }
        packedLength("plus", plus, expected, rows, words, cols);
        packedLength("minus", minus, expected, rows, words, cols);
        if (scales == null || scales.length == 0 || rows % scales.length != 0) {
            throw new IllegalArgumentException("scales has " + (scales == null ? "null" : scales.length + " floats")
                    + ", expected [blocks] with blocks dividing rows = " + rows + " (1: per matrix, G: per gate block)");
        }
        for (int k = 0; k < scales.length; k++) {
            if (!(scales[k] >= 0) || Float.isInfinite(scales[k])) {
                throw new IllegalArgumentException("scales[" + k + "] = " + scales[k] + ", expected finite and >= 0");
            }
        }
        long padding = cols % 64 == 0 ? 0 : -1L << (cols % 64);   // bits of the last word past cols
        long[] bits = new long[(int) (expected * 2)];
        for (int r = 0; r < rows; r++) {
            for (int w = 0; w < words; w++) {
                int i = r * words + w;
                long p = plus[i];
                long m = minus[i];
                if ((p & m) != 0) {
                    throw new IllegalArgumentException("plus and minus both set at row " + r + ", column "
                            + (w * 64 + Long.numberOfTrailingZeros(p & m)) + ": a weight is +1, -1 or 0, not two of them");
                }
                if (w == words - 1 && ((p | m) & padding) != 0) {
                    throw new IllegalArgumentException((((p & padding) != 0) ? "plus" : "minus") + " has a bit set in the padding of row "
                            + r + " (column " + (w * 64 + Long.numberOfTrailingZeros((p | m) & padding)) + " >= cols = " + cols + ")");
                }
                bits[2 * i] = p;
                bits[2 * i + 1] = m;
            }
        }
        return new TernaryMatrix(rows, cols, bits, scales.clone());
    }

    /** Trusted: the planes were built by {@link Ternarizer} (interleaved, padding clear). */
    static TernaryMatrix ofInterleaved(int rows, int cols, long[] bits, float[] scales) {
        return new TernaryMatrix(rows, cols, bits, scales);
    }

    private static void packedLength(String name, long[] plane, long expected, int rows, int words, int cols) {
        if (plane == null || plane.length != expected) {
            throw new IllegalArgumentException("packed weights of the wrong length: " + name + " has "
                    + (plane == null ? "null" : plane.length + " words") + ", expected [rows=" + rows
                    + "][ceil(cols=" + cols + "/64)=" + words + "] = " + expected + " words");
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Words per row of one plane, {@code ceil(cols / 64)}. */
    public int wordsPerRow() {
        return words;
    }

    /** How many scale blocks: 1 (per matrix) or the number of gate blocks. */
    public int blocks() {
        return scales.length;
    }

    public int rowsPerBlock() {
        return rows / scales.length;
    }

    /** {@code alpha_k} of block {@code k}. */
    public float scale(int block) {
        return scales[block];
    }

    /** A copy of the scales, {@code [blocks]}. */
    public float[] scales() {
        return scales.clone();
    }

    /** A copy of the {@code +1} plane, {@code [rows][wordsPerRow]}. */
    public long[] plus() {
        return plane(0);
    }

    /** A copy of the {@code -1} plane, {@code [rows][wordsPerRow]}. */
    public long[] minus() {
        return plane(1);
    }

    private long[] plane(int which) {
        long[] plane = new long[rows * words];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = bits[2 * i + which];
        }
        return plane;
    }

    /** {@code t[row][col]} in {-1, 0, +1}. */
    public int trit(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside [" + rows + "][" + cols + "]");
        }
        int i = 2 * (row * words + (col >>> 6));
        long bit = 1L << col;
        return (bits[i] & bit) != 0 ? 1 : (bits[i + 1] & bit) != 0 ? -1 : 0;
    }

    /** The dequantised weights {@code alpha_k * t}, {@code [rows][cols]} row-major. */
    public float[] toFloat() {
        float[] w = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            float alpha = scales[r / rowsPerBlock()];
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = alpha * trit(r, c);
            }
        }
        return w;
    }

    /** Bytes this matrix's weights take: two planes of 64-bit words and the scales (vs {@code 4 * rows * cols} in float32). */
    public long bytes() {
        return (long) bits.length * Long.BYTES + (long) scales.length * Float.BYTES;
    }

    /** The interleaved planes, for the kernels of this package; never modified. */
    long[] interleaved() {
        return bits;
    }
}
