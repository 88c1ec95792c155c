package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;

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
        MemorySegment h = buffers.hSegment();
        MemorySegment gh = buffers.ghSegment();
        return (rows, member, members) -> multiply(h, gh, rows, member, members);
    }

    void multiply(MemorySegment h, MemorySegment gh, int rows, int member, int members) {
        int b0 = rows * member / members;
        int b1 = rows * (member + 1) / members;
        if (b1 - b0 == 1) {
            blas.sgemv(Transpose.NO, width, hidden, 1f, weights, 0, hidden,
                    h, (long) b0 * hidden, 0f, gh, (long) b0 * width);
        } else if (b1 > b0) {
            blas.sgemm(Transpose.NO, Transpose.YES, b1 - b0, width, hidden,
                    1f, h, (long) b0 * hidden, hidden, weights, 0, hidden,
                    0f, gh, (long) b0 * width, width);
        }
    }
}
