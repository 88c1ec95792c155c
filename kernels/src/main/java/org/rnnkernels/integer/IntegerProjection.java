package org.rnnkernels.integer;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.Scratch;

/**
 * An integer layer's input projection: the call's {@code T*B} input rows quantised on entry to {@code F}
 * fractional bits (saturating at {@code +-2^inputBits}), then {@code gi[rows][G*H] = w_ih x} as int32
 * accumulators ({@link IntegerKernels}), rescaled later by the cell step. The float scratch the driver
 * gives is not used: this part keeps its int scratch in its {@link Bound}, grown to the largest call.
 * A team splits the panels of {@code w_ih}.
 */
public final class IntegerProjection implements InputProjection {
    private final IntegerKernels kernels = IntegerKernels.get();
    private final int[] packed;
    private final int rows;
    private final int cols;
    private final double scale;
    private final int limit;

    /** {@code wIh [rows][cols]} int8; inputs quantised with {@code fractionBits}, saturating at {@code 2^(F + inputBits)}. */
    public IntegerProjection(byte[] wIh, int rows, int cols, int fractionBits, int inputBits) {
        this.packed = kernels.pack(wIh, rows, cols);
        this.rows = rows;
        this.cols = cols;
        this.scale = Math.scalb(1.0, fractionBits);
        this.limit = 1 << (fractionBits + inputBits);
    }

    @Override
    public Bound bind(int members) {
        return new Bound();
    }

    /** One state's quantised inputs and accumulators. */
    public final class Bound implements InputProjection.Bound {
        private final int stride = kernels.paddedRows(rows);
        private int[] x = new int[0];
        private int[] gi = new int[0];
        private int samples;

        @Override
        public void prepare(MemorySegment input, int samples, Scratch unused) {
            long accumulators = (long) samples * stride;
            if (accumulators > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the integer input projection needs " + accumulators
                        + " ints, more than one Java array holds: run the sequence in shorter chunks");
            }
            if (x.length < samples * cols) {
                x = new int[samples * cols];
            }
            if (gi.length < accumulators) {
                gi = new int[(int) accumulators];
            }
            FixedPoint.quantize(input, x, samples * cols, scale, limit);
            this.samples = samples;
        }

        // all of w_ih for each sample, as IntegerRecurrent counts its own
        @Override
        public long weightReads(int samples) {
            return (long) rows * cols * samples;
        }

        @Override
        public void project(int member, int members) {
            int panels = kernels.panels(rows);
            kernels.multiply(packed, cols, samples, x, cols, gi, stride, panels * member / members, panels * (member + 1) / members);
        }

        /** The accumulators, {@code [rows][stride]}: read after {@link #project}, before the next {@link #prepare}. */
        int[] accumulators() {
            return gi;
        }

        int stride() {
            return stride;
        }
    }
}
