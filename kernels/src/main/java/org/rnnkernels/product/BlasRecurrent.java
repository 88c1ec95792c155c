package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.internal.Slices;

/**
 * {@code gh = h * W^T} by BLAS, {@code W [width][H]} off-heap: sgemv for one sample, sgemm for more. A
 * team splits it by samples: each member multiplies its own rows {@code gh[b0:b1, :] = h[b0:b1, :] * W^T}.
 */
final class BlasRecurrent implements RecurrentProduct {
    private final Blas blas;
    private final MemorySegment weights;
    private final int width;
    private final int hidden;

    BlasRecurrent(Blas blas, MemorySegment weights, int width, int hidden) {
        this.blas = blas;
        this.weights = weights;
        this.width = width;
        this.hidden = hidden;
    }

    @Override
    public Bound bind(StepBuffers buffers) {
        return new SampleRows(buffers.hSegment(), buffers.ghSegment(), buffers.batch());
    }

    /**
     * One state's product. A member whose rows start at sample {@code b0 > 0} hands BLAS {@code h} and
     * {@code gh} from that sample on, as slices: a slice made in every call is an object every step where
     * C2 does not remove it (seen without the Vector API: 80 bytes a step on two threads at B = 2). So each
     * is made the first time its sample starts a member's rows and kept ({@link Slices}), at most {@code B} of
     * each. Member {@code m} writes only the entry of its own {@code b0}, and the team's hand-off between steps
     * orders a later step's reads after it.
     */
    private final class SampleRows implements Bound {
        private final Slices hFrom;    // .at(b0): h from sample b0 on
        private final Slices ghFrom;   // .at(b0): gh from sample b0 on

        SampleRows(MemorySegment h, MemorySegment gh, int batch) {
            this.hFrom = new Slices(h, hidden, batch);
            this.ghFrom = new Slices(gh, width, batch);
        }

        // all of W for each sample: sgemv for one, and an sgemm this small is no better a sample
        @Override
        public long weightReads(int rows) {
            return (long) width * hidden * rows;
        }

        @Override
        public void multiply(int rows, int member, int members) {
            int b0 = rows * member / members;
            int b1 = rows * (member + 1) / members;
            if (b1 == b0) {
                return;
            }
            MemorySegment hRows = hFrom.at(b0), ghRows = ghFrom.at(b0);
            if (b1 - b0 == 1) {
                blas.sgemv(Transpose.NO, width, hidden, 1f, weights, 0, hidden, hRows, 0, 0f, ghRows, 0);
            } else {
                blas.sgemm(Transpose.NO, Transpose.YES, b1 - b0, width, hidden,
                        1f, hRows, 0, hidden, weights, 0, hidden, 0f, ghRows, 0, width);
            }
        }
    }
}
