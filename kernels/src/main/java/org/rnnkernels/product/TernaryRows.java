package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.rnnkernels.ternary.TernaryMatrix;

/**
 * A ternary matrix {@code alpha_k * T [rows][cols]} (CELLS.md "HitNet") as the products of a ternary
 * layer use it, with the layer's sloping factor folded into the scales: row {@code r} of a product is
 * {@code (lambda * alpha_k) * (T[r] · a(v))}. The activation function {@code a} is
 * {@code sign(v) * [|v| > delta]} (TERNARY activations: bit planes and exact integer popcount dots) or
 * the identity (FLOAT activations: padded floats, added and subtracted). Immutable.
 */
final class TernaryRows {
    private final TernaryKernels kernels = TernaryKernels.get();
    private final long[] bits;          // FLOAT activations: interleaved planes; TERNARY: the kernels' packTernary
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
    }

    /** {@code m}'s planes interleaved, {@link TernaryKernels#dotFloat}'s layout: {@code plus, minus} word by word, row by row. */
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
     * RecurrentProduct.Bound#weightReads}), by where a team of two starts to pay (Zen 5, a ternary GRU at B = 1, one
     * thread and two sharing every step, alternating in one JVM): with TERNARY activations (64 weights a word pair,
     * ANDed and counted) two threads were 1.11x slower at H = 384 (442,368 weights) and 0.92x at H = 512 (786,432),
     * so a quarter of the weights; with FLOAT activations (row by row, a sum across lanes per dot: 2-3 weights a ns
     * against ~30 for the float panels) two threads were already 0.73x at H = 64 (12,288) and 0.62-0.64x at H = 128,
     * so sixteen times them.
     */
    long weightReads(int count) {
        long weights = (long) rows * cols * count;
        return ternary ? weights / 4 : weights * 16;
    }

    /**
     * {@code out[s*outStride + r] = (lambda * alpha_k) * (T[r] · a(v_s))} for rows {@code from .. to-1}
     * and the samples {@code s < count} loaded into {@code samples}.
     */
    void multiply(int from, int to, Samples samples, int count, float[] out, int outStride) {
        if (ternary) {
            kernels.multiplyTernary(bits, words, from, to, scales, blockRows, samples.planes, count, out, outStride);
            return;
        }
        for (int k = from / blockRows; k * blockRows < to; k++) {
            kernels.multiplyFloat(bits, words, Math.max(from, k * blockRows), Math.min(to, (k + 1) * blockRows), scales[k],
                    samples.padded, count, out, outStride);
        }
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
     * ({@code 2 * words} longs a sample) or floats zero-padded to whole words ({@code 64 * words}).
     */
    final class Samples {
        private long[] planes = new long[0];
        private float[] padded = new float[0];
        private float[] row;                    // one input row read from a segment, for TERNARY activations

        /** Room for {@code count} samples; grows (contents lost) only when too small. */
        void reserve(long count) {
            long floats = count * (ternary ? 2 * words : 64 * words);
            if (floats > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the ternary activations of " + count + " samples need " + floats
                        + " words, more than one Java array holds: run the sequence in shorter chunks");
            }
            if (ternary && planes.length < floats) {
                planes = new long[(int) floats];
            } else if (!ternary && padded.length < floats) {
                padded = new float[(int) floats];       // the padding past cols stays zero: load never writes it
            }
        }

        /** Sample {@code slot} := {@code a(v[offset .. offset+cols-1])}; an input NaN is 0 in TERNARY mode. */
        void load(float[] v, int offset, int slot) {
            if (ternary) {
                TernaryKernels.ternarize(v, offset, cols, delta, planes, slot * 2 * words, words);
            } else {
                System.arraycopy(v, offset, padded, slot * 64 * words, cols);
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
                MemorySegment.copy(v, ValueLayout.JAVA_FLOAT, offset * Float.BYTES, padded, slot * 64 * words, cols);
            }
        }
    }
}
