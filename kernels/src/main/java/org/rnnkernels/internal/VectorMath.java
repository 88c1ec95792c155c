package org.rnnkernels.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vectorized {@code exp}, {@code sigm} and {@code tanh} for the gate passes, from FMAs, adds, integer
 * minimums, bit shifts and one blend only, so they cost the same on every vector width and never fall back
 * to a scalar call per lane. Not the Vector API's own {@code lanewise(EXP)}: C2 compiles that to a call into
 * SVML while the interpreter and C1 compute it with {@code Math.exp}, so its results change with
 * the JIT tier (a streaming test caught a one-ulp difference during warm-up). These operations are
 * IEEE adds, multiplies, divides and fused multiply-adds and exact integer operations, the same bits in
 * every tier.
 *
 * <p>Error bounds (checked by {@code VectorMathTest} over the whole float range, including
 * subnormals, large magnitudes and infinities, against {@code Math} in double):
 * <ul>
 *   <li>{@link #sigm}: absolute error at most {@value #SIGM_MAX_ABS_ERROR};</li>
 *   <li>NaN in gives NaN out.</li>
 * </ul>
 * The cells take tanh as {@code 2 sigm(2x) - 1} (one exp call site, {@code cell.VectorOps.activate}), so its
 * absolute error is at most twice that plus the rounding of the subtraction. Both are well inside the 2e-6
 * that {@code CELLS.md} allows an approximation.
 *
 * <p>Internal, shared by the Vector API code of every package (the cells' gate passes, the ternary
 * gates, LightRNN's softmax), so that all use these functions and their tested bounds. Like every Vector API class here, touch it only when
 * {@link org.rnnkernels.simd.Simd#kind()} is {@code VECTOR}.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
    public static final double SIGM_MAX_ABS_ERROR = 3e-7;

    // exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n*ln 2 in [-ln2/2, ln2/2].
    // ln 2 is split in two so n*LN2_HI is exact (Cody-Waite): r keeps full precision.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    // exp(88) = 1.65e38 still has a normal 2^n (n <= 127); exp(-87) keeps n >= -126.
    private static final float EXP_HI = 88.0f;
    private static final float EXP_LO = -87.0f;
    // Cephes expf minimax polynomial for exp(r) = 1 + r + r^2 * P(r) on [-ln2/2, ln2/2] (~1 ulp).
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    // Constant vectors, made once: a broadcast written in a loop body is a chain of a dozen inlined
    // methods in C2's graph, and the graph's size is what limits the gate loops (see org.rnnkernels.cell.GatePass).
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    private static final FloatVector NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector LOG2E_V = FloatVector.broadcast(S, LOG2E);
    private static final FloatVector P0_V = FloatVector.broadcast(S, P0);
    private static final FloatVector P1_V = FloatVector.broadcast(S, P1);
    private static final FloatVector P2_V = FloatVector.broadcast(S, P2);
    private static final FloatVector P3_V = FloatVector.broadcast(S, P3);
    private static final FloatVector P4_V = FloatVector.broadcast(S, P4);
    private static final FloatVector P5_V = FloatVector.broadcast(S, P5);
    private static final FloatVector ROUND_MAGIC_V = FloatVector.broadcast(S, ROUND_MAGIC);
    private static final IntVector EXPONENT_BIAS = IntVector.broadcast(INTS, ROUND_MAGIC_BITS - 127);
    private static final IntVector EXP_HI_BITS = IntVector.broadcast(INTS, Float.floatToRawIntBits(EXP_HI));
    private static final IntVector EXP_LO_BITS = IntVector.broadcast(INTS, Float.floatToRawIntBits(EXP_LO));

    private VectorMath() {
    }

    /**
     * {@code exp(x)}, with {@code x} clamped to [-87, 88]: relative error ~1 ulp inside that range; NaN stays NaN.
     *
     * <p>The clamp works on the bit patterns, two integer minimums: as unsigned integers the non-negative floats
     * lie below every negative one and a negative float grows with its magnitude, so {@code umin(bits, bits(-87))}
     * lifts every {@code x < -87} to -87 and leaves the rest; as signed integers every negative float lies below
     * every non-negative one and those grow with the value, so {@code min(bits, bits(88))} then lowers every
     * {@code x > 88}. A NaN comes out of that as -87 or 88 and is put back at the end. Java's float {@code max}
     * and {@code min} (NaN and signed zeros ordered) compile to several instructions each: with them the whole
     * {@code exp} took 0.38 ns an element, with this 0.26 (Zen 5, 512-bit, one thread, an L1-resident array).
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector in = x;
        x = x.reinterpretAsInts().lanewise(VectorOperators.UMIN, EXP_LO_BITS).min(EXP_HI_BITS).reinterpretAsFloats();
        FloatVector shifted = x.fma(LOG2E_V, ROUND_MAGIC_V);          // ROUND_MAGIC + round(x * log2 e)
        FloatVector n = shifted.sub(ROUND_MAGIC_V);
        FloatVector r = n.fma(NEG_LN2_HI, x);                     // r = x - n*ln2, in two exact steps
        r = n.fma(NEG_LN2_LO, r);
        FloatVector p = r.fma(P0_V, P1_V).fma(r, P2_V).fma(r, P3_V).fma(r, P4_V).fma(r, P5_V);
        FloatVector r2 = r.mul(r);
        FloatVector expR = p.fma(r2, r).add(ONE);                  // 1 + r + r^2 * P(r)
        // 2^n from the integer in shifted's low bits: (n + 127) << 23 is the float's bit pattern.
        FloatVector scale = shifted.reinterpretAsInts()
                .sub(EXPONENT_BIAS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return expR.mul(scale).blend(in, in.compare(VectorOperators.NE, in));   // NaN != NaN
    }

    /** {@code sigm(x) = 1 / (1 + exp(-x))}. */
    public static FloatVector sigm(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }
}
