package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.CellType;

/**
 * The parameter gradients of one {@link TrainingLayer}, accumulated by {@link TrainingLayer#backward}:
 * every call adds its sequence's gradients, so several sequences or chunks of a stream sum up until
 * {@link #zero()}. Shapes are the layer's PyTorch layout: {@code dWIh [G*H][I]}, {@code dWHh [G*H][H]},
 * {@code dBIh, dBHh [G*H]}, and for the multiplicative-integration cells {@code dAlpha, dBeta1,
 * dBeta2 [G*H]} (null for the other cells).
 *
 * <p>The accessors return the live arrays, not copies, so an optimiser can read them in place.
 * Belongs to one caller: not thread-safe.
 */
public final class ParameterGradients {
    final CellType type;
    final int inputSize;
    final int hiddenSize;
    final float[] dWIh;
    final float[] dWHh;
    final float[] dBIh;
    final float[] dBHh;
    final float[] dAlpha;
    final float[] dBeta1;
    final float[] dBeta2;
    // Wrapped once, so that the weight-gradient products allocate nothing per call.
    final MemorySegment dWIhSegment;
    final MemorySegment dWHhSegment;
    final MemorySegment dBIhSegment;
    final MemorySegment dBHhSegment;

    ParameterGradients(CellType type, int inputSize, int hiddenSize) {
        this.type = type;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        int rows = type.gates() * hiddenSize;
        dWIh = new float[Math.multiplyExact(rows, inputSize)];
        dWHh = new float[Math.multiplyExact(rows, hiddenSize)];
        dBIh = new float[rows];
        dBHh = new float[rows];
        boolean mi = type.multiplicative();
        dAlpha = mi ? new float[rows] : null;
        dBeta1 = mi ? new float[rows] : null;
        dBeta2 = mi ? new float[rows] : null;
        dWIhSegment = MemorySegment.ofArray(dWIh);
        dWHhSegment = MemorySegment.ofArray(dWHh);
        dBIhSegment = MemorySegment.ofArray(dBIh);
        dBHhSegment = MemorySegment.ofArray(dBHh);
    }

    /** Back to zero, for the next accumulation. */
    public ParameterGradients zero() {
        for (float[] a : new float[][] {dWIh, dWHh, dBIh, dBHh, dAlpha, dBeta1, dBeta2}) {
            if (a != null) {
                Arrays.fill(a, 0f);
            }
        }
        return this;
    }

    /** {@code dL/dW_ih}, {@code [G*H][I]} row-major (live). */
    public float[] weightIh() {
        return dWIh;
    }

    /** {@code dL/dW_hh}, {@code [G*H][H]} row-major (live). */
    public float[] weightHh() {
        return dWHh;
    }

    /** {@code dL/db_ih}, {@code [G*H]} (live; accumulated also for a layer without biases). */
    public float[] biasIh() {
        return dBIh;
    }

    /** {@code dL/db_hh}, {@code [G*H]} (live). */
    public float[] biasHh() {
        return dBHh;
    }

    /** {@code dL/dalpha [G*H]} of a multiplicative-integration cell (live), null for the other cells. */
    public float[] alpha() {
        return dAlpha;
    }

    /** {@code dL/dbeta1 [G*H]} (live), null for non-MI cells. */
    public float[] beta1() {
        return dBeta1;
    }

    /** {@code dL/dbeta2 [G*H]} (live), null for non-MI cells. */
    public float[] beta2() {
        return dBeta2;
    }

    public CellType cellType() {
        return type;
    }
}
