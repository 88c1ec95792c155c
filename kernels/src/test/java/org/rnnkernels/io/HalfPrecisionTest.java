package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** F16, BF16 and F64 files, built by hand from known bit patterns, read back as the right floats. */
class HalfPrecisionTest {
    @TempDir
    Path dir;

    private static void assertBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            // Raw bits, so -0.0 and NaN are checked exactly.
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    "element " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @Test
    void float16() throws IOException {
        byte[] data = RawFiles.shorts(
                0x3c00,  // 1.0
                0xc100,  // -2.5
                0x7bff,  // 65504, the largest finite half
                0x0001,  // 2^-24, the smallest subnormal
                0x03ff,  // 1023 * 2^-24, the largest subnormal
                0x8000,  // -0.0
                0x7c00,  // +inf
                0xfc00,  // -inf
                0x7e00); // quiet NaN
        Path file = RawFiles.put(dir, "h.safetensors", RawFiles.file(
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[3,3],\"data_offsets\":[0,18]}}", data));
        TensorFile read = SafeTensors.read(file);
        assertEquals("F16", read.dtype("h"));
        Tensor t = read.get("h");
        assertArrayEquals(new long[] {3, 3}, t.shape());
        assertBits(new float[] {1.0f, -2.5f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, -0.0f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}, t.data());
    }

    @Test
    void bfloat16() throws IOException {
        byte[] data = RawFiles.shorts(
                0x3f80,  // 1.0
                0xc020,  // -2.5
                0x477f,  // 65280, the bfloat16 next below 65504 (which bfloat16 cannot hold)
                0x7f7f,  // the largest finite bfloat16
                0x0001,  // 2^-133, the smallest subnormal
                0x8000,  // -0.0
                0x7f80,  // +inf
                0xff80,  // -inf
                0x7fc0); // quiet NaN
        Path file = RawFiles.put(dir, "b.safetensors", RawFiles.file(
                "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"BF16\",\"shape\":[9],\"data_offsets\":[0,18]}}",
                data));
        TensorFile read = SafeTensors.read(file);
        assertEquals("BF16", read.dtype("b"));
        assertBits(new float[] {1.0f, -2.5f, 65280f, Float.intBitsToFloat(0x7f7f0000), 0x1p-133f, -0.0f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}, read.get("b").data());
    }

    @Test
    void float64AndMixedDtypesInOneFile() throws IOException {
        // Tensors stored out of header order, with an unused gap between them: both allowed by the spec.
        byte[] data = RawFiles.concat(
                RawFiles.doubles(1.0, -2.5, 1e300, 1e-50),  // [0, 32): too large -> inf, too small -> 0
                new byte[5],                               // [32, 37): not covered by any tensor
                RawFiles.shorts(0x3c00),                    // [37, 39)
                RawFiles.floats(0.25f));                    // [39, 43)
        Path file = RawFiles.put(dir, "d.safetensors", RawFiles.file("{"
                + "\"f32\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[39,43]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[37,39]},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]}}", data));
        TensorFile read = SafeTensors.read(file);
        assertEquals(java.util.List.of("f32", "f16", "f64"), java.util.List.copyOf(read.names()));
        assertBits(new float[] {1.0f, -2.5f, Float.POSITIVE_INFINITY, 0f}, read.get("f64").data());
        assertBits(new float[] {1.0f}, read.get("f16").data());
        assertBits(new float[] {0.25f}, read.get("f32").data());
        assertEquals("F64", read.dtype("f64"));
    }
}
