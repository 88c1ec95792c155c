package org.rnnkernels.reference;

/** The scalar functions of CELLS.md ("Notation and layout" and "RAG"), each one line, in double. */
public final class RefMath {
    private RefMath() {}

    /** {@code sigm(v) = 1/(1+exp(-v))} */
    public static double sigm(double v) { return 1.0 / (1.0 + Math.exp(-v)); }

    /** {@code relu(v) = max(v, 0)} */
    public static double relu(double v) { return Math.max(v, 0.0); }

    /** {@code hardtanh(v) = min(max(v, -1), 1)} */
    public static double hardtanh(double v) { return Math.min(Math.max(v, -1.0), 1.0); }

    /** RAG inhibition {@code S(v, q) = relu(v - q) - relu(-v - q)} */
    public static double inhibit(double v, double q) { return relu(v - q) - relu(-v - q); }

    /** The leaky RAG cells' slope where {@code S} and {@code hardtanh} are flat: {@code lambda = 2^-4}. */
    public static final double LEAK = 0.0625;

    /**
     * Leaky inhibition {@code S_l(v, q) = S(v, q) + l (S(v, q/2) - S(v, q))}: equal to {@code S} outside
     * {@code |v| <= q} but for a slope change of {@code l/2} in {@code q}, and inside it, where {@code S} is 0,
     * {@code l S(v, q/2)}: for {@code q/2 < |v| <= q} the slope is {@code l} in {@code v} and {@code -l/2 sign(v)} in
     * {@code q}, so a blocked gate still learns. ({@code l relu} inside {@code S} would cancel {@code q} there.)
     */
    public static double leakyInhibit(double v, double q, double l) { return inhibit(v, q) + l * (inhibit(v, q / 2) - inhibit(v, q)); }

    /** Leaky {@code hardtanh_l(v) = hardtanh(v) + l (v - hardtanh(v))}: slope {@code l} outside [-1, 1]. */
    public static double leakyHardtanh(double v, double l) { return hardtanh(v) + l * (v - hardtanh(v)); }
}
