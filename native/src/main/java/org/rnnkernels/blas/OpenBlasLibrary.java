package org.rnnkernels.blas;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads {@code libopenblas} (through {@link SymbolLookup#libraryLookup}, never JNI), trying
 * in order:
 * <ol>
 *   <li>the file named by {@value #PATH_PROPERTY}; if set and it does not load, that is an error
 *       (it was asked for explicitly), not a fallback;</li>
 *   <li>the library shipped in {@code org.bytedeco:openblas:} {@value #ARTIFACT} on the classpath,
 *       extracted once to {@code $XDG_CACHE_HOME/rnnkernels/openblas-}{@value #ARTIFACT}
 *       (default {@code ~/.cache/...}); libopenblas has {@code RUNPATH $ORIGIN}, so libgfortran,
 *       libquadmath and libgcc_s are extracted beside it;</li>
 *   <li>a system {@code libopenblas.so.0}, by name.</li>
 * </ol>
 * The outcome is decided once per JVM. When nothing loads, one warning says what was tried.
 */
@SuppressWarnings("restricted") // libraryLookup: the point of this class; callers need --enable-native-access
public final class OpenBlasLibrary {
    /** System property: absolute path of a libopenblas to load instead of the bundled one. */
    public static final String PATH_PROPERTY = "rnnkernels.openblas.path";
    static final String ARTIFACT = "0.3.31-1.5.13-linux-x86_64";
    static final String RESOURCE_DIR = "/org/bytedeco/openblas/linux-x86_64/";
    static final String LIBRARY = "libopenblas.so.0";
    /** libopenblas last: a concurrent reader that sees it present also sees its dependencies. */
    static final List<String> FILES = List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", LIBRARY);

    private static final System.Logger LOG = System.getLogger("org.rnnkernels");
    /** FileChannel locks are per JVM: threads of one JVM must also exclude each other. */
    private static final Object EXTRACT_LOCK = new Object();

    /** A loaded library and where it came from. */
    record Loaded(SymbolLookup lookup, String source) {
    }

    /** Either a library, or why there is none; {@code error} set when an explicit request failed. */
    private record Outcome(Loaded loaded, String tried, RuntimeException error) {
    }

    private static volatile Outcome outcome;

    private OpenBlasLibrary() {
    }

    /**
     * The loaded library, or null when none could be loaded (after one warning).
     *
     * @throws IllegalStateException when {@value #PATH_PROPERTY} is set and that file does not load
     */
    static Loaded load() {
        Outcome o = outcome;
        if (o == null) {
            synchronized (OpenBlasLibrary.class) {
                o = outcome;
                if (o == null) {
                    o = search();
                    outcome = o;
                }
            }
        }
        if (o.error != null) {
            throw o.error;
        }
        return o.loaded;
    }

    /** What was tried and why it failed, when {@link #load()} found nothing; empty otherwise. */
    static String tried() {
        Outcome o = outcome;
        return o == null ? "" : o.tried;
    }

    private static Outcome search() {
        String explicit = System.getProperty(PATH_PROPERTY, "").trim();
        if (!explicit.isEmpty()) {
            try {
                Path path = Path.of(explicit).toAbsolutePath();
                return new Outcome(new Loaded(SymbolLookup.libraryLookup(path, Arena.global()), path.toString()), "", null);
            } catch (RuntimeException e) {
                return new Outcome(null, "-D" + PATH_PROPERTY + "=" + explicit, new IllegalStateException(
                        "-D" + PATH_PROPERTY + "=" + explicit + " does not load: " + e.getMessage(), e));
            }
        }
        List<String> tried = new ArrayList<>();
        if (bundledPlatform()) {
            try {
                Path path = extract(cacheDirectory());
                return new Outcome(new Loaded(SymbolLookup.libraryLookup(path, Arena.global()), path.toString()), "", null);
            } catch (IOException | RuntimeException e) {
                tried.add("bundled org.bytedeco:openblas:" + ARTIFACT + " (" + e + ")");
            }
        } else {
            tried.add("bundled org.bytedeco:openblas:" + ARTIFACT + " (not for this platform: "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ")");
        }
        try {
            return new Outcome(new Loaded(SymbolLookup.libraryLookup(LIBRARY, Arena.global()), "system " + LIBRARY), "", null);
        } catch (RuntimeException e) {
            tried.add("system " + LIBRARY + " (" + e.getMessage() + ")");
        }
        String summary = String.join("; ", tried);
        LOG.log(System.Logger.Level.WARNING, "rnnkernels: OpenBLAS not loaded, using the pure-Java BLAS; tried: " + summary);
        return new Outcome(null, summary, null);
    }

    private static boolean bundledPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** {@code $XDG_CACHE_HOME/rnnkernels/openblas-<version>}, or {@code ~/.cache/...} when unset or relative. */
    static Path cacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("rnnkernels").resolve("openblas-" + ARTIFACT);
    }

    /**
     * Extracts the bundled libraries into {@code dir} unless they are already there with the right
     * size, and returns the path of libopenblas. Safe when several threads or JVMs extract at once:
     * the work runs under a lock file in {@code dir}, and each file is written under a temporary name
     * then atomically renamed, so no one ever loads a half-written library.
     */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    static Path extract(Path dir) throws IOException {
        Files.createDirectories(dir);
        synchronized (EXTRACT_LOCK) {
            try (FileChannel channel = FileChannel.open(dir.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                for (String name : FILES) {
                    extractOne(dir, name);
                }
            }
        }
        return dir.resolve(LIBRARY);
    }

    private static void extractOne(Path dir, String name) throws IOException {
        URL url = OpenBlasLibrary.class.getResource(RESOURCE_DIR + name);
        if (url == null) {
            throw new IOException(RESOURCE_DIR + name + " is not on the classpath");
        }
        URLConnection connection = url.openConnection();
        long size = connection.getContentLengthLong();
        Path target = dir.resolve(name);
        if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
            return;
        }
        Path temp = Files.createTempFile(dir, name + ".", ".tmp");
        try {
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (size >= 0 && Files.size(temp) != size) {
                throw new IOException(name + ": extracted " + Files.size(temp) + " bytes, expected " + size);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
