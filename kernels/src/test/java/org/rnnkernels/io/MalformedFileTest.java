package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every malformation the reader checks for: a SafeTensorsException naming the file, the tensor where
 * there is one, and a recognisable problem.
 */
class MalformedFileTest {
    @TempDir
    Path dir;

    private int count;

    private SafeTensorsException rejects(byte[] bytes, String tensor, String... fragments) throws IOException {
        Path file = RawFiles.put(dir, "bad" + count++ + ".safetensors", bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file));
        String message = e.getMessage();
        assertEquals(file, e.file(), message);
        assertEquals(tensor, e.tensor(), message);
        assertTrue(message.startsWith(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ")), message);
        assertTrue(message.endsWith(e.problem()), message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "'" + message + "' does not mention '" + fragment + "'");
        }
        return e;
    }

    private SafeTensorsException rejectsHeader(String header, byte[] data, String tensor, String... fragments)
            throws IOException {
        return rejects(RawFiles.file(header, data), tensor, fragments);
    }

    /** A header with one tensor entry "w" whose fields are given as raw JSON. */
    private static String one(String entry) {
        return "{\"w\":" + entry + "}";
    }

    private static String entry(String dtype, String shape, String offsets) {
        return "{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void tooShortForTheLengthPrefix() throws IOException {
        rejects(new byte[0], null, "0 bytes", "too short");
        rejects(new byte[7], null, "7 bytes", "too short");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        byte[] header = "{}".getBytes(StandardCharsets.US_ASCII);
        rejects(RawFiles.raw(3, header, new byte[0]), null, "header length 3", "past the end", "10 bytes");
        // Lengths with the top bit set are huge unsigned values, not negative ones.
        rejects(RawFiles.raw(Long.MIN_VALUE, header, new byte[0]), null, "9223372036854775808", "past the end");
        rejects(RawFiles.raw(-1, header, new byte[0]), null, "18446744073709551615", "past the end");
        rejects(RawFiles.raw(1L << 40, header, new byte[0]), null, "past the end");
    }

    @Test
    void absurdHeaderLengthInAFileLargeEnoughToHoldIt() throws IOException {
        Path file = dir.resolve("sparse.safetensors");
        long headerLength = 200L << 20;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(RawFiles.raw(headerLength, "{}".getBytes(StandardCharsets.US_ASCII), new byte[0]));
            raf.setLength(8 + headerLength + 16); // sparse: costs no disk
        }
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains("exceeds the 104857600-byte limit"), e.getMessage());
    }

    @Test
    void headerNotAUtf8JsonObject() throws IOException {
        rejectsHeader("", new byte[0], null, "header is empty");
        rejectsHeader("[]", new byte[0], null, "does not start with '{'");
        rejectsHeader(" {}", new byte[0], null, "does not start with '{'");
        rejectsHeader("{\"w\":", new byte[0], null, "not valid JSON");
        rejectsHeader("{} {}", new byte[0], null, "not valid JSON");
        rejectsHeader("{}x", new byte[0], null, "not valid JSON");
        rejectsHeader("{\"w\":1,\"w\":2}", new byte[0], null, "not valid JSON", "w");
        rejectsHeader("{'w':1}", new byte[0], null, "not valid JSON");
        byte[] bad = {'{', '"', (byte) 0xff, '"', ':', '1', '}'};
        rejects(RawFiles.raw(bad.length, bad, new byte[0]), null, "not valid UTF-8", "byte 2");
        // An overlong encoding of '/': lenient decoders accept it, the spec's UTF-8 does not.
        byte[] overlong = {'{', '"', (byte) 0xc0, (byte) 0xaf, '"', ':', '1', '}'};
        rejects(RawFiles.raw(overlong.length, overlong, new byte[0]), null, "not valid UTF-8");
        // Jackson's stream limits turn hostile nesting and numbers into parse errors, not stack overflows.
        rejectsHeader("{\"w\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", new byte[0], null,
                "not valid JSON", "nesting depth");
        rejectsHeader(one(entry("\"F32\"", "[" + "9".repeat(5000) + "]", "[0,4]")), new byte[0], null,
                "not valid JSON", "Number value length");
        // A NUL right after '{' must not make the parser guess UTF-32.
        byte[] nul = {'{', 0, 0, 0, '}'};
        rejects(RawFiles.raw(nul.length, nul, new byte[0]), null, "not valid JSON");
    }

    @Test
    void entryNotAnObjectOrFieldsMissingOrWronglyTyped() throws IOException {
        byte[] four = new byte[4];
        rejectsHeader(one("3"), four, "w", "entry is a number");
        rejectsHeader(one("[1]"), four, "w", "entry is an array");
        rejectsHeader(one("{\"shape\":[1],\"data_offsets\":[0,4]}"), four, "w", "missing \"dtype\"");
        rejectsHeader(one("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}"), four, "w", "missing \"shape\"");
        rejectsHeader(one("{\"dtype\":\"F32\",\"shape\":[1]}"), four, "w", "missing \"data_offsets\"");
        rejectsHeader(one(entry("32", "[1]", "[0,4]")), four, "w", "\"dtype\" is a number");
        rejectsHeader(one(entry("null", "[1]", "[0,4]")), four, "w", "\"dtype\" is null");
        rejectsHeader(one(entry("\"F32\"", "\"1\"", "[0,4]")), four, "w", "\"shape\" is a string");
        rejectsHeader(one(entry("\"F32\"", "[1.0]", "[0,4]")), four, "w", "shape[0] is a number");
        rejectsHeader(one(entry("\"F32\"", "[1,[2]]", "[0,4]")), four, "w", "shape[1] is an array");
        rejectsHeader(one(entry("\"F32\"", "[1]", "{}")), four, "w", "\"data_offsets\" is an object");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0]")), four, "w", "\"data_offsets\" is an array of 1");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0,4,8]")), four, "w", "expected [begin, end]");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0,\"4\"]")), four, "w", "data_offsets[1] is a string");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0,4e0]")), four, "w", "data_offsets[1] is a number");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws IOException {
        byte[] four = new byte[4];
        rejectsHeader(one(entry("\"F128\"", "[1]", "[0,4]")), four, "w", "unknown dtype 'F128'", "F32, F16, BF16");
        rejectsHeader(one(entry("\"f32\"", "[1]", "[0,4]")), four, "w", "unknown dtype 'f32'");
        rejectsHeader(one(entry("\"I32\"", "[1]", "[0,4]")), four, "w", "I32 is not supported", "integer");
        rejectsHeader(one(entry("\"U8\"", "[4]", "[0,4]")), four, "w", "U8 is not supported", "integer");
        rejectsHeader(one(entry("\"BOOL\"", "[4]", "[0,4]")), four, "w", "BOOL is not supported");
        rejectsHeader(one(entry("\"F8_E4M3\"", "[4]", "[0,4]")), four, "w", "F8_E4M3 is not supported");
    }

    @Test
    void badShapes() throws IOException {
        byte[] four = new byte[4];
        rejectsHeader(one(entry("\"F32\"", "[2,-1]", "[0,4]")), four, "w", "shape[1] = -1", "negative dimension");
        rejectsHeader(one(entry("\"F32\"", "[99999999999999999999]", "[0,4]")), four, "w", "shape[0]", "too large");
        rejectsHeader(one(entry("\"F32\"", "[4294967296,4294967296]", "[0,4]")), four, "w", "overflows");
        rejectsHeader(one(entry("\"F32\"", "[2147483648]", "[0,4]")), four, "w", "2147483648 elements", "more than");
        // A header claiming terabytes fails on its numbers, long before anything is allocated.
        rejectsHeader(one(entry("\"F32\"", "[1000000,1000000]", "[0,4000000000000]")), four, "w", "more than");
        rejectsHeader(one(entry("\"F32\"", "[500000000]", "[0,2000000000]")), four, "w",
                "[0, 2000000000]", "outside the data section (4 bytes)");
    }

    @Test
    void badOffsets() throws IOException {
        byte[] eight = new byte[8];
        rejectsHeader(one(entry("\"F32\"", "[1]", "[8,4]")), eight, "w", "[8, 4]", "begin > end");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[6,10]")), eight, "w", "outside the data section (8 bytes)");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[-4,0]")), eight, "w", "data_offsets[0] = -4", "negative offset");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0,18446744073709551616]")), eight, "w", "too large");
        rejectsHeader(one(entry("\"F32\"", "[1]", "[0,8]")), eight, "w", "span 8 bytes", "needs 4");
        rejectsHeader(one(entry("\"F16\"", "[3]", "[0,4]")), eight, "w", "span 4 bytes", "F16 needs 6");
        rejectsHeader(one(entry("\"F32\"", "[0]", "[0,4]")), eight, "w", "needs 0");
    }

    @Test
    void overlappingTensors() throws IOException {
        byte[] sixteen = new byte[16];
        String a = "\"a\":" + entry("\"F32\"", "[2]", "[0,8]");
        rejectsHeader("{" + a + ",\"b\":" + entry("\"F32\"", "[2]", "[4,12]") + "}", sixteen, "b",
                "overlap tensor 'a'");
        // Reported on whichever starts later, regardless of header order.
        rejectsHeader("{\"b\":" + entry("\"F32\"", "[2]", "[4,12]") + "," + a + "}", sixteen, "b", "overlap");
        rejectsHeader("{" + a + ",\"c\":" + entry("\"F32\"", "[2]", "[0,8]") + "}", sixteen, "c", "overlap tensor 'a'");
        rejectsHeader("{" + a + ",\"d\":" + entry("\"F32\"", "[1]", "[4,8]") + "}", sixteen, "d", "overlap");
    }

    @Test
    void badMetadata() throws IOException {
        rejectsHeader("{\"__metadata__\":[]}", new byte[0], null, "\"__metadata__\" is an array");
        rejectsHeader("{\"__metadata__\":{\"k\":1}}", new byte[0], null, "'k'", "is a number", "expected a string");
        rejectsHeader("{\"__metadata__\":{\"k\":null}}", new byte[0], null, "'k'", "is null");
    }

    @Test
    void whatTheSpecAllowsIsAccepted() throws IOException {
        // Trailing space padding, unused bytes, an empty tensor pointing inside another, extra entry keys.
        String header = "{\"a\":" + entry("\"F32\"", "[1]", "[4,8]")
                + ",\"z\":{\"dtype\":\"F32\",\"shape\":[7,0],\"data_offsets\":[6,6],\"extra\":true}}   ";
        Path file = RawFiles.put(dir, "ok.safetensors", RawFiles.file(header,
                RawFiles.concat(new byte[4], RawFiles.floats(2f), new byte[3])));
        TensorFile read = SafeTensors.read(file);
        assertEquals(2f, read.get("a").data()[0]);
        assertEquals(0, read.get("z").elementCount());
    }

    @Test
    void missingTensorAndMissingFile() throws IOException {
        Path file = RawFiles.put(dir, "one.safetensors",
                RawFiles.file(one(entry("\"F32\"", "[1]", "[0,4]")), new byte[4]));
        TensorFile read = SafeTensors.read(file);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> read.get("nope"));
        assertEquals("nope", e.tensor());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": tensor 'nope': no such tensor"), e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> read.dtype("nope"));
        assertTrue(d.getMessage().contains("'nope'"), d.getMessage());
        // Not a malformed file but an absent one: the file system's own exception.
        assertThrows(NoSuchFileException.class, () -> SafeTensors.read(dir.resolve("absent.safetensors")));
    }
}
