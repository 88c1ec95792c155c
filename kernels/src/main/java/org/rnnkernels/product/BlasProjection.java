package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;

/**
 * {@code gi[rows, W] = X[rows, I] * W_ih^T} as one BLAS sgemm over all rows, {@code W_ih [W][I]}
 * off-heap ({@code W = G*H}, or a restricted layer's compact rows).
 *
 * <p>A team splits it by columns of {@code gi}, not by rows: OpenBLAS sums a row differently depending
 * on where it falls in the call (edge kernels for the last {@code M mod 16} rows), so a row split would
 * change bits with the thread count; column blocks of a multiple of 64 mostly leave an element's arithmetic
 * as it was (not always: OpenBLAS's kernels for small calls sum in another order, so a team agrees with one
 * thread to float rounding, {@code ThreadedStepTest}; with the Java BLAS bit for bit).
 *
 * <p>Streaming one step at a time gives exactly the bits of one sequence call when the BLAS computes a
 * row of C the same way whatever the number of rows (the Java BLAS does: each element is one FMA chain
 * over k). OpenBLAS does not: its edge kernels for the last {@code M mod 16} rows sum in another order,
 * so there the two agree to float rounding (a few ulps), not bit for bit. {@code StreamingTest} checks both.
 */
public final class BlasProjection implements InputProjection {
    private final Blas blas;
    private final MemorySegment weights;
    private final int width;
    private final int inputSize;
    // A one-row projection (streaming with B = 1) as sgemv: OpenBLAS's sgemm packs all of W_ih on
    // every call, where sgemv streams it once. Measured, GRU H = I = 256, step() on a loaded machine:
    // 230-340 us per step with sgemm, 43-70 us with sgemv. Not for the Java BLAS, whose sgemm rows
    // are what make streaming bit-identical to one call.
    private final boolean oneRowAsGemv;
    // Rows of gi per sgemm when a call's rows would exceed the BLAS's in-place bound (Blas.inPlaceMultiplyAdds):
    // blocks of whole multiples of 64 rows, each under the bound at the full width W, so that OpenBLAS runs
    // them on the heap arrays without copying X in and gi out (the copy was 19% of a two-thread GRU step's
    // JFR profile at B = 16, H = 256, T = 100; with the split by samples beside it, the layers' times measured
    // no change from the blocks beyond the noise: docs/sample-split.md). Computed from W, not a member's columns, so the blocks (and
    // the bits: OpenBLAS sums a row differently in calls of other sizes) are the same for every team size.
    // When fewer than Blas.MIN_BLOCK_ROWS rows fit (wide layers: 64 at W = 2048, I = 512), no blocks: OpenBLAS packs
    // all of its W_ih columns for every call, which would cost more over so few rows than the copy does.
    private final int rowBlock;

    /** {@code weights}: {@code W_ih [width][inputSize]} row-major, off-heap, owned by the layer. */
    public BlasProjection(Blas blas, MemorySegment weights, int width, int inputSize) {
        this.blas = blas;
        this.weights = weights;
        this.width = width;
        this.inputSize = inputSize;
        this.oneRowAsGemv = blas.info().implementation().equals("openblas");
        this.rowBlock = blas.inPlaceRowBlock((long) width * inputSize);
    }

    @Override
    public InputProjection.Bound bind(int members) {
        return new Bound(members);
    }

    private final class Bound implements InputProjection.Bound {
        private MemorySegment input;
        private int rows;
        private MemorySegment output;
        private final MemberSlices[] slices;

        Bound(int members) {
            this.slices = new MemberSlices[members];
            for (int m = 0; m < members; m++) {
                slices[m] = new MemberSlices();
            }
        }

        @Override
        public void prepare(MemorySegment x, int rows, Scratch gi) {
            this.input = x;
            this.rows = rows;
            this.output = gi.segment();
        }

        // all of W_ih once for every four rows, as the panels count them (an sgemm over many rows shares its loads
        // among more: the figure errs towards sharing a large call, which is worth it anyway)
        @Override
        public long weightReads(int rows) {
            return (long) width * inputSize * Math.ceilDiv(rows, 4);
        }

        // Member m's block of the W columns of gi, for all rows.
        @Override
        public void project(int member, int members) {
            int from = columnSplit(member, members);
            int to = columnSplit(member + 1, members);
            if (to <= from) {
                return;
            }
            MemberSlices s = slices[member];
            s.update(input, output, rows, from);
            if (rows == 1 && oneRowAsGemv) {
                blas.sgemv(Transpose.NO, to - from, inputSize, 1f, s.weightRows, 0, inputSize, input, 0, 0f, s.outputs[0], 0);
                return;
            }
            for (int b = 0; b < s.inputs.length; b++) {
                long r = (long) b * rowBlock;
                blas.sgemm(Transpose.NO, Transpose.YES, (int) Math.min(rowBlock, rows - r), to - from, inputSize,
                        1f, s.inputs[b], 0, inputSize, s.weightRows, 0, inputSize, 0f, s.outputs[b], 0, width);
            }
        }
    }

    /**
     * One member's operands, sliced where its blocks start: a downcall takes a segment, and a slice is an
     * object, so the slices are made when an operand or the shape changes and then reused (a steady stream
     * allocates nothing on any member; measured before: 80 bytes a call on a team's worker).
     */
    private final class MemberSlices {
        private MemorySegment input;
        private MemorySegment output;
        private int rows = -1;
        private int from = -1;
        MemorySegment weightRows;                      // W_ih from row `from` (the member's first column of gi)
        MemorySegment[] inputs = new MemorySegment[0];    // X from row r of each block
        MemorySegment[] outputs = new MemorySegment[0];   // gi from row r, column `from`, of each block

        void update(MemorySegment input, MemorySegment output, int rows, int from) {
            if (from != this.from) {
                this.from = from;
                weightRows = weights.asSlice((long) from * inputSize * Float.BYTES);
                this.output = null;
            }
            if (input == this.input && output == this.output && rows == this.rows) {
                return;
            }
            int blocks = (int) (((long) rows + rowBlock - 1) / rowBlock);
            if (inputs.length != blocks) {
                inputs = new MemorySegment[blocks];
                outputs = new MemorySegment[blocks];
            }
            for (int b = 0; b < blocks; b++) {
                long r = (long) b * rowBlock;
                inputs[b] = input.asSlice(r * inputSize * Float.BYTES);
                outputs[b] = output.asSlice((r * width + from) * Float.BYTES);
            }
            this.input = input;
            this.output = output;
            this.rows = rows;
        }
    }


    private int columnSplit(int member, int members) {
        return member == members ? width : width * member / members / 64 * 64;
    }
}
