package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rnnkernels.internal.VectorMath;
import org.rnnkernels.simd.FloatLanes;
import org.rnnkernels.simd.Simd;

/**
 * The error bounds stated in {@link VectorMath}, over the whole float range: every 2^32 / 4099-th
 * bit pattern (about a million values, both signs, subnormals to the largest finite) plus the
 * special values, against {@code Math} in double.
 */
class VectorMathTest {

    @Test
    void boundsHoldOverTheWholeFloatRange() {
        assumeTrue(Simd.kind() == Simd.Kind.VECTOR, "Vector API not in use in this run");
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f,
                1e-7f, 0.5f, -0.5f, 1f, -1f, 8.9f, -8.9f, 20f, -20f, 44f, -44f, 87f, -87f, 88f, -88f, 89f, -89f,
                1e10f, -1e10f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int count = specials.length + (int) ((1L << 32) / 4099) + 1;
        float[] x = new float[count];
        System.arraycopy(specials, 0, x, 0, specials.length);
        int n = specials.length;
        for (long bits = 0; bits < (1L << 32); bits += 4099) {
            float v = Float.intBitsToFloat((int) bits);
            if (!Float.isNaN(v)) {
                x[n++] = v;
            }
        }
        float[] sigm = new float[n];
        float[] tanh = new float[n];
        VectorMathProbe.sigm(x, sigm, n);
        VectorMathProbe.tanh(x, tanh, n);
        double worstSigm = 0;
        double worstTanh = 0;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double s = 1 / (1 + Math.exp(-v));
            double t = Math.tanh(v);
            assertTrue(Float.isFinite(sigm[i]) && Float.isFinite(tanh[i]), "non-finite at x=" + x[i]);
            worstSigm = Math.max(worstSigm, Math.abs(sigm[i] - s));
            worstTanh = Math.max(worstTanh, Math.abs(tanh[i] - t));
        }
        assertTrue(worstSigm <= VectorMath.SIGM_MAX_ABS_ERROR, "sigm error " + worstSigm);
        assertTrue(worstTanh <= VectorMath.TANH_MAX_ABS_ERROR, "tanh error " + worstTanh);
    }

    // Two vectors a step, the last computed twice when their number is odd: each unit still gets the same bits
    // wherever its range starts and however long it is (the split gate passes rely on it), and nothing outside the
    // range is written
    @Test
    void aRangeComputesEachUnitAsTheWholeArrayDoes() {
        assumeTrue(Simd.kind() == Simd.Kind.VECTOR, "Vector API not in use in this run");
        int lanes = FloatLanes.SPECIES.length();
        Random random = new Random(7);
        float[] x = new float[8 * lanes];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 4);
        }
        for (boolean tanh : new boolean[] {false, true}) {
            float[] whole = x.clone();
            VectorMath.activate(whole, 0, whole.length, tanh);
            for (int start = 0; start < 4; start++) {
                for (int count = 1; count <= 4; count++) {
                    float[] part = x.clone();
                    int from = start * lanes, to = from + count * lanes;
                    VectorMath.activate(part, from, to, tanh);
                    for (int i = 0; i < x.length; i++) {
                        float expected = i >= from && i < to ? whole[i] : x[i];
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(part[i]),
                                (tanh ? "tanh" : "sigm") + " over [" + from + ", " + to + ") at " + i);
                    }
                }
            }
        }
    }

    @Test
    void aRangeThatIsNotWholeVectorsIsRefused() {
        assumeTrue(Simd.kind() == Simd.Kind.VECTOR, "Vector API not in use in this run");
        int lanes = FloatLanes.SPECIES.length();
        float[] a = new float[4 * lanes];
        assertThrows(IllegalArgumentException.class,
                () -> VectorMath.activate(a, 0, lanes + 1, true));
    }

    @Test
    void nanPropagatesAndZeroStaysZero() {
        assumeTrue(Simd.kind() == Simd.Kind.VECTOR, "Vector API not in use in this run");
        // NaNs of both signs and payloads: the clamp works on the bit patterns, where a NaN's magnitude lies above
        // 9's, and puts them back afterwards
        float[] x = {Float.NaN, -0f, 0f, Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000),
                Float.intBitsToFloat(0xff800001)};
        float[] s = new float[x.length];
        float[] t = new float[x.length];
        VectorMathProbe.sigm(x, s, x.length);
        VectorMathProbe.tanh(x, t, x.length);
        for (int k : new int[] {0, 3, 4, 5}) {
            assertTrue(Float.isNaN(s[k]) && Float.isNaN(t[k]), "NaN lost: x[" + k + "] = " + Integer.toHexString(
                    Float.floatToRawIntBits(x[k])) + " gave sigm " + s[k] + ", tanh " + t[k]);
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t[1]), "tanh(-0) is -0");
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(t[2]), "tanh(0) is 0");
        assertEquals(0.5f, s[1], 1e-7f);
    }
}
