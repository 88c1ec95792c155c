package org.rnnkernels.product;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link PanelProduct} with panels four vectors wide. Samples go in groups that share each weight
 * vector load: in pairs (8 accumulators, 4 weight vectors, 2 broadcasts: fits AVX2's 16 registers), and,
 * where the CPU has 32 vector registers, in fours (16 accumulators, 4 weights, 1 broadcast), which halves
 * the weight traffic per FMA: 4 loads + 4 broadcasts feed 16 FMAs instead of 6 loads 8. Measured on Zen 5
 * (512-bit, one thread, load about 4): H = 256, B = 16: 50 us a call in pairs, 36 in fours (172 GFLOP/s
 * against the machine's ~190 sgemm peak); H = 512, B = 64: 800 us against 600. Every sample of a batch goes in
 * the same pass over the panels: after the fours, three samples left go as a triple, two as a pair, one beside the
 * sample before it (a pair that computes that one again); only a batch of one has a kernel of its own. Every output
 * is the same FMA chain over k either way, so the grouping changes no bit.
 */
final class VectorPanelProduct implements PanelProduct {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final int L = S.length();
    private static final int WIDTH = 4 * L;
    // 32 vector registers come with AVX-512 (also for 256- and 128-bit species, through EVEX); the Vector
    // API does not say how many registers there are, but its largest species is 512 bits exactly when the
    // JVM may use AVX-512. With 16 registers the four-sample kernel's 21 live vectors would spill.
    private static final boolean QUADS = FloatVector.SPECIES_MAX.vectorBitSize() >= 512;

    @Override
    public float[] pack(float[] w, int rows, int cols) {
        int panels = (rows + WIDTH - 1) / WIDTH;
        float[] packed = new float[Math.multiplyExact(panels * cols, WIDTH)];
        packInto(w, rows, cols, packed);
        return packed;
    }

    @Override
    public void packInto(float[] w, int rows, int cols, float[] packed) {
        for (int r = 0; r < rows; r++) {
            int base = (r / WIDTH) * cols * WIDTH + r % WIDTH;
            for (int k = 0; k < cols; k++) {
                packed[base + k * WIDTH] = w[r * cols + k];
            }
        }
    }

    // W^T's row c is W's column c: panel c / WIDTH, lane c % WIDTH of its k-th (= W's row k) WIDTH-wide line, so
    // each run of WIDTH floats of W's row k is that line whole, one copy. A training step repacks W_hh^T after every
    // update: element by element that took 158-243 us at 768 x 256, copied 27-41 (Zen 5, one thread, 4 runs).
    @Override
    public void packTransposedInto(float[] w, int rows, int cols, float[] packed) {
        for (int k = 0; k < rows; k++) {
            for (int c0 = 0; c0 < cols; c0 += WIDTH) {
                System.arraycopy(w, k * cols + c0, packed, c0 * rows + k * WIDTH, Math.min(WIDTH, cols - c0));
            }
        }
    }

    @Override
    public int panels(int rows) {
        return (rows + WIDTH - 1) / WIDTH;
    }

    @Override
    public int samplesPerTile() {
        return QUADS ? 4 : 2;
    }

    @Override
    public void multiply(float[] packed, int rows, int cols, int batch, float[] x, int xOffset, float[] y, int yOffset,
                         int panelFrom, int panelTo) {
        for (int p = panelFrom; p < panelTo; p++) {
            int base = p * cols * WIDTH;
            int r0 = p * WIDTH;
            int valid = rows - r0;
            int b = 0;
            for (; QUADS && b + 3 < batch; b += 4) {
                int xo = xOffset + b * cols, yo = yOffset + b * rows + r0;
                if (valid >= WIDTH) {
                    quad(packed, base, cols, x, xo, y, yo, rows);
                } else {
                    quadPartial(packed, base, cols, x, xo, y, yo, rows, valid);
                }
            }
            if (QUADS && batch - b == 3) {
                int xo = xOffset + b * cols, yo = yOffset + b * rows + r0;
                if (valid >= WIDTH) {
                    triple(packed, base, cols, x, xo, y, yo, rows);
                } else {
                    triplePartial(packed, base, cols, x, xo, y, yo, rows, valid);
                }
                continue;
            }
            for (; b + 1 < batch; b += 2) {
                twoSamples(b, packed, base, cols, x, xOffset, y, yOffset + r0, rows, valid);
            }
            if (b < batch && b > 0) {
                // The last sample of an odd batch beside the one before it, computed again (the same FMA chain, the
                // same bits, stored twice), in this pass rather than a pass of its own: at small batches a pass
                // streams all of W from L2 or L3 whatever the group of samples (H = 512, one thread, Zen 5: B = 5
                // as four and a pass alone took 80 us a call, B = 4 40).
                twoSamples(b - 1, packed, base, cols, x, xOffset, y, yOffset + r0, rows, valid);
            }
        }
        if (batch == 1) {
            oneSample(packed, rows, cols, x, xOffset, y, yOffset, panelFrom, panelTo);
        }
    }

    // Samples b and b + 1 of the panel at `base` (its first output row's offset in y: yo), whole or partial.
    private static void twoSamples(int b, float[] packed, int base, int cols, float[] x, int xOffset, float[] y, int yo,
                                    int rows, int valid) {
        int xo0 = xOffset + b * cols, xo1 = xo0 + cols, yo0 = yo + b * rows, yo1 = yo0 + rows;
        if (valid >= WIDTH) {
            pair(packed, base, cols, x, xo0, xo1, y, yo0, yo1);
        } else {
            pairPartial(packed, base, cols, x, xo0, xo1, y, yo0, yo1, valid);
        }
    }

    // A batch of one: two whole panels at a time while there are two, so that eight FMA
    // chains run instead of four (one panel's four chains wait on the FMA latency: a 768 x 256 product took
    // 7.8 us a step, GRU H = 256, B = 1). Each output is still one chain over k in order: the same bits.
    private static void oneSample(float[] packed, int rows, int cols, float[] x, int xo, float[] y, int yo,
                                  int panelFrom, int panelTo) {
        int p = panelFrom;
        for (; p + 1 < panelTo && rows - (p + 1) * WIDTH >= WIDTH; p += 2) {
            singleTwoPanels(packed, p * cols * WIDTH, cols, x, xo, y, yo + p * WIDTH);
        }
        for (; p < panelTo; p++) {
            int valid = rows - p * WIDTH;
            if (valid >= WIDTH) {
                single(packed, p * cols * WIDTH, cols, x, xo, y, yo + p * WIDTH);
            } else {
                singlePartial(packed, p * cols * WIDTH, cols, x, xo, y, yo + p * WIDTH, valid);
            }
        }
    }

    // Each kernel below is a method of its own, whole panel or partial, and hands no vector to another
    // method: C2 compiles each alone (too large to inline) within its node budget, and a vector that crosses
    // a call C2 leaves out of line is boxed. (One kernel with both kinds of store, or a store helper taking
    // the accumulators, boxed in some JVMs: 384 bytes or 37 KB a step at H = 37, depending on compile order.)
    // The partial kernels repeat the whole kernels' loop for that reason.

    // y[yo .. yo+WIDTH] = sum_k panel[k, :] * x[xo + k]
    private static void single(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo) {
        // Four zeros made here, not one shared: C2 boxes accumulators that start as one object.
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector xk = FloatVector.broadcast(S, x[xo + k]);
            a0 = FloatVector.fromArray(S, w, o).fma(xk, a0);
            a1 = FloatVector.fromArray(S, w, o + L).fma(xk, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * L).fma(xk, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * L).fma(xk, a3);
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + L);
        a2.intoArray(y, yo + 2 * L);
        a3.intoArray(y, yo + 3 * L);
    }

    // single() for two adjacent whole panels (outputs yo .. yo+2*WIDTH): one broadcast of x[k] for eight FMAs.
    private static void singleTwoPanels(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        int next = cols * WIDTH;   // the second panel's offset from the first
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector xk = FloatVector.broadcast(S, x[xo + k]);
            a0 = FloatVector.fromArray(S, w, o).fma(xk, a0);
            a1 = FloatVector.fromArray(S, w, o + L).fma(xk, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * L).fma(xk, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * L).fma(xk, a3);
            b0 = FloatVector.fromArray(S, w, o + next).fma(xk, b0);
            b1 = FloatVector.fromArray(S, w, o + next + L).fma(xk, b1);
            b2 = FloatVector.fromArray(S, w, o + next + 2 * L).fma(xk, b2);
            b3 = FloatVector.fromArray(S, w, o + next + 3 * L).fma(xk, b3);
        }
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + L);
        a2.intoArray(y, yo + 2 * L);
        a3.intoArray(y, yo + 3 * L);
        b0.intoArray(y, yo + WIDTH);
        b1.intoArray(y, yo + WIDTH + L);
        b2.intoArray(y, yo + WIDTH + 2 * L);
        b3.intoArray(y, yo + WIDTH + 3 * L);
    }

    // The last panel of a matrix whose rows are not a multiple of WIDTH: only its first `valid` outputs.
    private static void singlePartial(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector xk = FloatVector.broadcast(S, x[xo + k]);
            a0 = FloatVector.fromArray(S, w, o).fma(xk, a0);
            a1 = FloatVector.fromArray(S, w, o + L).fma(xk, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * L).fma(xk, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * L).fma(xk, a3);
        }
        a0.intoArray(y, yo, S.indexInRange(0, valid));
        a1.intoArray(y, yo + L, S.indexInRange(L, valid));
        a2.intoArray(y, yo + 2 * L, S.indexInRange(2 * L, valid));
        a3.intoArray(y, yo + 3 * L, S.indexInRange(3 * L, valid));
    }

    // The same for two samples at once: each weight vector is loaded once and used twice.
    private static void pair(float[] w, int base, int cols, float[] x, int xo0, int xo1, float[] y, int yo0, int yo1) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector x0 = FloatVector.broadcast(S, x[xo0 + k]);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
        }
        a0.intoArray(y, yo0);
        a1.intoArray(y, yo0 + L);
        a2.intoArray(y, yo0 + 2 * L);
        a3.intoArray(y, yo0 + 3 * L);
        b0.intoArray(y, yo1);
        b1.intoArray(y, yo1 + L);
        b2.intoArray(y, yo1 + 2 * L);
        b3.intoArray(y, yo1 + 3 * L);
    }

    private static void pairPartial(float[] w, int base, int cols, float[] x, int xo0, int xo1, float[] y, int yo0, int yo1,
                                    int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector x0 = FloatVector.broadcast(S, x[xo0 + k]);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
        }
        VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
        VectorMask<Float> m2 = S.indexInRange(2 * L, valid), m3 = S.indexInRange(3 * L, valid);
        a0.intoArray(y, yo0, m0);
        a1.intoArray(y, yo0 + L, m1);
        a2.intoArray(y, yo0 + 2 * L, m2);
        a3.intoArray(y, yo0 + 3 * L, m3);
        b0.intoArray(y, yo1, m0);
        b1.intoArray(y, yo1 + L, m1);
        b2.intoArray(y, yo1 + 2 * L, m2);
        b3.intoArray(y, yo1 + 3 * L, m3);
    }

    // Three samples at once (a batch of 3 mod 4 where there are 32 registers: 12 accumulators, 4 weights, 1
    // broadcast), in the same pass as the fours: as a pair and a pass of the third alone, B = 3 took 79 us a call
    // where B = 4 took 40 (H = 512, one thread, Zen 5).
    private static void triple(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int yStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int xo1 = xo + cols, xo2 = xo1 + cols;
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[xo + k]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
            FloatVector x2 = FloatVector.broadcast(S, x[xo2 + k]);
            c0 = w0.fma(x2, c0);
            c1 = w1.fma(x2, c1);
            c2 = w2.fma(x2, c2);
            c3 = w3.fma(x2, c3);
        }
        int yo1 = yo + yStride, yo2 = yo1 + yStride;
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + L);
        a2.intoArray(y, yo + 2 * L);
        a3.intoArray(y, yo + 3 * L);
        b0.intoArray(y, yo1);
        b1.intoArray(y, yo1 + L);
        b2.intoArray(y, yo1 + 2 * L);
        b3.intoArray(y, yo1 + 3 * L);
        c0.intoArray(y, yo2);
        c1.intoArray(y, yo2 + L);
        c2.intoArray(y, yo2 + 2 * L);
        c3.intoArray(y, yo2 + 3 * L);
    }

    private static void triplePartial(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int yStride,
                                      int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int xo1 = xo + cols, xo2 = xo1 + cols;
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[xo + k]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
            FloatVector x2 = FloatVector.broadcast(S, x[xo2 + k]);
            c0 = w0.fma(x2, c0);
            c1 = w1.fma(x2, c1);
            c2 = w2.fma(x2, c2);
            c3 = w3.fma(x2, c3);
        }
        VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
        VectorMask<Float> m2 = S.indexInRange(2 * L, valid), m3 = S.indexInRange(3 * L, valid);
        int yo1 = yo + yStride, yo2 = yo1 + yStride;
        a0.intoArray(y, yo, m0);
        a1.intoArray(y, yo + L, m1);
        a2.intoArray(y, yo + 2 * L, m2);
        a3.intoArray(y, yo + 3 * L, m3);
        b0.intoArray(y, yo1, m0);
        b1.intoArray(y, yo1 + L, m1);
        b2.intoArray(y, yo1 + 2 * L, m2);
        b3.intoArray(y, yo1 + 3 * L, m3);
        c0.intoArray(y, yo2, m0);
        c1.intoArray(y, yo2 + L, m1);
        c2.intoArray(y, yo2 + 2 * L, m2);
        c3.intoArray(y, yo2 + 3 * L, m3);
    }

    // Four samples at once (x rows xo, xo + cols, ...; y rows yo, yo + yStride, ...): each weight vector
    // is loaded once and used four times. Only where there are 32 registers (QUADS).
    private static void quad(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int yStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S), d2 = FloatVector.zero(S), d3 = FloatVector.zero(S);
        int xo1 = xo + cols, xo2 = xo1 + cols, xo3 = xo2 + cols;
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[xo + k]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
            FloatVector x2 = FloatVector.broadcast(S, x[xo2 + k]);
            c0 = w0.fma(x2, c0);
            c1 = w1.fma(x2, c1);
            c2 = w2.fma(x2, c2);
            c3 = w3.fma(x2, c3);
            FloatVector x3 = FloatVector.broadcast(S, x[xo3 + k]);
            d0 = w0.fma(x3, d0);
            d1 = w1.fma(x3, d1);
            d2 = w2.fma(x3, d2);
            d3 = w3.fma(x3, d3);
        }
        int yo1 = yo + yStride, yo2 = yo1 + yStride, yo3 = yo2 + yStride;
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + L);
        a2.intoArray(y, yo + 2 * L);
        a3.intoArray(y, yo + 3 * L);
        b0.intoArray(y, yo1);
        b1.intoArray(y, yo1 + L);
        b2.intoArray(y, yo1 + 2 * L);
        b3.intoArray(y, yo1 + 3 * L);
        c0.intoArray(y, yo2);
        c1.intoArray(y, yo2 + L);
        c2.intoArray(y, yo2 + 2 * L);
        c3.intoArray(y, yo2 + 3 * L);
        d0.intoArray(y, yo3);
        d1.intoArray(y, yo3 + L);
        d2.intoArray(y, yo3 + 2 * L);
        d3.intoArray(y, yo3 + 3 * L);
    }

    private static void quadPartial(float[] w, int base, int cols, float[] x, int xo, float[] y, int yo, int yStride,
                                    int valid) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S), b2 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S), d2 = FloatVector.zero(S), d3 = FloatVector.zero(S);
        int xo1 = xo + cols, xo2 = xo1 + cols, xo3 = xo2 + cols;
        for (int k = 0, o = base; k < cols; k++, o += WIDTH) {
            FloatVector w0 = FloatVector.fromArray(S, w, o);
            FloatVector w1 = FloatVector.fromArray(S, w, o + L);
            FloatVector w2 = FloatVector.fromArray(S, w, o + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, o + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, x[xo + k]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            a2 = w2.fma(x0, a2);
            a3 = w3.fma(x0, a3);
            FloatVector x1 = FloatVector.broadcast(S, x[xo1 + k]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            b2 = w2.fma(x1, b2);
            b3 = w3.fma(x1, b3);
            FloatVector x2 = FloatVector.broadcast(S, x[xo2 + k]);
            c0 = w0.fma(x2, c0);
            c1 = w1.fma(x2, c1);
            c2 = w2.fma(x2, c2);
            c3 = w3.fma(x2, c3);
            FloatVector x3 = FloatVector.broadcast(S, x[xo3 + k]);
            d0 = w0.fma(x3, d0);
            d1 = w1.fma(x3, d1);
            d2 = w2.fma(x3, d2);
            d3 = w3.fma(x3, d3);
        }
        VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
        VectorMask<Float> m2 = S.indexInRange(2 * L, valid), m3 = S.indexInRange(3 * L, valid);
        int yo1 = yo + yStride, yo2 = yo1 + yStride, yo3 = yo2 + yStride;
        a0.intoArray(y, yo, m0);
        a1.intoArray(y, yo + L, m1);
        a2.intoArray(y, yo + 2 * L, m2);
        a3.intoArray(y, yo + 3 * L, m3);
        b0.intoArray(y, yo1, m0);
        b1.intoArray(y, yo1 + L, m1);
        b2.intoArray(y, yo1 + 2 * L, m2);
        b3.intoArray(y, yo1 + 3 * L, m3);
        c0.intoArray(y, yo2, m0);
        c1.intoArray(y, yo2 + L, m1);
        c2.intoArray(y, yo2 + 2 * L, m2);
        c3.intoArray(y, yo2 + 3 * L, m3);
        d0.intoArray(y, yo3, m0);
        d1.intoArray(y, yo3 + L, m1);
        d2.intoArray(y, yo3 + 2 * L, m2);
        d3.intoArray(y, yo3 + 3 * L, m3);
    }
}
