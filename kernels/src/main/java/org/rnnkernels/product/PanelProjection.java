package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code gi[rows, W] = X[rows, I] * W_ih^T} by the {@link PanelProduct}, {@code W_ih} packed once into panels on
 * the heap: a layer's input projection where the product shares each weight load across four samples
 * ({@link PanelProduct#samplesPerTile()}, AVX-512), chosen by {@link InputProjection#dense}. Measured on one Zen 5
 * core (native operands for OpenBLAS, no copies): 194-203 GFLOP/s against OpenBLAS's sgemm 173-176 at 200 rows
 * ({@code I = 256}, {@code W = 768, 1024}), 185-186 at 1,600 and 189-192 at 3,200 ({@code I = 512},
 * {@code W = 1536}). In a layer OpenBLAS also runs on the heap arrays in blocks of rows, to keep its calls short
 * ({@link BlasProjection}), packing all of {@code W_ih} again for each block; this reads the caller's array in
 * place, in one call per member.
 *
 * <p>Each element of {@code gi} is one FMA chain over {@code k} in order, whatever the rows of the call and the
 * team's split: a streamed step gives exactly the bits of a sequence call, and a team exactly the bits of one
 * thread.
 */
public final class PanelProjection implements InputProjection {
    private final PanelProduct panels;
    private final float[] packed;
    private final int width;
    private final int inputSize;

    /** {@code w}: {@code W_ih [width][inputSize]} row-major, packed (copied). */
    PanelProjection(PanelProduct panels, float[] w, int width, int inputSize) {
        this.panels = panels;
        this.packed = panels.pack(w, width, inputSize);
        this.width = width;
        this.inputSize = inputSize;
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return new Bound();
    }

    private final class Bound implements InputProjection.Bound {
        // The input when it is not a float array the kernel can read in place (the caller's native segment).
        private final Scratch copy = new Scratch("the panel projection's input copy");
        private float[] x;
        private int xOffset;
        private int rows;
        private float[] gi;

        @Override
        public void prepare(MemorySegment input, int rows, Scratch gi) {
            if (input.heapBase().orElse(null) instanceof float[] array && input.address() % Float.BYTES == 0) {
                this.x = array;
                this.xOffset = (int) (input.address() / Float.BYTES);
            } else {
                long floats = (long) rows * inputSize;
                copy.reserve(floats);         // refuses, naming the scratch, more than one Java array holds
                MemorySegment.copy(input, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, copy.array(), 0, (int) floats);
                this.x = copy.array();
                this.xOffset = 0;
            }
            this.rows = rows;
            this.gi = gi.array();
        }

        @Override
        public long weightReads(int rows) {
            return PanelRecurrent.weightReads(panels, width, inputSize, rows);
        }

        // Member m's panels of W_ih (its columns of gi), over all rows: each panel (I x 4L floats, L the float lanes) is streamed
        // from L2 once per four rows and X once per panel, from wherever it is. Blocks of 256 rows, to keep
        // X in L2 across the panels, measured 1-3% slower at 1,600 rows and level at 3,200 (Zen 5): X's one
        // sequential pass per panel is prefetched well enough.
        @Override
        public void project(int member, int members) {
            int count = panels.panels(width);
            panels.multiply(packed, width, inputSize, rows, x, xOffset, gi, 0, count * member / members,
                    count * (member + 1) / members);
        }
    }
}
