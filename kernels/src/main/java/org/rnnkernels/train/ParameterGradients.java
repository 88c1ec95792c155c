package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.rnnkernels.CellType;

/**
 * The parameter gradients of one {@link TrainingLayer}, accumulated by {@link TrainingLayer#backward}:
 * every call adds its sequence's gradients, so several sequences or chunks of a stream sum up until
 * {@link #zero()}. Shapes are the layer's PyTorch layout: {@code dWIh [G*H][I]}, {@code dWHh [G*H][H]},
 * {@code dBIh, dBHh [G*H]}, and for the multiplicative-integration cells {@code dAlpha, dBeta1,
 * dBeta2 [G*H]} (null for the other cells), for EGRU {@code dTheta [H]}, and for a restricted layer the
 * pool's {@code dPool [d_r][k]} and {@code dBiasPool [d_r]}: the sums of the dense matrices' gradients
 * over every entry sliced from each pool entry (null for dense layers). A restricted layer's dense
 * gradients ({@link #weightIh()} etc.) are those of its expanded matrices, accumulated likewise; they
 * are not among its {@code parameters(...)}, so only {@link #zero()} resets them (as
 * {@link TrainingModel#zeroGradients()} does), not {@link Gradients#zero}.
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
    final float[] dTheta;       // EGRU only
    final float[] dPool;        // restricted only
    final float[] dBiasPool;    // restricted with biases only
    final int poolRows;         // 0 for a dense layer
    // Restricted only: one backward call's dense gradients, before they are folded into the pool
    final float[] callWIh;
    final float[] callWHh;
    final float[] callBIh;
    final float[] callBHh;
    final MemorySegment callWIhSegment;
    final MemorySegment callWHhSegment;
    final MemorySegment callBIhSegment;
    final MemorySegment callBHhSegment;
    final MemorySegment dThetaSegment;
    // Wrapped once, so that the weight-gradient products allocate nothing per call.
    final MemorySegment dWIhSegment;
    final MemorySegment dWHhSegment;
    final MemorySegment dBIhSegment;
    final MemorySegment dBHhSegment;

    ParameterGradients(CellType type, int inputSize, int hiddenSize) {
        this(type, inputSize, hiddenSize, 0, false);
    }

    /** {@code poolRows > 0}: a restricted layer's, with a pool {@code [poolRows][max(I, H)]} (and a bias pool). */
    ParameterGradients(CellType type, int inputSize, int hiddenSize, int poolRows, boolean biasPool) {
        this.type = type;
        this.poolRows = poolRows;
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
        dTheta = type.eventBased() ? new float[hiddenSize] : null;
        dThetaSegment = dTheta == null ? null : MemorySegment.ofArray(dTheta);
        boolean restricted = poolRows > 0;
        dPool = restricted ? new float[Math.multiplyExact(poolRows, Math.max(inputSize, hiddenSize))] : null;
        dBiasPool = restricted && biasPool ? new float[poolRows] : null;
        callWIh = restricted ? new float[dWIh.length] : null;
        callWHh = restricted ? new float[dWHh.length] : null;
        callBIh = restricted ? new float[rows] : null;
        callBHh = restricted ? new float[rows] : null;
        callWIhSegment = restricted ? MemorySegment.ofArray(callWIh) : null;
        callWHhSegment = restricted ? MemorySegment.ofArray(callWHh) : null;
        callBIhSegment = restricted ? MemorySegment.ofArray(callBIh) : null;
        callBHhSegment = restricted ? MemorySegment.ofArray(callBHh) : null;
    }

    /** Back to zero, for the next accumulation. */
    public ParameterGradients zero() {
        for (float[] a : new float[][] {dWIh, dWHh, dBIh, dBHh, dAlpha, dBeta1, dBeta2, dTheta, dPool, dBiasPool}) {
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

    /** {@code dL/dtheta [H]} of an EGRU's thresholds (live), null for the other cells. */
    public float[] theta() {
        return dTheta;
    }

    /** {@code dL/dP [d_r][k]} of a restricted layer's pool (live), null for a dense layer. */
    public float[] pool() {
        return dPool;
    }

    /** {@code dL/d(bias pool) [d_r]} of a restricted layer with biases (live), null otherwise. */
    public float[] biasPool() {
        return dBiasPool;
    }

    public CellType cellType() {
        return type;
    }
}
