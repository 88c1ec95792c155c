package org.rnnkernels.bench.fhe;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counts what one time step of a cell costs as a TFHE circuit, as the cell's equations are written with it
 * ({@link FheCells}). Every value is a vector of {@code length} ciphertexts of the same message width (bits)
 * and PBS depth; the builder tallies, per element:
 * <ul>
 * <li>{@link #matvec}: ciphertext-by-plaintext multiply-adds ({@code W x}, weights plaintext) and one plaintext
 *     addition per row (the bias). The result is an accumulator taken to be {@code bits} wide: its rounding into
 *     the working width is not counted (assumption A1 of {@link FheCells#ASSUMPTIONS}).</li>
 * <li>{@link #add}: one ciphertext addition (or subtraction); the result is one bit wider than the wider operand,
 *     so that it is exact. Plaintext coefficients (negation, MI's alpha and beta, a leak, the 1/4 below) are folded
 *     into the scale of what reads the value and change no width.</li>
 * <li>{@link #lut}: one programmable bootstrap (a univariate lookup table: ReLU, hardtanh, sigmoid, tanh, a
 *     threshold) priced at its input's width; its output is re-quantised to {@code bits}.</li>
 * <li>{@link #product}: a ciphertext-by-ciphertext product {@code a b = ((a+b)^2 - (a-b)^2) / 4}: two
 *     additions, two PBS (the squares, at the width of {@code a +- b}) and one subtraction; exact, so the result is
 *     {@code width(a) + width(b)} wide.</li>
 * <li>{@link #inhibit}: RAG's {@code S(v, q) = relu(v - q) - relu(-v - q)} for {@code q >= 0}: two additions
 *     ({@code v - q}, {@code v + q}), two PBS and one subtraction; at most one of the two terms is non-zero and
 *     {@code |S| <= |v|}, so the result is exactly as wide as {@code v}.</li>
 * </ul>
 * {@link #state} closes a step: a recurrent state wider than {@code bits} is re-quantised by one more PBS, so
 * that the next step sees the same widths. The PBS depth of a value is the longest chain of PBS behind it; with
 * timings the critical path's time is tracked beside it.
 */
public final class FheCircuit {
    /** A vector of {@code length} ciphertexts; {@code pathMs} is its critical path's PBS time (NaN without a price). */
    public record Value(int length, int width, int depth, double pathMs) {
    }

    /** The tallies of one step. {@code pbsByWidth}: PBS count per input width. */
    public record Count(long pbs, SortedMap<Integer, Long> pbsByWidth, long products, long macs, long additions,
                        int depth, double criticalPathMs) {
        /** The widest PBS input of the step. */
        public int widest() {
            return pbsByWidth.isEmpty() ? 0 : pbsByWidth.lastKey();
        }

        /** Sequential time of the step on one core: every PBS at its width's price plus every linear operation. */
        public double sequentialMs(PbsTimings timings, int bits) {
            double ms = (macs + additions) * timings.addMs(bits);
            for (var e : pbsByWidth.entrySet()) {
                ms += e.getValue() * timings.pbsMs(e.getKey());
            }
            return ms;
        }
    }

    private final int bits;
    private final boolean exactProducts;
    private final PbsTimings timings;
    private final TreeMap<Integer, Long> pbsByWidth = new TreeMap<>();
    private long pbs;
    private long products;
    private long macs;
    private long additions;
    private int depth;
    private double criticalPathMs;

    /**
     * A step at working width {@code bits}; {@code timings} may be null (then path times are NaN). With
     * {@code exactProducts} false the two squares of a product are looked up already rounded to {@code bits}
     * (an approximate product, {@code bits} wide), the cheapest a product can be.
     */
    public FheCircuit(int bits, boolean exactProducts, PbsTimings timings) {
        if (bits < 1) {
            throw new IllegalArgumentException("bits: expected >= 1, got " + bits);
        }
        this.bits = bits;
        this.exactProducts = exactProducts;
        this.timings = timings;
    }

    public int bits() {
        return bits;
    }

    /** An encrypted input of the step (x, h or c): {@code bits} wide, depth 0. */
    public Value input(int length) {
        return new Value(length, bits, 0, 0);
    }

    /** {@code W [rows, sum of input lengths] . concat(inputs) + b}, W and b plaintext. */
    public Value matvec(int rows, Value... inputs) {
        int depthIn = 0;
        double path = 0;
        for (Value v : inputs) {
            macs += (long) rows * v.length();
            depthIn = Math.max(depthIn, v.depth());
            path = Math.max(path, v.pathMs());
        }
        additions += rows;
        return new Value(rows, bits, depthIn, path);
    }

    /** {@code a + b} or {@code a - b} (plaintext coefficients folded): one addition per element. */
    public Value add(Value a, Value b) {
        return linear(a, b, Math.max(a.width(), b.width()) + 1);
    }

    private Value linear(Value a, Value b, int width) {
        same(a, b);
        additions += a.length();
        return new Value(a.length(), width, Math.max(a.depth(), b.depth()), Math.max(a.pathMs(), b.pathMs()));
    }

    /** A univariate lookup table on {@code a}: one PBS per element at {@code a}'s width, output {@code bits} wide. */
    public Value lut(Value a) {
        return lut(a, bits);
    }

    private Value lut(Value a, int outWidth) {
        pbs += a.length();
        pbsByWidth.merge(a.width(), (long) a.length(), Long::sum);
        double price = timings == null ? Double.NaN : timings.pbsMs(a.width());
        Value out = new Value(a.length(), outWidth, a.depth() + 1, a.pathMs() + price);
        depth = Math.max(depth, out.depth());
        criticalPathMs = Math.max(criticalPathMs, out.pathMs()); // NaN (no price) stays NaN
        return out;
    }

    /** {@code a b} of two ciphertexts, {@code ((a+b)^2 - (a-b)^2) / 4}: 2 PBS, 3 additions. */
    public Value product(Value a, Value b) {
        same(a, b);
        products += a.length();
        int width = exactProducts ? a.width() + b.width() : bits;
        Value sum = add(a, b);
        Value difference = add(a, b);
        return linear(lut(sum, width), lut(difference, width), width);
    }

    /** RAG's inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)}, {@code q >= 0}: 2 PBS, 3 additions. */
    public Value inhibit(Value v, Value q) {
        Value minus = add(v, q);
        Value plus = add(v, q);
        return linear(lut(minus), lut(plus), v.width());
    }

    /** A recurrent state leaving the step: re-quantised to {@code bits} by one PBS if it is wider. */
    public Value state(Value s) {
        Value out = s.width() > bits ? lut(s) : s;
        depth = Math.max(depth, out.depth());
        return out;
    }

    /** The tallies so far. */
    public Count count() {
        return new Count(pbs, Collections.unmodifiableSortedMap(new TreeMap<>(pbsByWidth)), products, macs, additions,
                depth, timings == null ? Double.NaN : criticalPathMs);
    }

    private static void same(Value a, Value b) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("elementwise operands of different lengths: " + a.length() + " and "
                    + b.length());
        }
    }
}
