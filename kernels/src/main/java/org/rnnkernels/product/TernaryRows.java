package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.rnnkernels.ternary.TernaryMatrix;

/**
 * A ternary matrix {@code alpha_k * T [rows][cols]} (CELLS.md "HitNet") as the products of a ternary
 * layer use it, with the layer's sloping factor folded into the scales: row {@code r} of a product is
 * {@code (lambda * alpha_k) * (T[r] · a(v))}. The activation function {@code a} is
 * {@code sign(v) * [|v| > delta]} (TERNARY activations: bit planes and exact integer popcount dots) or
 * the identity (FLOAT activations). With FLOAT activations the trits go to the int8 x float product as int8
 * weights {@code -1, 0, +1} with a scale per row ({@link Int8Rows}: a byte a weight, four samples a weight load,
 * no sum across lanes); the ternary x float kernel that added and subtracted the floats of each bit plane row by
 * row, a sum across lanes per dot, ran ~10x slower (a ternary GRU with FLOAT activations at B = 1, Zen 5: H = 256
 * 43 us a step, the int8 GRU 4.9). Immutable.
 */
final class TernaryRows {
    private final TernaryKernels kernels = TernaryKernels.get();
    private final long[] bits;          // FLOAT activations: interleaved planes (for matrix()); TERNARY: the kernels' packTernary
    private final Int8Rows trits;       // FLOAT activations: the trits as int8 weights with their row's scale; else null
    private final int rows;
    private final int cols;
    private final int words;
    private final int blockRows;
    private final float[] alphas;       // as given, per block
    private final float[] scales;       // lambda * alpha_k
    private final boolean ternary;
    private final float delta;

    TernaryRows(TernaryMatrix m, boolean ternaryActivations, float delta, float lambda) {
        this.rows = m.rows();
        this.cols = m.cols();
        this.words = m.wordsPerRow();
        this.blockRows = m.rowsPerBlock();
        this.bits = ternaryActivations ? kernels.packTernary(m) : interleaved(m);
        this.alphas = m.scales();
        this.scales = new float[alphas.length];
        for (int k = 0; k < alphas.length; k++) {
            scales[k] = lambda * alphas[k];
        }
        this.ternary = ternaryActivations;
        this.delta = delta;
        this.trits = ternaryActivations ? null : asInt8(m, scales);
    }

    // T as int8 {-1, 0, +1}, row r scaled by its block's lambda * alpha_k
    private static Int8Rows asInt8(TernaryMatrix m, float[] blockScales) {
        int rows = m.rows();
        int cols = m.cols();
        byte[] q = new byte[Math.multiplyExact(rows, cols)];
        float[] rowScales = new float[rows];
        for (int r = 0; r < rows; r++) {
            rowScales[r] = blockScales[r / m.rowsPerBlock()];
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = (byte) m.trit(r, c);
            }
        }
        return new Int8Rows(q, rowScales, rows, cols);
    }

    /** {@code m}'s planes interleaved: {@code plus, minus} word by word, row by row. */
    static long[] interleaved(TernaryMatrix m) {
        long[] plus = m.plus();
        long[] minus = m.minus();
        long[] bits = new long[2 * plus.length];
        for (int i = 0; i < plus.length; i++) {
            bits[2 * i] = plus[i];
            bits[2 * i + 1] = minus[i];
        }
        return bits;
    }

    /** The inverse of {@link #interleaved}: {@code bits}' words into {@code plus} and {@code minus}. */
    static void deinterleave(long[] bits, long[] plus, long[] minus) {
        for (int i = 0; i < plus.length; i++) {
            plus[i] = bits[2 * i];
            minus[i] = bits[2 * i + 1];
        }
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    /**
     * What {@link #multiply} over {@code count} samples costs, in a float product's weight reads ({@link
     * RecurrentProduct.Bound#weightReads}). With TERNARY activations (64 weights a word pair, ANDed and counted) a
     * quarter of the weights, by where a team of two starts to pay (Zen 5, a ternary GRU at B = 1, one thread and two
     * sharing every step, alternating in one JVM: 1.11x slower at H = 384, 442,368 weights; 0.92x at H = 512,
     * 786,432); with FLOAT activations the int8 product's.
     */
    long weightReads(int count) {
        return ternary ? (long) rows * cols * count / 4 : trits.weightReads(count);
    }

    /**
     * {@code out[s*outStride + r] = (lambda * alpha_k) * (T[r] · a(v_s))} for the samples {@code s < count} loaded
     * into {@code samples} and member {@code member} of {@code members}'s share of the rows (rows with TERNARY
     * activations, panels of the int8 product with FLOAT ones); the shares are disjoint and cover every row, and each
     * element has the same bits however the rows are shared.
     */
    void multiply(int member, int members, Samples samples, int count, float[] out, int outStride) {
        if (ternary) {
            kernels.multiplyTernary(bits, words, rows * member / members, rows * (member + 1) / members, scales,
                    blockRows, samples.planes, count, out, outStride);
            return;
        }
        int panels = trits.panels();
        trits.multiply(samples.floats, cols, count, out, outStride, panels * member / members,
                panels * (member + 1) / members, samples.tail);
    }

    /** Scratch for the activations {@code a(v)} of some samples, in the form {@link #multiply} reads. */
    Samples newSamples() {
        return new Samples();
    }

    /** The matrix as given (a new copy), for the layer's accessors. */
    TernaryMatrix matrix() {
        long[] plus = new long[rows * words];
        long[] minus = new long[rows * words];
        if (ternary) {
            kernels.unpackTernary(bits, rows, words, plus, minus);
        } else {
            deinterleave(bits, plus, minus);
        }
        return TernaryMatrix.of(rows, cols, plus, minus, alphas);
    }

    /**
     * The activations of samples, grown to the most samples loaded and then reused: bit planes
     * ({@code 2 * words} longs a sample) or the floats ({@code cols} a sample); and the int8 product's scratch for
     * its last, partial panel (one a state: only the member holding that panel uses it).
     */
    final class Samples {
        private long[] planes = new long[0];
        private float[] floats = new float[0];
        private final float[] tail = ternary ? null : trits.newTail();
        private float[] row;                    // one input row read from a segment, for TERNARY activations

        /** Room for {@code count} samples; grows (contents lost) only when too small. */
        void reserve(long count) {
            long words = count * (ternary ? 2 * TernaryRows.this.words : cols);
            if (words > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the ternary layer's activations of " + count + " samples need "
                        + words + " words, more than one Java array holds: run the sequence in shorter chunks");
            }
            if (ternary && planes.length < words) {
                planes = new long[(int) words];
            } else if (!ternary && floats.length < words) {
                floats = new float[(int) words];
            }
        }

        /** Sample {@code slot} := {@code a(v[offset .. offset+cols-1])}; an input NaN is 0 in TERNARY mode. */
        void load(float[] v, int offset, int slot) {
            if (ternary) {
                TernaryKernels.ternarize(v, offset, cols, delta, planes, slot * 2 * words, words);
            } else {
                System.arraycopy(v, offset, floats, slot * cols, cols);
            }
        }

        /** {@link #load(float[], int, int)} from {@code v}'s floats {@code offset .. offset+cols-1}. */
        void load(MemorySegment v, long offset, int slot) {
            if (ternary) {
                if (row == null) {
                    row = new float[cols];
                }
                MemorySegment.copy(v, ValueLayout.JAVA_FLOAT, offset * Float.BYTES, row, 0, cols);
                TernaryKernels.ternarize(row, 0, cols, delta, planes, slot * 2 * words, words);
            } else {
                MemorySegment.copy(v, ValueLayout.JAVA_FLOAT, offset * Float.BYTES, floats, slot * cols, cols);
            }
        }
    }
}
