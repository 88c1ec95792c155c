package org.rnnkernels.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vectorized {@code exp}, {@code sigm} and {@code tanh} for the gate passes, from FMAs, adds, one division, integer
 * minimums, bit operations and one blend only, so they cost the same on every vector width and never fall back
 * to a scalar call per lane. Not the Vector API's own {@code lanewise(EXP)} or {@code lanewise(TANH)}: C2 compiles
 * those to calls into SVML while the interpreter and C1 compute them with {@code Math}, so their results change
 * with the JIT tier (a streaming test caught a one-ulp difference during warm-up). These operations are IEEE
 * adds, multiplies, divides and fused multiply-adds and exact integer operations, the same bits in every tier.
 *
 * <p>Error bounds (checked by {@code VectorMathTest} over the whole float range, including
 * subnormals, large magnitudes and infinities, against {@code Math} in double):
 * <ul>
 *   <li>{@link #activate} with {@code tanh}: absolute error at most {@value #TANH_MAX_ABS_ERROR};</li>
 *   <li>{@link #activate} with {@code sigm}: absolute error at most {@value #SIGM_MAX_ABS_ERROR};</li>
 *   <li>{@link #exp}: relative error about 1 ulp on [-87, 88];</li>
 *   <li>NaN in gives NaN out.</li>
 * </ul>
 * All well inside the 2e-6 that {@code CELLS.md} allows an approximation.
 *
 * <p>Internal, shared by the Vector API code of every package (the cells' gate passes, the ternary
 * gates, LightRNN's softmax), so that all use these functions and their tested bounds. Like every Vector API class here, touch it only when
 * {@link org.rnnkernels.simd.Simd#kind()} is {@code VECTOR}.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
    public static final double TANH_MAX_ABS_ERROR = 4e-7;
    public static final double SIGM_MAX_ABS_ERROR = 2.5e-7;

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

    // tanh(x) ~ x P(x^2) / Q(x^2) on [-9, 9], P and Q of degree 4: a minimax fit made for this library
    // (docs/fits/tanh_rational.py), error 1.9e-8 in exact arithmetic and 3.4e-7 evaluated in float as below.
    // Beyond 9 the argument is clamped to 9: float tanh(9) rounds to 1 - 6e-8 and 1 - tanh(9) = 3.0e-8.
    // Public for the gate passes that write this function out themselves, several chains side by side (the GRU
    // and LSTM inference passes, org.rnnkernels.cell.VectorGru and VectorLstm), so that they compute exactly what
    // activate computes.
    public static final FloatVector TANH_P0 = FloatVector.broadcast(S, 9.999998808e-01f);
    public static final FloatVector TANH_P1 = FloatVector.broadcast(S, 1.337320060e-01f);
    public static final FloatVector TANH_P2 = FloatVector.broadcast(S, 3.486581845e-03f);
    public static final FloatVector TANH_P3 = FloatVector.broadcast(S, 2.047172711e-05f);
    public static final FloatVector TANH_P4 = FloatVector.broadcast(S, 1.318392862e-08f);
    public static final FloatVector TANH_Q1 = FloatVector.broadcast(S, 4.670649767e-01f);
    public static final FloatVector TANH_Q2 = FloatVector.broadcast(S, 2.584198676e-02f);
    public static final FloatVector TANH_Q3 = FloatVector.broadcast(S, 3.271380556e-04f);
    public static final FloatVector TANH_Q4 = FloatVector.broadcast(S, 7.702572589e-07f);
    /** A float's magnitude bits, its sign bit, and 9's bits: {@code |x|} clamped to 9 on the bit patterns. */
    public static final IntVector MAGNITUDE_BITS = IntVector.broadcast(INTS, 0x7fffffff);
    public static final IntVector SIGN_BITS = IntVector.broadcast(INTS, 0x80000000);
    public static final IntVector TANH_CLAMP_BITS = IntVector.broadcast(INTS, Float.floatToRawIntBits(9f));
    /** 1/2: {@code sigm(x) = 1/2 + tanh(x/2) / 2}, the scale and the shift. */
    public static final FloatVector HALF = FloatVector.broadcast(S, 0.5f);
    private static final FloatVector MINUS_ZERO = FloatVector.broadcast(S, -0f);

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

    /**
     * {@code a[i] = tanh(a[i])}, or {@code sigm(a[i])} when {@code tanh} is false, in place over {@code from .. to-1},
     * a whole number of vectors ({@code to - from} a multiple of the lane count).
     *
     * <p>{@code tanh(x) = x P(x^2) / Q(x^2)} with {@code |x|} clamped to 9 (constants above), and
     * {@code sigm(x) = 1/2 + tanh(x/2) / 2}: {@code act(x) = scale * tanh(scale * x) + shift} with the scale and the
     * shift as operands (1 and -0 for tanh, 1/2 and 1/2 for sigm), so one loop does both and the cells keep one call site. {@code -0} as tanh's shift keeps every value, {@code -0}
     * included. The clamp works on the bit patterns (the magnitude's bits, an integer minimum, the sign put back):
     * Java's float {@code min} orders NaN and signed zeros and compiles to several instructions. A NaN comes out of
     * the clamp as 9 and is put back at the end.
     *
     * <p>Two vectors a step, their operations interleaved in the source. Each vector's chain is 13 dependent
     * operations (~45 cycles), and C2 emits a loop body's chains one after the other in source order; with one
     * vector a step the core overlapped too few of them to keep the FMA pipes busy (my reading of the figures, not
     * measured with counters). In a harness (Zen 5, 512-bit, L1-resident arrays) the rational tanh took 0.25 ns an
     * element one vector a step and 0.15 two interleaved; the five activations of an LSTM step (B = 16, H = 256)
     * 6.4 us as {@code 1 / (1 + exp(-x))} one vector a step (what this replaced), 4.2 us as here. With an odd number
     * of vectors the last step computes its one vector twice (the second load and store at the same place), so that
     * every unit is computed by the same operations wherever a range starts.
     */
    public static void activate(float[] a, int from, int to, boolean tanh) {
        FloatVector scale = tanh ? ONE : HALF;
        FloatVector shift = tanh ? MINUS_ZERO : HALF;
        int lanes = S.length();
        if (((to - from) & (lanes - 1)) != 0 || to < from) {   // else the pair's second vector would pass `to`
            throw new IllegalArgumentException("activate over " + from + " .. " + to + ": not a whole number of "
                    + lanes + "-lane vectors");
        }
        for (int i = from; i < to; i += 2 * lanes) {
            int j = i + lanes < to ? i + lanes : i;
            FloatVector x = FloatVector.fromArray(S, a, i);
            FloatVector y = FloatVector.fromArray(S, a, j);
            IntVector xBits = x.mul(scale).reinterpretAsInts();
            IntVector yBits = y.mul(scale).reinterpretAsInts();
            FloatVector xc = xBits.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(xBits.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector yc = yBits.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(yBits.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector xu = xc.mul(xc);
            FloatVector yu = yc.mul(yc);
            FloatVector xp = xu.fma(TANH_P4, TANH_P3);
            FloatVector yp = yu.fma(TANH_P4, TANH_P3);
            FloatVector xq = xu.fma(TANH_Q4, TANH_Q3);
            FloatVector yq = yu.fma(TANH_Q4, TANH_Q3);
            xp = xp.fma(xu, TANH_P2);
            yp = yp.fma(yu, TANH_P2);
            xq = xq.fma(xu, TANH_Q2);
            yq = yq.fma(yu, TANH_Q2);
            xp = xp.fma(xu, TANH_P1);
            yp = yp.fma(yu, TANH_P1);
            xq = xq.fma(xu, TANH_Q1);
            yq = yq.fma(yu, TANH_Q1);
            xp = xp.fma(xu, TANH_P0).mul(xc);
            yp = yp.fma(yu, TANH_P0).mul(yc);
            xq = xq.fma(xu, ONE);
            yq = yq.fma(yu, ONE);
            FloatVector xt = xp.div(xq).fma(scale, shift);
            FloatVector yt = yp.div(yq).fma(scale, shift);
            xt.blend(x, x.compare(VectorOperators.NE, x)).intoArray(a, i);   // NaN != NaN
            yt.blend(y, y.compare(VectorOperators.NE, y)).intoArray(a, j);
        }
    }
}
