package org.rnnkernels.integer;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API integer products: a panel of {@code 4L} rows in four int accumulators, one broadcast of
 * {@code x[k]} and one load of {@code L} packed ints (4L weights) per column, each weight byte
 * sign-extended in its lane by shifts. Width-independent (ints of the float species' shape), so the
 * 128-bit run tests the same code. Per {@code 4L} multiply-adds: 1 load, 1 broadcast, 7 shifts, 4
 * multiplies and 4 adds; the weights are 1 byte each in memory.
 *
 * <p>Considered: widening by {@code ByteVector.convertShape(B2I)} from an {@code L}-byte load (one
 * {@code vpmovsxbd} per {@code L} weights, fewer operations), but there is no 32-bit byte species for the
 * 128-bit shape; and 16-bit products ({@code ShortVector}), which are exact only for int8 activations.
 */
final class VectorIntegerKernels extends IntegerKernels {
    private static final VectorSpecies<Integer> INTS = FloatLanes.SPECIES.withLanes(int.class);
    private static final int L = INTS.length();

    @Override
    int lanes() {
        return L;
    }

    // acc_e += sext(byte e of w) * x[k]: byte e to the top by a left shift (24 - 8e), back by an arithmetic one.
    // The accumulators start from zero() made here (a loop phi merging a static vector constant boxes).
    @Override
    void panel(int[] packed, int base, int cols, int[] x, int xOffset, int[] y, int yOffset) {
        IntVector a0 = IntVector.zero(INTS);
        IntVector a1 = IntVector.zero(INTS);
        IntVector a2 = IntVector.zero(INTS);
        IntVector a3 = IntVector.zero(INTS);
        for (int k = 0, w = base; k < cols; k++, w += L) {
            IntVector v = IntVector.fromArray(INTS, packed, w);
            IntVector xv = IntVector.broadcast(INTS, x[xOffset + k]);
            a0 = a0.add(v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).mul(xv));
            a1 = a1.add(v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).mul(xv));
            a2 = a2.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).mul(xv));
            a3 = a3.add(v.lanewise(VectorOperators.ASHR, 24).mul(xv));
        }
        a0.intoArray(y, yOffset);
        a1.intoArray(y, yOffset + L);
        a2.intoArray(y, yOffset + 2 * L);
        a3.intoArray(y, yOffset + 3 * L);
    }

    // Two samples: each unpacked weight vector feeds both (7 shifts per column instead of 14); 8 accumulators,
    // the unpacked weights and the two broadcasts fit AVX2's 16 registers.
    @Override
    void panelPair(int[] packed, int base, int cols, int[] x, int x0, int x1, int[] y, int y0, int y1) {
        IntVector a0 = IntVector.zero(INTS);
        IntVector a1 = IntVector.zero(INTS);
        IntVector a2 = IntVector.zero(INTS);
        IntVector a3 = IntVector.zero(INTS);
        IntVector b0 = IntVector.zero(INTS);
        IntVector b1 = IntVector.zero(INTS);
        IntVector b2 = IntVector.zero(INTS);
        IntVector b3 = IntVector.zero(INTS);
        for (int k = 0, w = base; k < cols; k++, w += L) {
            IntVector v = IntVector.fromArray(INTS, packed, w);
            IntVector xa = IntVector.broadcast(INTS, x[x0 + k]);
            IntVector xb = IntVector.broadcast(INTS, x[x1 + k]);
            IntVector w0 = v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
            a0 = a0.add(w0.mul(xa));
            b0 = b0.add(w0.mul(xb));
            IntVector w1 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24);
            a1 = a1.add(w1.mul(xa));
            b1 = b1.add(w1.mul(xb));
            IntVector w2 = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24);
            a2 = a2.add(w2.mul(xa));
            b2 = b2.add(w2.mul(xb));
            IntVector w3 = v.lanewise(VectorOperators.ASHR, 24);
            a3 = a3.add(w3.mul(xa));
            b3 = b3.add(w3.mul(xb));
        }
        a0.intoArray(y, y0);
        a1.intoArray(y, y0 + L);
        a2.intoArray(y, y0 + 2 * L);
        a3.intoArray(y, y0 + 3 * L);
        b0.intoArray(y, y1);
        b1.intoArray(y, y1 + L);
        b2.intoArray(y, y1 + 2 * L);
        b3.intoArray(y, y1 + 3 * L);
    }
}
