package org.rnnkernels.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 tensor: shape and row-major data. F16, BF16 and F64 files are converted on load.
 *
 * <p>The shape is copied in and out, so the invariant {@code product(shape) == data.length} cannot be
 * broken from outside. The data array is neither copied in nor out: tensors are the payload and may
 * be large. {@code equals} and {@code hashCode} compare contents (NaNs bit-for-bit, as
 * {@link Arrays#equals(float[], float[])} does), which the generated record methods would not.
 *
 * @param shape dimensions, outermost first; {@code []} is a scalar holding one element
 * @param data  row-major elements, {@code product(shape)} of them
 */
public record Tensor(long[] shape, float[] data) {
    public Tensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long count = countOf(shape);
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + (count < 0 ? " overflows a 64-bit element count" : " holds " + count + " elements")
                    + " but data has " + data.length);
        }
    }

    /**
     * The number of elements a shape holds, or -1 if it overflows a long. Any zero dimension makes it
     * zero, however large the others are, so [0, 2^62, 2^62] is a valid empty shape.
     *
     * @throws IllegalArgumentException for a negative dimension
     */
    static long countOf(long[] shape) {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " of shape " + Arrays.toString(shape)
                        + " is negative");
            }
            if (shape[i] == 0) {
                return 0;
            }
        }
        long count = 1;
        for (long dim : shape) {
            if (count > Long.MAX_VALUE / dim) {
                return -1;
            }
            count *= dim;
        }
        return count;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        return data.length;
    }

    /** @throws IndexOutOfBoundsException unless {@code 0 <= i < rank()} */
    public long dim(int i) {
        Objects.checkIndex(i, shape.length);
        return shape[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    /** Shape only: printing the data of a weight matrix would flood a log. */
    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
