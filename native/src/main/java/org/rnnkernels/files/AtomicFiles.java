package org.rnnkernels.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The library's one way to write a file: whole or not at all. The contents go to a fresh temporary
 * file beside the target, are forced to the disk, and the temporary file is then renamed over the
 * target, so a reader (or a crash) sees the old file or the new one, never a torn one. Used by the
 * model files, the word tables and the OpenBLAS extraction; the native module holds it because the
 * kernels module depends on this one, not the other way round.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file's contents to the channel it is given (positioned at 0, open for writing). */
    @FunctionalInterface
    public interface Contents {
        void writeTo(FileChannel out) throws IOException;
    }

    /** {@link #write(Path, Contents)} of {@code bytes}. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> writeFully(out, ByteBuffer.wrap(bytes)));
    }

    /**
     * Writes {@code file} whole or not at all: {@code contents} into {@code .<name>.<random>.tmp} in the
     * same directory, then a rename over {@code file} (atomic where the file system can, else a plain
     * replace). When {@code contents} throws, the temporary file is deleted and {@code file} is as it was.
     *
     * @throws IllegalArgumentException when {@code file} has no file name (a root)
     */
    public static void write(Path file, Contents contents) throws IOException {
        Path target = file.toAbsolutePath();
        Path name = target.getFileName();
        if (name == null) {
            throw new IllegalArgumentException("not a file path: " + file);
        }
        Path temp = target.resolveSibling("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean created = false;
        boolean moved = false;
        try {
            // CREATE_NEW rather than Files.createTempFile, so that the file gets the usual umask permissions,
            // not owner-only ones.
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created = true;
                contents.writeTo(out);
                // Durable before the rename, or a crash could leave the new name on an empty file.
                out.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (created && !moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Writes all of {@code buffer}'s remaining bytes (a channel write may take fewer). */
    public static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
