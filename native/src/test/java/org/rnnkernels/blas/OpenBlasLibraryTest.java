package org.rnnkernels.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extraction of the bundled OpenBLAS: idempotent, and safe when several threads do it at once. */
class OpenBlasLibraryTest {
    /** The build puts the jar of the building machine on the test class path (openblas.platform). */
    private static final OpenBlasPlatform PLATFORM = OpenBlasPlatform.current();

    @Test
    void extractingTwiceIsIdempotent(@TempDir Path dir) throws Exception {
        Path library = OpenBlasLibrary.extract(dir, PLATFORM);
        assertEquals(dir.resolve(PLATFORM.library()), library);
        List<FileTime> times = new ArrayList<>();
        for (String name : PLATFORM.files()) {
            Path file = dir.resolve(name);
            assertTrue(Files.size(file) > 0, name);
            // Backdate, so a rewrite on the second call would show.
            Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000_000_000L));
            times.add(Files.getLastModifiedTime(file));
        }
        assertEquals(library, OpenBlasLibrary.extract(dir, PLATFORM));
        for (int i = 0; i < PLATFORM.files().size(); i++) {
            assertEquals(times.get(i), Files.getLastModifiedTime(dir.resolve(PLATFORM.files().get(i))),
                    PLATFORM.files().get(i) + " was rewritten");
        }
        assertNoTemporaries(dir);
    }

    @Test
    void aTruncatedFileIsReplaced(@TempDir Path dir) throws Exception {
        OpenBlasLibrary.extract(dir, PLATFORM);
        Path file = dir.resolve(PLATFORM.files().getFirst());
        long size = Files.size(file);
        Files.write(file, new byte[10]);
        OpenBlasLibrary.extract(dir, PLATFORM);
        assertEquals(size, Files.size(file));
    }

    @Test
    void concurrentExtractionsBothSucceed(@TempDir Path dir) throws Exception {
        int threads = 2;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return OpenBlasLibrary.extract(dir, PLATFORM);
                }));
            }
            start.countDown();
            for (Future<Path> result : results) {
                assertEquals(dir.resolve(PLATFORM.library()), result.get());
            }
        } finally {
            pool.shutdownNow();
        }
        for (String name : PLATFORM.files()) {
            long expected = OpenBlasLibrary.bundledResource(PLATFORM, name).openConnection().getContentLengthLong();
            assertEquals(expected, Files.size(dir.resolve(name)), name);
        }
        assertNoTemporaries(dir);
    }

    @Test
    void anotherPlatformsJarIsAbsentAndTheErrorNamesIt(@TempDir Path dir) {
        OpenBlasPlatform other = PLATFORM.classifier().equals("windows-x86_64")
                ? OpenBlasPlatform.of("Linux", "amd64")
                : OpenBlasPlatform.of("Windows 11", "amd64");
        IOException e = assertThrows(IOException.class, () -> OpenBlasLibrary.extract(dir, other));
        assertTrue(e.getMessage().contains("org.bytedeco:openblas:0.3.31-1.5.13:" + other.classifier()), e.getMessage());
        assertFalse(Files.exists(dir.resolve(other.library())));
    }

    @Test
    void cacheDirectoryIsPerUserVersionAndPlatform() {
        Path dir = OpenBlasLibrary.cacheDirectory(OpenBlasPlatform.of("Linux", "amd64"));
        assertTrue(dir.isAbsolute(), dir.toString());
        assertTrue(dir.endsWith(Path.of("rnnkernels", "openblas-0.3.31-1.5.13-linux-x86_64")), dir.toString());
        Path mac = OpenBlasLibrary.cacheDirectory(OpenBlasPlatform.of("Mac OS X", "aarch64"));
        assertEquals(dir.resolveSibling("openblas-0.3.31-1.5.13-macosx-arm64"), mac);
    }

    private static void assertNoTemporaries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
    }
}
