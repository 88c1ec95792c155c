package org.rnnkernels.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link ThinInputProducts} a vector of columns at a time; the columns past the last whole vector through
 * {@link ScalarThinInputProducts}.
 *
 * <p>The weight gradient {@code dW_ih^T = X^T dG} has two shapes. Up to {@link #ROW_BY_ROW_INPUTS} inputs, row
 * by row through {@code dG} (each row read once, {@code I + 1} short row updates). Above that, as a register-tiled
 * product: a tile of {@code dWT} (4 inputs where there are 32 vector registers, then pairs, then single inputs, by
 * four vectors of columns) stays in registers while the rows of a block of {@link #BLOCK_ROWS} go by, each row one
 * load of four {@code dG} vectors, four broadcasts of {@code x} and 16 FMAs (OpenBLAS packs {@code dG} whole for
 * each call and tiles it 16-32 wide along {@code I}, mostly empty at I = 28). Blocks of 64 rows keep a block's
 * four-vector column slice in L1 while the input groups pass over it: at 128 rows and {@code w = 384} its rows,
 * 1,536 bytes apart, fall in 32 of L1's 64 sets and evict each other (117-123 GFLOP/s against 148-157 at 64 rows).
 * Measured (Zen 5, 512-bit, one thread, sequential MNIST's GRU shape: 1,792 rows, I = 28, w = 384): 240-260 us
 * against OpenBLAS's 450-500.
 */
final class VectorThinInputProducts extends ScalarThinInputProducts {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final int L = S.length();
    private static final int PANEL = 4 * L;
    static final int BLOCK_ROWS = 64;
    /** The widest input whose weight gradient goes row by row; wider inputs take the tiled product. */
    static final int ROW_BY_ROW_INPUTS = ThinInputProducts.MAX_INPUTS;
    // Four inputs a tile hold 16 accumulators, 4 column vectors and a broadcast: 21 registers, which only AVX-512's
    // 32 hold without spilling (the same test as the recurrent product's panel kernel).
    private static final boolean QUADS = FloatVector.SPECIES_MAX.vectorBitSize() >= 512;
    // The bias sum as the product with an input that is 1 on every row: u[0] with a stride of 0.
    private static final float[] ONES = {1f};

    @Override
    public int maxGradientInputs() {
        return MAX_GRADIENT_INPUTS;
    }

    @Override
    public void project(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi) {
        int end = S.loopBound(w);
        for (int r = 0; r < rows; r++) {
            projectRow(x, r * inputs, inputs, wIhT, w, end, gi, r * w);
        }
        projectColumns(x, rows, inputs, wIhT, w, gi, end);
    }

    // gi[gr + g] = sum_i x[xr + i] wIhT[i*w + g], g < end; W_ih^T (I*w floats) stays in L1 across the rows
    private static void projectRow(float[] x, int xr, int inputs, float[] wIhT, int w, int end, float[] gi, int gr) {
        for (int g = 0; g < end; g += S.length()) {
            FloatVector sum = FloatVector.fromArray(S, wIhT, g).mul(x[xr]);
            for (int i = 1; i < inputs; i++) {
                sum = FloatVector.fromArray(S, wIhT, i * w + g).fma(FloatVector.broadcast(S, x[xr + i]), sum);
            }
            sum.intoArray(gi, gr + g);
        }
    }

    @Override
    public void weightGradient(float[] dG, float[] x, int rows, int inputs, int w, boolean withBias, float[] dWT) {
        if (inputs <= ROW_BY_ROW_INPUTS) {
            super.weightGradient(dG, x, rows, inputs, w, withBias, dWT);
            return;
        }
        int sums = withBias ? inputs + 1 : inputs;
        java.util.Arrays.fill(dWT, 0, sums * w, 0f);
        int panelEnd = w - w % PANEL;
        for (int k0 = 0; k0 < rows; k0 += BLOCK_ROWS) {
            int k1 = Math.min(rows, k0 + BLOCK_ROWS);
            for (int g = 0; g < panelEnd; g += PANEL) {
                int i = 0;
                for (; QUADS && i + 3 < inputs; i += 4) {
                    quad(dG, w, g, k0, k1, x, i, inputs, dWT, i * w + g, w);
                }
                for (; i + 1 < inputs; i += 2) {
                    pair(dG, w, g, k0, k1, x, i, inputs, dWT, i * w + g, w);
                }
                for (; i < inputs; i++) {
                    single(dG, w, g, k0, k1, x, k0 * inputs + i, inputs, dWT, i * w + g);
                }
                if (withBias) {
                    single(dG, w, g, k0, k1, ONES, 0, 0, dWT, inputs * w + g);
                }
            }
        }
        // Columns past the last whole panel (fewer than 4 vectors), row by row as the narrow inputs' path.
        if (panelEnd < w) {
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < inputs; i++) {
                    axpyColumns(x[r * inputs + i], dG, r * w, dWT, i * w, panelEnd, w);
                }
                if (withBias) {
                    axpyColumns(1f, dG, r * w, dWT, inputs * w, panelEnd, w);
                }
            }
        }
    }

    // y[yi + c] += a * x[xi + c] for c in [from, to)
    private static void axpyColumns(float a, float[] x, int xi, float[] y, int yi, int from, int to) {
        VectorSparseProducts.axpyVectors(a, x, xi + from, y, yi + from, to - from);
    }

    @Override
    void axpyRow(float a, float[] x, int xi, float[] y, int yi, int n) {
        VectorSparseProducts.axpyVectors(a, x, xi, y, yi, n);
    }

    // Each kernel is a method of its own that hands no vector to another (see VectorPanelProduct: a vector that
    // crosses a call C2 leaves out of line is boxed).

    // dWT rows i .. i+3, columns g .. g+PANEL-1 (at c, row stride ldc) += sum_{k0 <= r < k1} x[r, i+j] dG[r, g ..]
    private static void quad(float[] dG, int w, int g, int k0, int k1, float[] x, int i, int inputs, float[] c, int c0,
                             int ldc) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector a0 = FloatVector.fromArray(S, c, c0), a1 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector a2 = FloatVector.fromArray(S, c, c0 + 2 * L), a3 = FloatVector.fromArray(S, c, c0 + 3 * L);
        FloatVector b0 = FloatVector.fromArray(S, c, c1), b1 = FloatVector.fromArray(S, c, c1 + L);
        FloatVector b2 = FloatVector.fromArray(S, c, c1 + 2 * L), b3 = FloatVector.fromArray(S, c, c1 + 3 * L);
        FloatVector e0 = FloatVector.fromArray(S, c, c2), e1 = FloatVector.fromArray(S, c, c2 + L);
        FloatVector e2 = FloatVector.fromArray(S, c, c2 + 2 * L), e3 = FloatVector.fromArray(S, c, c2 + 3 * L);
        FloatVector d0 = FloatVector.fromArray(S, c, c3), d1 = FloatVector.fromArray(S, c, c3 + L);
        FloatVector d2 = FloatVector.fromArray(S, c, c3 + 2 * L), d3 = FloatVector.fromArray(S, c, c3 + 3 * L);
        for (int r = k0, o = k0 * w + g, q = k0 * inputs + i; r < k1; r++, o += w, q += inputs) {
            FloatVector w0 = FloatVector.fromArray(S, dG, o);
            FloatVector w1 = FloatVector.fromArray(S, dG, o + L);
            FloatVector w2 = FloatVector.fromArray(S, dG, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, dG, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[q]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[q + 1]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
            FloatVector x2 = FloatVector.broadcast(S, x[q + 2]);
            e0 = w0.fma(x2, e0);
            e1 = w1.fma(x2, e1);
            e2 = w2.fma(x2, e2);
            e3 = w3.fma(x2, e3);
            FloatVector x3 = FloatVector.broadcast(S, x[q + 3]);
            d0 = w0.fma(x3, d0);
            d1 = w1.fma(x3, d1);
            d2 = w2.fma(x3, d2);
            d3 = w3.fma(x3, d3);
        }
        a0.intoArray(c, c0);
        a1.intoArray(c, c0 + L);
        a2.intoArray(c, c0 + 2 * L);
        a3.intoArray(c, c0 + 3 * L);
        b0.intoArray(c, c1);
        b1.intoArray(c, c1 + L);
        b2.intoArray(c, c1 + 2 * L);
        b3.intoArray(c, c1 + 3 * L);
        e0.intoArray(c, c2);
        e1.intoArray(c, c2 + L);
        e2.intoArray(c, c2 + 2 * L);
        e3.intoArray(c, c2 + 3 * L);
        d0.intoArray(c, c3);
        d1.intoArray(c, c3 + L);
        d2.intoArray(c, c3 + 2 * L);
        d3.intoArray(c, c3 + 3 * L);
    }

    // quad's two-input tile, for 16 vector registers: 8 accumulators, 4 column vectors, 2 broadcasts
    private static void pair(float[] dG, int w, int g, int k0, int k1, float[] x, int i, int inputs, float[] c, int c0,
                             int ldc) {
        int c1 = c0 + ldc;
        FloatVector a0 = FloatVector.fromArray(S, c, c0), a1 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector a2 = FloatVector.fromArray(S, c, c0 + 2 * L), a3 = FloatVector.fromArray(S, c, c0 + 3 * L);
        FloatVector b0 = FloatVector.fromArray(S, c, c1), b1 = FloatVector.fromArray(S, c, c1 + L);
        FloatVector b2 = FloatVector.fromArray(S, c, c1 + 2 * L), b3 = FloatVector.fromArray(S, c, c1 + 3 * L);
        for (int r = k0, o = k0 * w + g, q = k0 * inputs + i; r < k1; r++, o += w, q += inputs) {
            FloatVector w0 = FloatVector.fromArray(S, dG, o);
            FloatVector w1 = FloatVector.fromArray(S, dG, o + L);
            FloatVector w2 = FloatVector.fromArray(S, dG, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, dG, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[q]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[q + 1]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
        }
        a0.intoArray(c, c0);
        a1.intoArray(c, c0 + L);
        a2.intoArray(c, c0 + 2 * L);
        a3.intoArray(c, c0 + 3 * L);
        b0.intoArray(c, c1);
        b1.intoArray(c, c1 + L);
        b2.intoArray(c, c1 + 2 * L);
        b3.intoArray(c, c1 + 3 * L);
    }

    // One dWT row's PANEL columns at c0 += sum_r u[q] dG[r, g ..], q from u0 in steps of ldu: the inputs left over
    // by the groups, and the bias sum (u = ONES, ldu = 0)
    private static void single(float[] dG, int w, int g, int k0, int k1, float[] u, int u0, int ldu, float[] c, int c0) {
        FloatVector a0 = FloatVector.fromArray(S, c, c0), a1 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector a2 = FloatVector.fromArray(S, c, c0 + 2 * L), a3 = FloatVector.fromArray(S, c, c0 + 3 * L);
        for (int r = k0, o = k0 * w + g, q = u0; r < k1; r++, o += w, q += ldu) {
            FloatVector x0 = FloatVector.broadcast(S, u[q]);
            a0 = FloatVector.fromArray(S, dG, o).fma(x0, a0);
            a1 = FloatVector.fromArray(S, dG, o + L).fma(x0, a1);
            a2 = FloatVector.fromArray(S, dG, o + 2 * L).fma(x0, a2);
            a3 = FloatVector.fromArray(S, dG, o + 3 * L).fma(x0, a3);
        }
        a0.intoArray(c, c0);
        a1.intoArray(c, c0 + L);
        a2.intoArray(c, c0 + 2 * L);
        a3.intoArray(c, c0 + 3 * L);
    }
}
