package org.rnnkernels.integer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Floats to the layer's fixed point and back. {@code quantize}: {@code clamp(floor(v 2^F + 1/2), -limit, limit)}
 * (round half up, saturating; NaN gives 0, as no integer stands for it), computed in double, where
 * {@code v 2^F} and the added half are exact. {@code toFloat}: {@code v 2^-F}, exact in float32 for
 * {@code |v| <= 2^24}, which holds for every state ({@code |h|, |c| <= 2^F}, {@code F <= 24}).
 */
final class FixedPoint {
    private FixedPoint() {
    }

    /** {@code n} values from {@code from[fromOffset ..]} into {@code to[toOffset ..]}, scaled by {@code scale = 2^F}. */
    static void quantize(float[] from, int fromOffset, int[] to, int toOffset, int n, double scale, int limit) {
        for (int i = 0; i < n; i++) {
            double v = Math.floor(from[fromOffset + i] * scale + 0.5);
            to[toOffset + i] = v >= limit ? limit : v <= -limit ? -limit : (int) v;   // (int) NaN = 0
        }
    }

    /** As {@link #quantize(float[], int, int[], int, int, double, int)}, from floats {@code 0 .. n-1} of a segment. */
    static void quantize(MemorySegment from, int[] to, int n, double scale, int limit) {
        for (int i = 0; i < n; i++) {
            double v = Math.floor(from.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) * scale + 0.5);
            to[i] = v >= limit ? limit : v <= -limit ? -limit : (int) v;   // (int) NaN = 0
        }
    }

    /** Units {@code from .. to-1} of each of {@code rows} rows of {@code H}: {@code out = v * 2^-F}. */
    static void toFloat(int[] values, float[] out, int rows, int hidden, int from, int to, float scale) {
        for (int b = 0; b < rows; b++) {
            int o = b * hidden;
            for (int j = from; j < to; j++) {
                out[o + j] = values[o + j] * scale;
            }
        }
    }
}
