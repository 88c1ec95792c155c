package org.rnnkernels.reference;

/**
 * Integer inference of the three RAG cells (CELLS.md "RAG"), written plainly with {@code long}
 * arithmetic: the oracle of the integer kernels, which must agree with it bit for bit. Shares nothing
 * with the kernels.
 *
 * <p>Numbers are fixed point with {@code F} fractional bits: an integer {@code v} means {@code v / 2^F},
 * {@code ONE = 2^F} means 1. Weights are int8 {@code w} with one exponent {@code e_k} per gate block:
 * {@code W = w 2^-e_k}. A step:
 * <pre>
 *   x_int  = clamp(floor(x 2^F + 1/2), -2^(F+inputBits), 2^(F+inputBits))     inputs on entry (NaN: 0)
 *   gi_k   = rescale(sum_j w_ih[k][j] x_int[j], e_ih,k) + b_ih_k                 rescale(a, e) = floor((a + 2^(e-1)) / 2^e), e = 0: a
 *   gh_k   = rescale(sum_j w_hh[k][j] h[j], e_hh,k) + b_hh_k
 *   relu(v) = max(v, 0)   hardtanh(v) = min(max(v, -ONE), ONE)   S(v, q) = relu(v - q) - relu(-v - q)
 * </pre>
 * then the cell's equations on these integers (RAG-minimal, RAG-GRU, RAG-LSTM as in CELLS.md). Every
 * intermediate is checked to fit int32 (the kernels compute in int32): a value outside it throws.
 */
public final class IntegerRagReference {
    private final RefCellType type;
    private final int input;
    private final int hidden;
    private final int fractionBits;
    private final int inputBits;
    private final byte[] wIh;
    private final byte[] wHh;
    private final int[] eIh;
    private final int[] eHh;
    private final long[] bIh;
    private final long[] bHh;

    /**
     * @param wIh {@code [G*H][I]} int8, {@code wHh [G*H][H]}, exponents {@code [G]} each, biases {@code [G*H]}
     *            in units of {@code 2^-F} (null: none)
     */
    public IntegerRagReference(RefCellType type, int input, int hidden, int fractionBits, int inputBits,
                               byte[] wIh, byte[] wHh, int[] eIh, int[] eHh, int[] bIh, int[] bHh) {
        if (type != RefCellType.RAG_MINIMAL && type != RefCellType.RAG_GRU && type != RefCellType.RAG_LSTM) {
            throw new IllegalArgumentException("no integer form of " + type);
        }
        this.type = type;
        this.input = input;
        this.hidden = hidden;
        this.fractionBits = fractionBits;
        this.inputBits = inputBits;
        this.wIh = wIh.clone();
        this.wHh = wHh.clone();
        this.eIh = eIh.clone();
        this.eHh = eHh.clone();
        this.bIh = new long[type.gates * hidden];
        this.bHh = new long[type.gates * hidden];
        for (int r = 0; r < type.gates * hidden; r++) {
            this.bIh[r] = bIh == null ? 0 : bIh[r];
            this.bHh[r] = bHh == null ? 0 : bHh[r];
        }
    }

    /** {@code clamp(floor(v 2^F + 1/2), -limit, limit)}, {@code limit = 2^(F + extraBits)}; NaN gives 0. */
    public static long quantize(double v, int fractionBits, int extraBits) {
        if (Double.isNaN(v)) {
            return 0;
        }
        long limit = 1L << (fractionBits + extraBits);
        double scaled = Math.floor(v * Math.pow(2, fractionBits) + 0.5);
        if (scaled >= limit) {
            return limit;
        }
        if (scaled <= -limit) {
            return -limit;
        }
        return (long) scaled;
    }

    /** Round half up of {@code a / 2^e}: {@code floor((a + 2^(e-1)) / 2^e)}; {@code a} itself for {@code e = 0}. */
    public static long rescale(long a, int e) {
        if (e == 0) {
            return a;
        }
        return Math.floorDiv(checked(a + (1L << (e - 1))), 1L << e);
    }

    private long one() {
        return 1L << fractionBits;
    }

    private static long checked(long v) {
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new ArithmeticException(v + " does not fit int32");
        }
        return v;
    }

    private static long relu(long v) {
        return Math.max(v, 0);
    }

    private long hardtanh(long v) {
        return Math.min(Math.max(v, -one()), one());
    }

    // S(v, q) = relu(v - q) - relu(-v - q)
    private static long inhibit(long v, long q) {
        return checked(relu(checked(v - q)) - relu(checked(-v - q)));
    }

    /** Block {@code k} row {@code j} of {@code gi} (without bias) for quantised inputs {@code x}: sum in long, checked, rescaled. */
    private long product(byte[] w, int cols, int row, long[] x, int e) {
        long sum = 0;
        for (int j = 0; j < cols; j++) {
            sum += (long) w[row * cols + j] * x[j];
            checked(sum);
        }
        return checked(rescale(sum, e));
    }

    /**
     * One step of one sample: {@code x [I]} floats (quantised here), {@code h [H]} and {@code c [H]}
     * (RAG-LSTM; else ignored) integers, updated in place.
     */
    public void step(float[] x, long[] h, long[] c) {
        long[] xi = new long[input];
        for (int j = 0; j < input; j++) {
            xi[j] = quantize(x[j], fractionBits, inputBits);
        }
        int g = type.gates;
        long[] gi = new long[g * hidden];
        long[] gh = new long[g * hidden];
        for (int r = 0; r < g * hidden; r++) {
            int k = r / hidden;
            gi[r] = checked(product(wIh, input, r, xi, eIh[k]) + bIh[r]);
            gh[r] = checked(product(wHh, hidden, r, h, eHh[k]) + bHh[r]);
        }
        long[] hNew = new long[hidden];
        for (int j = 0; j < hidden; j++) {
            switch (type) {
                case RAG_MINIMAL -> {
                    long aZ = checked(gi[j] + gh[j]);
                    long n = hardtanh(checked(gi[hidden + j] + gh[hidden + j]));              // n = hardtanh(a_n)
                    hNew[j] = hardtanh(checked(inhibit(h[j], relu(-aZ)) + inhibit(n, relu(aZ)))); // h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
                }
                case RAG_GRU -> {
                    long aR = checked(gi[j] + gh[j]);
                    long aZ = checked(gi[hidden + j] + gh[hidden + j]);
                    long n = hardtanh(checked(gi[2 * hidden + j] + inhibit(gh[2 * hidden + j], relu(-aR)))); // n = hardtanh(gi_n + S(gh_n, relu(-a_r)))
                    hNew[j] = hardtanh(checked(inhibit(h[j], relu(-aZ)) + inhibit(n, relu(aZ))));
                }
                case RAG_LSTM -> {
                    long aI = checked(gi[j] + gh[j]);
                    long aF = checked(gi[hidden + j] + gh[hidden + j]);
                    long aG = checked(gi[2 * hidden + j] + gh[2 * hidden + j]);
                    long aO = checked(gi[3 * hidden + j] + gh[3 * hidden + j]);
                    // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)))
                    c[j] = hardtanh(checked(inhibit(c[j], relu(-aF)) + inhibit(hardtanh(aG), checked(relu(aF) + relu(-aI)))));
                    hNew[j] = inhibit(c[j], relu(-aO));                                        // h' = S(c', relu(-a_o))
                }
                default -> throw new IllegalStateException(type.toString());
            }
        }
        System.arraycopy(hNew, 0, h, 0, hidden);
    }

    /**
     * A sequence of one sample: {@code x [T][I]}, initial {@code h0}, {@code c0} (integers, null: zeros);
     * returns every step's {@code h} then (RAG-LSTM) every step's {@code c}: {@code [2][T][H]}, or {@code [1][T][H]}.
     */
    public long[][][] run(float[][] x, long[] h0, long[] c0) {
        long[] h = h0 == null ? new long[hidden] : h0.clone();
        long[] c = c0 == null ? new long[hidden] : c0.clone();
        boolean cell = type == RefCellType.RAG_LSTM;
        long[][][] out = new long[cell ? 2 : 1][x.length][];
        for (int t = 0; t < x.length; t++) {
            step(x[t], h, c);
            out[0][t] = h.clone();
            if (cell) {
                out[1][t] = c.clone();
            }
        }
        return out;
    }

    public int fractionBits() {
        return fractionBits;
    }
}
