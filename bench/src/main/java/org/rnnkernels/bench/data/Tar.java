package org.rnnkernels.bench.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the regular files of a ustar archive (as npm packs them): 512-byte headers, the name in bytes
 * 0-99 (with the ustar prefix in 345-499), the size in octal in 124-135, the type in 156, each file's
 * content padded to 512 bytes; two zero blocks end it.
 */
final class Tar {
    interface Entry {
        void accept(String name, byte[] content) throws IOException;
    }

    private Tar() {
    }

    static void each(InputStream in, Entry entry) throws IOException {
        byte[] header = new byte[512];
        while (true) {
            if (!readFully(in, header)) {
                return;
            }
            if (allZero(header)) {
                return;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            long size = octal(header, 124, 12);
            if (size < 0 || size > Integer.MAX_VALUE - 8) {
                throw new IOException("tar entry " + name + ": size " + size);
            }
            byte[] content = new byte[(int) size];
            if (!readFully(in, content)) {
                throw new IOException("tar entry " + name + ": truncated");
            }
            long padding = (512 - size % 512) % 512;
            in.skipNBytes(padding);
            byte type = header[156];
            if (type == '0' || type == 0) {
                entry.accept(name, content);
            }
        }
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int done = 0;
        while (done < buffer.length) {
            int n = in.read(buffer, done, buffer.length - done);
            if (n < 0) {
                if (done == 0) {
                    return false;
                }
                throw new IOException("tar archive truncated");
            }
            done += n;
        }
        return true;
    }

    private static boolean allZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] header, int from, int length) {
        int end = from;
        while (end < from + length && header[end] != 0) {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int from, int length) throws IOException {
        String s = text(header, from, length).strip();
        try {
            return s.isEmpty() ? 0 : Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new IOException("tar header: size field " + s + " is not octal");
        }
    }
}
