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
}
