package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer against hand-built bytes (the spec), and write -> read against itself. */
class SafeTensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writerProducesTheSpecLayoutByteForByte() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        // Inserted out of order: the writer sorts names, so the bytes do not depend on the map.
        tensors.put("e", new Tensor(new long[] {0, 3}, new float[0]));
        tensors.put("b", new Tensor(new long[] {2}, new float[] {1.0f, -2.0f}));
        tensors.put("a", new Tensor(new long[] {}, new float[] {0.5f}));
        Path file = dir.resolve("small.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt"));

        // 195 bytes of compact JSON, padded with 5 spaces so the data section starts 8-byte aligned.
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[12,12]}}"
                + "     ";
        byte[] expected = RawFiles.concat(
                HexFormat.of().parseHex("c800000000000000"),          // 200, little-endian
                header.getBytes(StandardCharsets.US_ASCII),
                HexFormat.of().parseHex("0000003f" + "0000803f" + "000000c0")); // 0.5, 1.0, -2.0
        assertEquals(200, header.length());
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void roundTripKeepsShapesDataAndMetadata() throws IOException {
        Random random = new Random(7);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("scalar", new Tensor(new long[] {}, new float[] {3.25f}));
        tensors.put("empty.row", new Tensor(new long[] {0}, new float[0]));
        tensors.put("empty.mid", new Tensor(new long[] {4, 0, 5}, new float[0]));
        tensors.put("layer0.w_ih", new Tensor(new long[] {28, 5}, randomFloats(random, 140)));
        tensors.put("layer0.b", new Tensor(new long[] {28}, randomFloats(random, 28)));
        // Bigger than the 1 MiB transfer buffer, so chunking is exercised on both sides.
        tensors.put("big", new Tensor(new long[] {3, 100_003}, randomFloats(random, 300_009)));
        // Specials survive bit for bit, including a NaN payload.
        tensors.put("specials", new Tensor(new long[] {2, 3}, new float[] {
                Float.NaN, Float.intBitsToFloat(0x7fa00001), -0.0f, Float.MIN_VALUE,
                Float.NEGATIVE_INFINITY, Float.MAX_VALUE}));
        tensors.put("ünïcode name \"quoted\"", new Tensor(new long[] {1, 1, 1}, new float[] {42f}));
        Map<String, String> metadata = Map.of("format", "pt", "note", "line\nbreak ✓");

        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, tensors, metadata);
        TensorFile read = SafeTensors.read(file);

        assertEquals(file, read.path());
        assertEquals(metadata, read.metadata());
        assertEquals(tensors.keySet().stream().sorted().toList(), List.copyOf(read.names()));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            assertTrue(read.contains(e.getKey()));
            assertEquals("F32", read.dtype(e.getKey()));
            Tensor t = read.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertEquals(e.getValue(), t, e.getKey());
        }
        float[] nan = read.get("specials").data();
        assertEquals(0x7fa00001, Float.floatToRawIntBits(nan[1]));
        assertEquals(0, read.get("scalar").rank());
        assertEquals(1, read.get("scalar").elementCount());
        assertEquals(5, read.get("empty.mid").dim(2));
        assertEquals(0, read.get("empty.mid").elementCount());
    }

    @Test
    void noMetadataAndNoTensors() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        SafeTensors.write(file, Map.of(), null);
        assertArrayEquals(RawFiles.concat(HexFormat.of().parseHex("0800000000000000"),
                "{}      ".getBytes(StandardCharsets.US_ASCII)), Files.readAllBytes(file));
        TensorFile read = SafeTensors.read(file);
        assertTrue(read.names().isEmpty());
        assertTrue(read.metadata().isEmpty());
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.write(file, Map.of("x", new Tensor(new long[] {1}, new float[] {1f})), Map.of());
        SafeTensors.write(file, Map.of("y", new Tensor(new long[] {2}, new float[] {2f, 3f})), Map.of());
        assertEquals(List.of("y"), List.copyOf(SafeTensors.read(file).names()));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void getReturnsACopySoCallersCannotChangeTheFile() throws IOException {
        Path file = dir.resolve("c.safetensors");
        SafeTensors.write(file, Map.of("x", new Tensor(new long[] {2}, new float[] {1f, 2f})), null);
        TensorFile read = SafeTensors.read(file);
        read.get("x").data()[0] = 99f;
        assertEquals(1f, read.get("x").data()[0]);
        assertThrows(UnsupportedOperationException.class, () -> read.names().clear());
        assertThrows(UnsupportedOperationException.class, () -> read.metadata().put("k", "v"));
    }

    @Test
    void writerRejectsTheReservedNameAndNulls() {
        Path file = dir.resolve("bad.safetensors");
        Tensor t = new Tensor(new long[] {1}, new float[] {1f});
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("__metadata__", t), null));
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, nullTensor, null));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, Map.of("x", t), nullValue));
        assertFalse(Files.exists(file));
    }

    @Test
    void tensorValidatesItsShape() {
        assertThrows(IllegalArgumentException.class, () -> new Tensor(new long[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor(new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor(new long[] {1L << 40, 1L << 40}, new float[0]));
        assertThrows(NullPointerException.class, () -> new Tensor(null, new float[0]));
        assertThrows(NullPointerException.class, () -> new Tensor(new long[0], null));
        // A zero dimension empties the tensor however large the others are.
        assertEquals(0, new Tensor(new long[] {1L << 40, 0, 1L << 40}, new float[0]).elementCount());
        long[] shape = {2};
        Tensor t = new Tensor(shape, new float[2]);
        shape[0] = 7;
        t.shape()[0] = 9;
        assertEquals(2, t.dim(0));
        assertThrows(IndexOutOfBoundsException.class, () -> t.dim(1));
    }

    private static float[] randomFloats(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}
