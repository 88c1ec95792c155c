package org.rnnkernels.integer;

/**
 * The integer operations of the RAG cells, in units of {@code 2^-F} ({@code one = 2^F}). Adds, max, min and
 * shifts only; int32 never overflows here because the layer's weights passed the bounds of
 * {@code IntegerWeights} when it was built.
 */
final class IntOps {
    private IntOps() {
    }

    /**
     * An accumulator in units of {@code 2^-(F+e)} to units of {@code 2^-F}, rounded half up (ties toward
     * +infinity): {@code floor((a + 2^(e-1)) / 2^e)} by add-then-arithmetic-shift; {@code a} itself for {@code e = 0}.
     */
    static int rescale(int a, int e) {
        return (a + ((1 << e) >> 1)) >> e;
    }

    static int relu(int v) {
        return Math.max(v, 0);
    }

    /** {@code min(max(v, -1), 1)} */
    static int hardtanh(int v, int one) {
        return Math.min(Math.max(v, -one), one);
    }

    /** {@code S(v, q) = relu(v - q) - relu(-v - q)}: {@code v} shrunk toward 0 by {@code q >= 0}. */
    static int inhibit(int v, int q) {
        return Math.max(v - q, 0) - Math.max(-v - q, 0);
    }
}
