package org.rnnkernels.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random damage to a valid file: reading it either succeeds with consistent tensors or throws
 * SafeTensorsException, never anything else (no NPE, no IndexOutOfBounds, no OutOfMemoryError).
 */
class MutatedFilePropertyTest {
    private static final Map<String, Integer> DTYPE_BYTES = Map.of("F32", 4, "F16", 2, "BF16", 2, "F64", 8);

    /** Every supported dtype, metadata, a scalar, an empty tensor and a gap, 8-byte aligned like real files. */
    private static final byte[] BASE = base();

    private static byte[] base() {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[32,40]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[44,52]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[52,52]}}";
        header += " ".repeat((8 - header.length() % 8) % 8);
        byte[] data = RawFiles.concat(
                RawFiles.floats(1f, -2f, 3.5f, Float.NaN, 0f, 1e-40f),
                RawFiles.shorts(0x3c00, 0xc100, 0x7bff, 0x0001),
                RawFiles.shorts(0x3f80, 0xc020, 0x7f80, 0x7fc0),
                new byte[4],
                RawFiles.doubles(Math.PI));
        return RawFiles.file(header, data);
    }

    /** A damage to a file's bytes; records so a failing case prints readably. */
    sealed interface Mutation {
        byte[] apply(byte[] bytes);
    }

    /** Cut the file at any point. */
    record Truncate(int at) implements Mutation {
        public byte[] apply(byte[] bytes) {
            return Arrays.copyOf(bytes, at % (bytes.length + 1));
        }
    }

    /** Overwrite one byte, usually inside the header (where the structure is). */
    record Overwrite(int at, byte value) implements Mutation {
        public byte[] apply(byte[] bytes) {
            if (bytes.length == 0) {
                return bytes;
            }
            byte[] out = bytes.clone();
            out[at % bytes.length] = value;
            return out;
        }
    }

    /** Set the length prefix to any 64-bit value, huge and negative ones included. */
    record HeaderLength(long value) implements Mutation {
        public byte[] apply(byte[] bytes) {
            if (bytes.length < 8) {
                return bytes;
            }
            byte[] out = bytes.clone();
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return out;
        }
    }

    /**
     * Edit the header text, then fix the length prefix, so the damage reaches the JSON checks instead
     * of stopping at the length check. Does nothing if the prefix is already broken.
     */
    static final class HeaderEdit {
        private HeaderEdit() {
        }

        static byte[] edit(byte[] bytes, java.util.function.UnaryOperator<String> change) {
            if (bytes.length < 8) {
                return bytes;
            }
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (n < 0 || n > bytes.length - 8) {
                return bytes;
            }
            // ISO-8859-1 maps bytes to chars one to one, so even invalid UTF-8 survives the edit.
            String header = new String(bytes, 8, (int) n, StandardCharsets.ISO_8859_1);
            byte[] edited = change.apply(header).getBytes(StandardCharsets.ISO_8859_1);
            return RawFiles.raw(edited.length, edited, Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length));
        }

        static List<int[]> spans(Pattern pattern, String text) {
            List<int[]> spans = new ArrayList<>();
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                spans.add(new int[] {m.start(), m.end()});
            }
            return spans;
        }

        static String replace(String text, int[] span, String with) {
            return text.substring(0, span[0]) + with + text.substring(span[1]);
        }
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern DIGIT = Pattern.compile("\\d");
    private static final Pattern OFFSETS = Pattern.compile("\\[(\\d+),(\\d+)]");
    private static final Pattern DTYPE = Pattern.compile("\"(F32|F16|BF16|F64)\"");

    /** Replace, insert or delete one digit anywhere in the header. */
    record ChangeDigit(int which, char digit, int mode) implements Mutation {
        public byte[] apply(byte[] bytes) {
            return HeaderEdit.edit(bytes, header -> {
                List<int[]> digits = HeaderEdit.spans(DIGIT, header);
                if (digits.isEmpty()) {
                    return header;
                }
                int[] span = digits.get(which % digits.size());
                String d = String.valueOf(digit);
                return switch (mode % 3) {
                    case 0 -> HeaderEdit.replace(header, span, d);
                    case 1 -> HeaderEdit.replace(header, span, d + header.charAt(span[0]));
                    default -> HeaderEdit.replace(header, span, "");
                };
            });
        }
    }

    /** Replace a whole number in the header: shape dims, offsets, edge values and non-integers. */
    record ReplaceNumber(int which, String value) implements Mutation {
        public byte[] apply(byte[] bytes) {
            return HeaderEdit.edit(bytes, header -> {
                List<int[]> numbers = HeaderEdit.spans(NUMBER, header);
                return numbers.isEmpty() ? header : HeaderEdit.replace(header, numbers.get(which % numbers.size()), value);
            });
        }
    }

    /** Swap begin and end, copy one tensor's offsets onto another, or exchange two tensors' offsets. */
    record ShuffleOffsets(int first, int second, int mode) implements Mutation {
        public byte[] apply(byte[] bytes) {
            return HeaderEdit.edit(bytes, header -> {
                Matcher m = OFFSETS.matcher(header);
                List<int[]> spans = new ArrayList<>();
                List<String[]> values = new ArrayList<>();
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                    values.add(new String[] {m.group(1), m.group(2)});
                }
                if (spans.isEmpty()) {
                    return header;
                }
                int i = first % spans.size();
                int j = second % spans.size();
                String[] a = values.get(i);
                String[] b = values.get(j);
                return switch (mode % 3) {
                    case 0 -> HeaderEdit.replace(header, spans.get(i), "[" + a[1] + "," + a[0] + "]");
                    case 1 -> HeaderEdit.replace(header, spans.get(j), "[" + a[0] + "," + a[1] + "]");
                    default -> {
                        // Replace the later span first so the earlier one's indices stay valid.
                        int lo = Math.min(i, j);
                        int hi = Math.max(i, j);
                        String[] vlo = values.get(lo);
                        String[] vhi = values.get(hi);
                        String s = HeaderEdit.replace(header, spans.get(hi), "[" + vlo[0] + "," + vlo[1] + "]");
                        yield HeaderEdit.replace(s, spans.get(lo), "[" + vhi[0] + "," + vhi[1] + "]");
                    }
                };
            });
        }
    }

    /** Change a tensor's dtype to another supported one, an unsupported one or garbage. */
    record ChangeDtype(int which, String dtype) implements Mutation {
        public byte[] apply(byte[] bytes) {
            return HeaderEdit.edit(bytes, header -> {
                List<int[]> dtypes = HeaderEdit.spans(DTYPE, header);
                return dtypes.isEmpty() ? header : HeaderEdit.replace(header, dtypes.get(which % dtypes.size()), dtype);
            });
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> index = Arbitraries.integers().between(0, 1 << 16);
        Arbitrary<Mutation> truncate = index.map(Truncate::new);
        Arbitrary<Mutation> overwrite = Combinators.combine(
                        Arbitraries.oneOf(Arbitraries.integers().between(0, 300), index), Arbitraries.bytes())
                .as(Overwrite::new);
        Arbitrary<Mutation> length = Arbitraries.oneOf(
                        Arbitraries.longs(),
                        Arbitraries.longs().between(0, BASE.length + 16),
                        Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 1L << 32, 1L << 40, 100L << 20, (100L << 20) + 1))
                .map(HeaderLength::new);
        Arbitrary<Mutation> digit = Combinators.combine(index, Arbitraries.chars().range('0', '9'),
                Arbitraries.integers().between(0, 2)).as(ChangeDigit::new);
        Arbitrary<Mutation> number = Combinators.combine(index, Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.integers().between(-2, 80).map(String::valueOf),
                Arbitraries.of("2147483647", "2147483648", "4294967296", "9223372036854775807",
                        "18446744073709551615", "99999999999999999999999", "1e3", "1.5", "-0", "null",
                        "\"4\"", "[]", "{}"))).as(ReplaceNumber::new);
        Arbitrary<Mutation> offsets = Combinators.combine(index, index, Arbitraries.integers().between(0, 2))
                .as(ShuffleOffsets::new);
        Arbitrary<Mutation> dtype = Combinators.combine(index, Arbitraries.of(
                "\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I32\"", "\"U8\"", "\"F8_E4M3\"", "\"XX\"", "1", "null",
                "{}")).as(ChangeDtype::new);
        return Arbitraries.oneOf(truncate, overwrite, length, digit, number, offsets, dtype)
                .list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 300)
    void mutatedFilesReadConsistentlyOrFailWithSafeTensorsException(@ForAll("mutations") List<Mutation> mutations)
            throws IOException {
        byte[] bytes = BASE;
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        check(bytes);
    }

    @Example
    void theUnmutatedFileReads() throws IOException {
        TensorFile read = check(BASE);
        if (read == null || read.names().size() != 5) {
            throw new AssertionError("the base file must be valid: " + read);
        }
    }

    /** Reads the bytes; any throwable other than SafeTensorsException propagates and fails the property. */
    private static TensorFile check(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("mutated", ".safetensors");
        try {
            Files.write(file, bytes);
            TensorFile read;
            try {
                read = SafeTensors.read(file);
            } catch (SafeTensorsException e) {
                // The jqwik report shows the split, so a generator that only ever hits one early check shows.
                Statistics.collect("rejected");
                if (!file.equals(e.file()) || !e.getMessage().startsWith(file + ": ")) {
                    throw new AssertionError("exception does not name the file: " + e.getMessage(), e);
                }
                return null;
            }
            for (String name : read.names()) {
                Tensor t = read.get(name);
                long count = 1;
                for (long dim : t.shape()) {
                    count *= dim;
                }
                String dtype = read.dtype(name);
                // The data must have come from the file: no more elements than its bytes can hold.
                if (count != t.data().length || !DTYPE_BYTES.containsKey(dtype)
                        || count * DTYPE_BYTES.get(dtype) > bytes.length) {
                    throw new AssertionError(name + ": " + dtype + " " + t + " with " + t.data().length + " floats");
                }
            }
            Statistics.collect("read");
            return read;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
