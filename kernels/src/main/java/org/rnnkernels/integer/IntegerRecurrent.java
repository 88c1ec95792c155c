package org.rnnkernels.integer;

import org.rnnkernels.product.RecurrentProduct;

/**
 * An integer layer's recurrent product {@code gh[B][G*H] = w_hh h} as int32 accumulators. Each step first
 * reads the state's floats into integers ({@code h}, and {@code c} for a cell with one): exact for a state an
 * integer step wrote ({@code v 2^-F}), rounded and clamped to [-1, 1] for one set from outside, so the floats
 * stay the state's one true value (streaming, {@code setHidden}, {@code reset} need nothing more). Then a team
 * splits the panels of {@code w_hh}; the cell step writes {@code h} and {@code c} back.
 */
public final class IntegerRecurrent implements RecurrentProduct {
    private final IntegerKernels kernels = IntegerKernels.get();
    private final int[] packed;
    private final int rows;
    private final int hidden;
    private final double scale;
    private final int one;
    private final boolean cellState;

    /** {@code wHh [rows][hidden]} int8; states with {@code fractionBits}; {@code cellState}: the cell has {@code c}. */
    public IntegerRecurrent(byte[] wHh, int rows, int hidden, int fractionBits, boolean cellState) {
        this.packed = kernels.pack(wHh, rows, hidden);
        this.rows = rows;
        this.hidden = hidden;
        this.scale = Math.scalb(1.0, fractionBits);
        this.one = 1 << fractionBits;
        this.cellState = cellState;
    }

    @Override
    public Bound bind(StepBuffers buffers) {
        return new Bound(buffers);
    }

    /** One state's integer {@code h}, {@code c} and accumulators. */
    public final class Bound implements RecurrentProduct.Bound {
        private final StepBuffers buffers;
        private final int stride = kernels.paddedRows(rows);
        final int[] h;
        final int[] c;
        final int[] gh;

        Bound(StepBuffers buffers) {
            this.buffers = buffers;
            this.h = new int[buffers.batch() * hidden];
            this.c = cellState ? new int[buffers.batch() * hidden] : null;
            this.gh = new int[buffers.batch() * stride];
        }

        @Override
        public void prepare(int samples) {
            FixedPoint.quantize(buffers.h(), 0, h, 0, samples * hidden, scale, one);
            if (c != null) {
                FixedPoint.quantize(buffers.c(), 0, c, 0, samples * hidden, scale, one);
            }
        }

        // all of w_hh for each sample. Two threads sharing every step of an integer RAG-GRU at B = 1 (Zen 5): 2.11x one
        // thread's time at H = 128, 1.04x at H = 256, 0.75x at H = 384: where a float product's reads start to pay too.
        @Override
        public long weightReads(int samples) {
            return (long) rows * hidden * samples;
        }

        @Override
        public void multiply(int samples, int member, int members) {
            int panels = kernels.panels(rows);
            kernels.multiply(packed, hidden, samples, h, hidden, gh, stride, panels * member / members, panels * (member + 1) / members);
        }

        int stride() {
            return stride;
        }
    }
}
