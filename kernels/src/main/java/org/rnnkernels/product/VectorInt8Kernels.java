package org.rnnkernels.product;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API int8 x float products: a panel of {@code 4L} rows in four float accumulators; per column one
 * broadcast of {@code x[k]}, and per block of {@code L} rows one load of {@code L} int8 weights widened to
 * float lanes ({@code ByteVector.convertShape(B2F)}: {@code vpmovsxbd} + {@code vcvtdq2ps} on x86) and one
 * FMA. Per {@code 4L} multiply-adds: 4 loads, 4 widenings, 4 FMAs, 1 broadcast.
 *
 * <p>The Vector API has no int8 dot product (no VNNI {@code vpdpbusd}). Considered and not taken:
 * dynamic int8 activations with 16-bit products ({@code ShortVector}, exact for int8 x int8 but two
 * products overflow int16, so every product must be widened to int before it is added: more operations
 * per weight than one FMA, and an activation quantisation error on top); the integer layers' packing of
 * four weights to an int, unpacked by shifts (7 shifts per {@code 4L} weights, then 4 int-to-float
 * conversions: more operations than 4 byte widenings); both counted, not timed. Measured (this formulation,
 * {@code Int8Benchmark}, GRU B = 1, H = 512, 512-bit AVX-512 EPYC, load 1.2-1.6): 34.5 us per sequence step,
 * where reading {@code W_hh}'s 768 KiB of int8 takes about 8.7 us: 4x above the weight-bytes floor, bound by the
 * widening and the FMA chains, not by memory (docs/int8.md has the tables).
 *
 * <p>Where no byte species of {@code L} lanes exists ({@code L = 4}, the 128-bit shape has no 32-bit byte
 * vector), one 8-byte load gives two float vectors (parts 0 and 1 of the conversion); the code is the same
 * at every width, so the 128-bit test run covers it.
 */
final class VectorInt8Kernels extends Int8Kernels {
    private static final VectorSpecies<Float> FLOATS = FloatLanes.SPECIES;
    private static final int L = FLOATS.length();
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * L)));
    // Float vectors per byte load: 1, or 2 at L = 4
    private static final int PARTS = BYTES.length() / L;
    // Where block e (rows e*L .. e*L+L-1) of a panel column starts: its byte load's offset and its part of it
    private static final int LOAD1 = (1 - 1 % PARTS) * L;
    private static final int LOAD2 = 2 * L;
    private static final int LOAD3 = (3 - 3 % PARTS) * L;
    private static final int PART1 = 1 % PARTS;
    private static final int PART3 = 3 % PARTS;

    @Override
    int lanes() {
        return L;
    }

    @Override
    boolean quads() {
        return L >= 16;
    }

    // Part `part` of the bytes loaded at `offset`, as floats (small enough to inline: it returns a vector).
    private static FloatVector widen(byte[] packed, int offset, int part) {
        return (FloatVector) ByteVector.fromArray(BYTES, packed, offset).convertShape(VectorOperators.B2F, FLOATS, part);
    }

    // acc_e = fma(q_e, x[k], acc_e), k in order. The accumulators start from zero() made here (a loop phi
    // merging a static vector constant boxes).
    @Override
    void panel(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int xOffset,
               float[] y, int yOffset) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        for (int k = 0, o = base; k < cols; k++, o += 4 * L) {
            FloatVector xv = FloatVector.broadcast(FLOATS, x[xOffset + k]);
            a0 = widen(packed, o, 0).fma(xv, a0);
            a1 = widen(packed, o + LOAD1, PART1).fma(xv, a1);
            a2 = widen(packed, o + LOAD2, 0).fma(xv, a2);
            a3 = widen(packed, o + LOAD3, PART3).fma(xv, a3);
        }
        a0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, yOffset);
        a1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, yOffset + L);
        a2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, yOffset + 2 * L);
        a3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, yOffset + 3 * L);
    }

    // Two samples: each widened weight vector feeds both; 8 accumulators, 4 weights and 2 broadcasts fit
    // AVX2's 16 registers.
    @Override
    void panelPair(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int x0, int x1,
                   float[] y, int y0, int y1) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        for (int k = 0, o = base; k < cols; k++, o += 4 * L) {
            FloatVector xa = FloatVector.broadcast(FLOATS, x[x0 + k]);
            FloatVector xb = FloatVector.broadcast(FLOATS, x[x1 + k]);
            FloatVector w0 = widen(packed, o, 0);
            a0 = w0.fma(xa, a0);
            b0 = w0.fma(xb, b0);
            FloatVector w1 = widen(packed, o + LOAD1, PART1);
            a1 = w1.fma(xa, a1);
            b1 = w1.fma(xb, b1);
            FloatVector w2 = widen(packed, o + LOAD2, 0);
            a2 = w2.fma(xa, a2);
            b2 = w2.fma(xb, b2);
            FloatVector w3 = widen(packed, o + LOAD3, PART3);
            a3 = w3.fma(xa, a3);
            b3 = w3.fma(xb, b3);
        }
        a0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y0);
        a1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y0 + L);
        a2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y0 + 2 * L);
        a3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y0 + 3 * L);
        b0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y1);
        b1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y1 + L);
        b2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y1 + 2 * L);
        b3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y1 + 3 * L);
    }

    // Four samples: each widened weight vector feeds four; 16 accumulators, 4 weights and 4 broadcasts fit the 32
    // registers of AVX-512 (only called there: quads()). Per 4L rows and 4 samples: 4 widenings for 16 FMAs.
    // The stores are written out: a helper taking the vectors, where C2 did not inline it, boxed them
    // (measured: 370 KB allocated per GRU step at H = 256).
    @Override
    void panelQuad(byte[] packed, int base, int cols, float[] scales, int scaleOffset, float[] x, int x0, int xStride,
                   float[] y, int y0, int yStride) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        FloatVector b0 = FloatVector.zero(FLOATS);
        FloatVector b1 = FloatVector.zero(FLOATS);
        FloatVector b2 = FloatVector.zero(FLOATS);
        FloatVector b3 = FloatVector.zero(FLOATS);
        FloatVector c0 = FloatVector.zero(FLOATS);
        FloatVector c1 = FloatVector.zero(FLOATS);
        FloatVector c2 = FloatVector.zero(FLOATS);
        FloatVector c3 = FloatVector.zero(FLOATS);
        FloatVector d0 = FloatVector.zero(FLOATS);
        FloatVector d1 = FloatVector.zero(FLOATS);
        FloatVector d2 = FloatVector.zero(FLOATS);
        FloatVector d3 = FloatVector.zero(FLOATS);
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        for (int k = 0, o = base; k < cols; k++, o += 4 * L) {
            FloatVector xa = FloatVector.broadcast(FLOATS, x[x0 + k]);
            FloatVector xb = FloatVector.broadcast(FLOATS, x[x1 + k]);
            FloatVector xc = FloatVector.broadcast(FLOATS, x[x2 + k]);
            FloatVector xd = FloatVector.broadcast(FLOATS, x[x3 + k]);
            FloatVector w0 = widen(packed, o, 0);
            a0 = w0.fma(xa, a0);
            b0 = w0.fma(xb, b0);
            c0 = w0.fma(xc, c0);
            d0 = w0.fma(xd, d0);
            FloatVector w1 = widen(packed, o + LOAD1, PART1);
            a1 = w1.fma(xa, a1);
            b1 = w1.fma(xb, b1);
            c1 = w1.fma(xc, c1);
            d1 = w1.fma(xd, d1);
            FloatVector w2 = widen(packed, o + LOAD2, 0);
            a2 = w2.fma(xa, a2);
            b2 = w2.fma(xb, b2);
            c2 = w2.fma(xc, c2);
            d2 = w2.fma(xd, d2);
            FloatVector w3 = widen(packed, o + LOAD3, PART3);
            a3 = w3.fma(xa, a3);
            b3 = w3.fma(xb, b3);
            c3 = w3.fma(xc, c3);
            d3 = w3.fma(xd, d3);
        }
        a0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y0);
        a1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y0 + L);
        a2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y0 + 2 * L);
        a3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y0 + 3 * L);
        b0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y0 + yStride);
        b1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y0 + yStride + L);
        b2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y0 + yStride + 2 * L);
        b3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y0 + yStride + 3 * L);
        c0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y0 + 2 * yStride);
        c1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y0 + 2 * yStride + L);
        c2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y0 + 2 * yStride + 2 * L);
        c3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y0 + 2 * yStride + 3 * L);
        d0.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset)).intoArray(y, y0 + 3 * yStride);
        d1.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + L)).intoArray(y, y0 + 3 * yStride + L);
        d2.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 2 * L)).intoArray(y, y0 + 3 * yStride + 2 * L);
        d3.mul(FloatVector.fromArray(FLOATS, scales, scaleOffset + 3 * L)).intoArray(y, y0 + 3 * yStride + 3 * L);
    }
}
