package org.rnnkernels.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void extractingTwiceIsIdempotent(@TempDir Path dir) throws Exception {
        Path library = OpenBlasLibrary.extract(dir);
        assertEquals(dir.resolve(OpenBlasLibrary.LIBRARY), library);
        List<FileTime> times = new ArrayList<>();
        for (String name : OpenBlasLibrary.FILES) {
            Path file = dir.resolve(name);
            assertTrue(Files.size(file) > 0, name);
            // Backdate, so a rewrite on the second call would show.
            Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000_000_000L));
            times.add(Files.getLastModifiedTime(file));
        }
        assertEquals(library, OpenBlasLibrary.extract(dir));
        for (int i = 0; i < OpenBlasLibrary.FILES.size(); i++) {
            assertEquals(times.get(i), Files.getLastModifiedTime(dir.resolve(OpenBlasLibrary.FILES.get(i))),
                    OpenBlasLibrary.FILES.get(i) + " was rewritten");
        }
        assertNoTemporaries(dir);
    }

    @Test
    void aTruncatedFileIsReplaced(@TempDir Path dir) throws Exception {
        OpenBlasLibrary.extract(dir);
        Path file = dir.resolve("libquadmath.so.0");
        long size = Files.size(file);
        Files.write(file, new byte[10]);
        OpenBlasLibrary.extract(dir);
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
                    return OpenBlasLibrary.extract(dir);
                }));
            }
            start.countDown();
            for (Future<Path> result : results) {
                assertEquals(dir.resolve(OpenBlasLibrary.LIBRARY), result.get());
            }
        } finally {
            pool.shutdownNow();
        }
        for (String name : OpenBlasLibrary.FILES) {
            long expected = OpenBlasLibrary.class.getResource(OpenBlasLibrary.RESOURCE_DIR + name)
                    .openConnection().getContentLengthLong();
            assertEquals(expected, Files.size(dir.resolve(name)), name);
        }
        assertNoTemporaries(dir);
    }

    @Test
    void cacheDirectoryIsPerUserAndVersioned() {
        Path dir = OpenBlasLibrary.cacheDirectory();
        assertTrue(dir.isAbsolute(), dir.toString());
        assertTrue(dir.endsWith(Path.of("rnnkernels", "openblas-0.3.31-1.5.13-linux-x86_64")), dir.toString());
    }

    private static void assertNoTemporaries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
    }
}
