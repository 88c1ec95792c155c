package org.rnnkernels.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-whole-or-not-at-all: new and replaced files, a failing writer, no temporary file left. */
class AtomicFilesTest {

    @Test
    void writesANewFileAndReplacesAnOldOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("table.json");
        AtomicFiles.write(file, "first".getBytes(StandardCharsets.UTF_8));
        assertEquals("first", Files.readString(file));
        // Larger than one channel write may take, in pieces.
        byte[] big = new byte[3 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        AtomicFiles.write(file, out -> {
            AtomicFiles.writeFully(out, ByteBuffer.wrap(big, 0, 1000));
            AtomicFiles.writeFully(out, ByteBuffer.wrap(big, 1000, big.length - 1000));
        });
        assertArrayEquals(big, Files.readAllBytes(file));
        assertEquals(List.of(file), entries(dir), "only the file, no temporary one");
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporaryOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        AtomicFiles.write(file, "old".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            AtomicFiles.writeFully(out, ByteBuffer.wrap("half of the n".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(List.of(file), entries(dir));

        Path fresh = dir.resolve("never.bin");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(fresh, out -> {
            throw new IllegalStateException("refused");
        }));
        assertTrue(Files.notExists(fresh));
        assertEquals(List.of(file), entries(dir));
    }

    @Test
    void aPathWithoutAFileNameIsRefused(@TempDir Path dir) {
        Path root = dir.getRoot();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AtomicFiles.write(root, new byte[1]));
        assertTrue(e.getMessage().contains("not a file path"), e.getMessage());
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
