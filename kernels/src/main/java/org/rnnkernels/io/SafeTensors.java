package org.rnnkernels.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.rnnkernels.files.AtomicFiles;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian unsigned header length N, N bytes
 * of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data section after the header) plus an optional {@code "__metadata__"}
 * string map, then the data section, little-endian and row-major.
 *
 * <p>{@link #read} trusts nothing in the file: the whole header is validated before any tensor array
 * is allocated, so a header claiming terabytes fails on its offsets instead of running out of memory,
 * and every malformation surfaces as a {@link SafeTensorsException} naming the file, the tensor where
 * there is one, and the problem. A file that cannot be opened at all gives the plain
 * {@link IOException} of the file system (e.g. {@code NoSuchFileException}).
 */
public final class SafeTensors {
    /** Same bound as the reference implementation: a real header is kilobytes, so this only stops abuse. */
    static final int MAX_HEADER_BYTES = 100 * 1024 * 1024;
    /** The largest float[] HotSpot reliably allocates; a few words below Integer.MAX_VALUE. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    static final String METADATA_KEY = "__metadata__";

    /** Transfer buffer size: large enough for sequential throughput, small enough to not matter. */
    private static final int CHUNK_BYTES = 1 << 20;

    /** Dtypes the spec defines that are not floating point we convert; named so the message says "unsupported", not "unknown". */
    private static final Set<String> KNOWN_UNSUPPORTED = Set.of(
            "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64",
            "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");
    private static final Set<String> INTEGER = Set.of("BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64");

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            // Duplicate tensor names would otherwise silently keep the last one.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafeTensors() {
    }

    /** The floating-point dtypes read() converts to float32, with their sizes in bytes. */
    private enum DType {
        F32(4), F16(2), BF16(2), F64(8);

        final int size;

        DType(int size) {
            this.size = size;
        }

        static DType of(String name) {
            for (DType d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * Opens, fully validates and loads a safetensors file. Tensors of dtype F16, BF16 and F64 are
     * converted to float32; integer, boolean and 8-bit-or-less float dtypes are rejected.
     *
     * @throws SafeTensorsException if the file is malformed or holds an unsupported dtype
     * @throws IOException          if the file cannot be opened or read
     */
    public static TensorFile read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(file, channel).read();
        } catch (SafeTensorsException e) {
            throw e;
        } catch (RuntimeException e) {
            // The checks above are meant to leave nothing for this; if one slipped through, the caller
            // still gets the documented exception, with the cause kept for the bug report.
            throw new SafeTensorsException(file, null, "unexpected " + e, e);
        }
    }

    /** One tensor's header entry after validation, before its data is read. */
    private record Header(String name, DType dtype, String dtypeName, long[] shape, int count, long begin, long end) {
    }

    private static final class Reader {
        private final Path file;
        private final FileChannel channel;

        Reader(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        private SafeTensorsException fail(String tensor, String problem) {
            return new SafeTensorsException(file, tensor, problem);
        }

        TensorFile read() throws IOException {
            long size = channel.size();
            if (size < 8) {
                throw fail(null, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(lengthBytes, 0, null);
            long headerLength = lengthBytes.getLong(0);
            // Unsigned: a length with the top bit set is a huge positive number, not a negative one.
            if (Long.compareUnsigned(headerLength, size - 8) > 0) {
                throw fail(null, "header length " + Long.toUnsignedString(headerLength)
                        + " runs past the end of the file (" + size + " bytes)");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw fail(null, "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES
                        + "-byte limit");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;

            JsonNode root = parseHeader((int) headerLength);
            Map<String, String> metadata = Map.of();
            List<Header> headers = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                if (field.getKey().equals(METADATA_KEY)) {
                    metadata = metadata(field.getValue());
                } else {
                    headers.add(header(field.getKey(), field.getValue(), dataLength));
                }
            }
            checkOverlaps(headers);

            // Everything is validated: each tensor's bytes lie inside the file and no two share bytes,
            // so the arrays below add up to at most (file size × 2) bytes of floats.
            LinkedHashMap<String, TensorFile.Entry> entries = new LinkedHashMap<>();
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(dataLength, 8)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (Header h : headers) {
                entries.put(h.name(), new TensorFile.Entry(h.dtypeName(), h.shape(), load(h, dataStart, chunk)));
            }
            return new TensorFile(file, metadata, entries);
        }

        private JsonNode parseHeader(int length) throws IOException {
            if (length == 0) {
                throw fail(null, "header is empty, expected a JSON object");
            }
            ByteBuffer bytes;
            try {
                bytes = ByteBuffer.allocate(length);
            } catch (OutOfMemoryError e) {
                throw fail(null, "not enough heap for the " + length + "-byte header");
            }
            readFully(bytes, 8, null);
            bytes.flip();
            if (bytes.get(0) != '{') {
                throw fail(null, "header does not start with '{' (byte 0x"
                        + HexFormat.of().toHexDigits(bytes.get(0)) + "), expected a JSON object");
            }
            // Decoded here, strictly, rather than by Jackson: this rejects overlong forms and encoded
            // surrogates, reports the offending byte, and keeps Jackson from guessing UTF-16/32 from
            // zero bytes near the start.
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            CharBuffer chars;
            try {
                chars = CharBuffer.allocate(length);
            } catch (OutOfMemoryError e) {
                throw fail(null, "not enough heap to decode the " + length + "-byte header");
            }
            CoderResult result = decoder.decode(bytes, chars, true);
            if (!result.isError()) {
                result = decoder.flush(chars);
            }
            if (result.isError()) {
                throw fail(null, "header is not valid UTF-8 (at header byte " + bytes.position() + ")");
            }
            chars.flip();
            JsonNode root;
            try (JsonParser parser = JSON.createParser(chars.array(), 0, chars.limit())) {
                root = JSON.readTree(parser);
            } catch (JsonProcessingException e) {
                throw new SafeTensorsException(file, null, "header is not valid JSON: " + e.getOriginalMessage()
                        + (e.getLocation() == null ? "" : " (at header char " + e.getLocation().getCharOffset() + ")"),
                        e);
            } catch (OutOfMemoryError e) {
                throw fail(null, "not enough heap to parse the " + length + "-byte header");
            }
            if (root == null || !root.isObject()) {
                throw fail(null, "header is " + kind(root) + ", expected a JSON object");
            }
            return root;
        }

        private Map<String, String> metadata(JsonNode node) throws SafeTensorsException {
            if (!node.isObject()) {
                throw fail(null, "\"" + METADATA_KEY + "\" is " + kind(node) + ", expected an object of strings");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getValue().isTextual()) {
                    throw fail(null, "\"" + METADATA_KEY + "\" value for key '" + e.getKey() + "' is "
                            + kind(e.getValue()) + ", expected a string");
                }
                metadata.put(e.getKey(), e.getValue().textValue());
            }
            return metadata;
        }

        private Header header(String name, JsonNode node, long dataLength) throws SafeTensorsException {
            if (!node.isObject()) {
                throw fail(name, "entry is " + kind(node) + ", expected an object with dtype, shape and data_offsets");
            }
            JsonNode dtypeNode = field(name, node, "dtype");
            if (!dtypeNode.isTextual()) {
                throw fail(name, "\"dtype\" is " + kind(dtypeNode) + ", expected a string such as \"F32\"");
            }
            String dtypeName = dtypeNode.textValue();
            DType dtype = DType.of(dtypeName);
            if (dtype == null) {
                String supported = " (supported: F32, F16, BF16, F64)";
                if (INTEGER.contains(dtypeName)) {
                    throw fail(name, "dtype " + dtypeName + " is not supported: integer and boolean tensors"
                            + " cannot be loaded as float32" + supported);
                }
                if (KNOWN_UNSUPPORTED.contains(dtypeName)) {
                    throw fail(name, "dtype " + dtypeName + " is not supported" + supported);
                }
                throw fail(name, "unknown dtype '" + dtypeName + "'" + supported);
            }

            JsonNode shapeNode = field(name, node, "shape");
            if (!shapeNode.isArray()) {
                throw fail(name, "\"shape\" is " + kind(shapeNode) + ", expected an array of dimensions");
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = nonNegative(name, "shape[" + i + "]", shapeNode.get(i), "dimension");
            }
            long count = Tensor.countOf(shape);
            if (count < 0) {
                throw fail(name, "shape " + Arrays.toString(shape) + ": element count overflows a 64-bit integer");
            }
            if (count > MAX_ELEMENTS) {
                throw fail(name, "shape " + Arrays.toString(shape) + " holds " + count
                        + " elements, more than the " + MAX_ELEMENTS + " a float array can hold");
            }

            JsonNode offsetsNode = field(name, node, "data_offsets");
            if (!offsetsNode.isArray() || offsetsNode.size() != 2) {
                throw fail(name, "\"data_offsets\" is " + kind(offsetsNode) + ", expected [begin, end]");
            }
            long begin = nonNegative(name, "data_offsets[0]", offsetsNode.get(0), "offset");
            long end = nonNegative(name, "data_offsets[1]", offsetsNode.get(1), "offset");
            String offsets = "data_offsets [" + begin + ", " + end + "]";
            if (begin > end) {
                throw fail(name, offsets + ": begin > end");
            }
            if (end > dataLength) {
                throw fail(name, offsets + " point outside the data section (" + dataLength + " bytes)");
            }
            long needed = count * dtype.size;
            if (end - begin != needed) {
                throw fail(name, offsets + " span " + (end - begin) + " bytes, but shape " + Arrays.toString(shape)
                        + " of " + dtypeName + " needs " + needed);
            }
            return new Header(name, dtype, dtypeName, shape, (int) count, begin, end);
        }

        private JsonNode field(String tensor, JsonNode entry, String key) throws SafeTensorsException {
            JsonNode value = entry.get(key);
            if (value == null) {
                throw fail(tensor, "missing \"" + key + "\"");
            }
            return value;
        }

        /** A JSON integer in [0, Long.MAX_VALUE]; the spec's values are unsigned 64-bit. */
        private long nonNegative(String tensor, String where, JsonNode node, String what) throws SafeTensorsException {
            if (!node.isIntegralNumber()) {
                throw fail(tensor, where + " is " + kind(node) + ", expected a non-negative integer " + what);
            }
            if (!node.canConvertToLong()) {
                throw fail(tensor, where + " = " + node.bigIntegerValue() + " is too large");
            }
            long value = node.longValue();
            if (value < 0) {
                throw fail(tensor, where + " = " + value + ": negative " + what);
            }
            return value;
        }

        /** Empty tensors occupy no bytes, so they overlap nothing wherever their offsets point. */
        private void checkOverlaps(List<Header> headers) throws SafeTensorsException {
            List<Header> byBegin = new ArrayList<>();
            for (Header h : headers) {
                if (h.end() > h.begin()) {
                    byBegin.add(h);
                }
            }
            byBegin.sort(Comparator.comparingLong(Header::begin));
            for (int i = 1; i < byBegin.size(); i++) {
                Header previous = byBegin.get(i - 1);
                Header h = byBegin.get(i);
                if (h.begin() < previous.end()) {
                    throw fail(h.name(), "data_offsets [" + h.begin() + ", " + h.end() + "] overlap tensor '"
                            + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
                }
            }
        }

        private float[] load(Header h, long dataStart, ByteBuffer chunk) throws IOException {
            float[] out;
            try {
                out = new float[h.count()];
            } catch (OutOfMemoryError e) {
                // One large array that did not fit: nothing else was half-built, so it is safe to go on.
                throw fail(h.name(), "not enough heap for " + h.count() + " floats");
            }
            int size = h.dtype().size;
            int perChunk = chunk.capacity() / size;
            long position = dataStart + h.begin();
            for (int done = 0; done < out.length; ) {
                int n = Math.min(perChunk, out.length - done);
                chunk.clear().limit(n * size);
                readFully(chunk, position, h.name());
                chunk.flip();
                convert(h.dtype(), chunk, out, done, n);
                position += (long) n * size;
                done += n;
            }
            return out;
        }

        private void readFully(ByteBuffer buffer, long position, String tensor) throws IOException {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    // Only possible if the file shrank after its size was taken.
                    throw fail(tensor, "file ended at byte " + position + " while reading (truncated meanwhile?)");
                }
                position += read;
            }
        }
    }

    private static void convert(DType dtype, ByteBuffer in, float[] out, int offset, int n) {
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(out, offset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Float.float16ToFloat(in.getShort(2 * i));
                }
            }
            // bfloat16 is the top half of a float32, so widening is exact.
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = (float) in.getDouble(8 * i);
                }
            }
        }
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array of " + node.size();
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number (" + node.asText() + ")";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * Writes tensors as F32 in the layout the reference implementation produces: names sorted (so the
     * bytes do not depend on the map's iteration order), a compact header with {@code "__metadata__"}
     * first (omitted when empty), padded with spaces so the data section starts 8-byte aligned, then
     * the tensors back to back in name order. The file is written whole or not at all
     * ({@link AtomicFiles}): readers see the old file or the new one, never a partial one.
     *
     * @param metadata string pairs for {@code "__metadata__"}; null or empty for none
     * @throws IllegalArgumentException for a null or reserved ({@code "__metadata__"}) name, a null tensor,
     *                                  or null metadata keys or values
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        TreeMap<String, Tensor> sorted = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("null tensor name or tensor: " + e.getKey());
            }
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            sorted.put(e.getKey(), e.getValue());
        }
        TreeMap<String, String> meta = new TreeMap<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("null metadata key or value: " + e.getKey());
                }
                meta.put(e.getKey(), e.getValue());
            }
        }

        byte[] header = header(sorted, meta);
        AtomicFiles.write(file, out -> {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(header.length).flip();
            AtomicFiles.writeFully(out, buffer);
            AtomicFiles.writeFully(out, ByteBuffer.wrap(header));
            for (Tensor t : sorted.values()) {
                float[] data = t.data();
                for (int done = 0; done < data.length; ) {
                    int n = Math.min(CHUNK_BYTES / Float.BYTES, data.length - done);
                    buffer.clear();
                    buffer.asFloatBuffer().put(data, done, n);
                    buffer.limit(n * Float.BYTES);
                    AtomicFiles.writeFully(out, buffer);
                    done += n;
                }
            }
        });
    }

    private static byte[] header(TreeMap<String, Tensor> tensors, TreeMap<String, String> metadata)
            throws JsonProcessingException {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            json.put(METADATA_KEY, metadata);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long end = offset + (long) e.getValue().data().length * Float.BYTES;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", e.getValue().shape());
            entry.put("data_offsets", new long[] {offset, end});
            json.put(e.getKey(), entry);
            offset = end;
        }
        byte[] compact = JSON.writeValueAsBytes(json);
        int padded = (compact.length + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("header would be " + padded + " bytes, over the "
                    + MAX_HEADER_BYTES + "-byte limit readers apply");
        }
        byte[] header = Arrays.copyOf(compact, padded);
        Arrays.fill(header, compact.length, padded, (byte) ' ');
        return header;
    }
}
