package org.rnnkernels.blas;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.files.AtomicFiles;

/**
 * Finds and loads {@code libopenblas} (through {@link SymbolLookup#libraryLookup}, never JNI), trying
 * in order:
 * <ol>
 *   <li>the file named by {@value #PATH_PROPERTY}; if set and it does not load, that is an error
 *       (it was asked for explicitly), not a fallback;</li>
 *   <li>the library shipped in {@code org.bytedeco:openblas:}{@value #VERSION}{@code :<classifier>} on
 *       the class path, for the classifier of the running OS and architecture ({@link OpenBlasPlatform}),
 *       extracted once to {@code $XDG_CACHE_HOME/rnnkernels/openblas-}{@value #VERSION}{@code -<classifier>}
 *       (default {@code ~/.cache/...}); the libraries it needs are extracted beside it, where it looks
 *       for them ({@code RUNPATH $ORIGIN}, {@code @loader_path});</li>
 *   <li>a system OpenBLAS by name ({@code libopenblas.so.0}, {@code libopenblas.0.dylib},
 *       {@code libopenblas.dll}).</li>
 * </ol>
 * The outcome is decided once per JVM. When nothing loads, one warning says what was tried.
 */
@SuppressWarnings("restricted") // libraryLookup: the point of this class; callers need --enable-native-access
public final class OpenBlasLibrary {
    /** System property: absolute path of a libopenblas to load instead of the bundled one. */
    public static final String PATH_PROPERTY = "rnnkernels.openblas.path";
    /** The version of org.bytedeco:openblas in the pom; the cache directory is named after it. */
    static final String VERSION = "0.3.31-1.5.13";

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
        Loaded bundled = loadBundled(tried);
        if (bundled != null) {
            return new Outcome(bundled, "", null);
        }
        String system = OpenBlasPlatform.systemLibrary(System.getProperty("os.name", ""));
        try {
            return new Outcome(new Loaded(SymbolLookup.libraryLookup(system, Arena.global()), "system " + system), "", null);
        } catch (RuntimeException e) {
            tried.add("system " + system + " (" + e.getMessage() + ")");
        }
        String summary = String.join("; ", tried);
        LOG.log(System.Logger.Level.WARNING, "rnnkernels: OpenBLAS not loaded, using the pure-Java BLAS; tried: " + summary);
        return new Outcome(null, summary, null);
    }

    /** The bundled library for this platform, or null after adding to {@code tried} why not. */
    private static Loaded loadBundled(List<String> tried) {
        OpenBlasPlatform platform;
        try {
            platform = OpenBlasPlatform.current();
        } catch (IllegalArgumentException e) {
            tried.add("bundled org.bytedeco:openblas:" + VERSION + " (" + e.getMessage() + ")");
            return null;
        }
        try {
            Path path = extract(cacheDirectory(platform), platform);
            return new Loaded(SymbolLookup.libraryLookup(path, Arena.global()), path.toString());
        } catch (IOException | RuntimeException e) {
            tried.add("bundled org.bytedeco:openblas:" + VERSION + ":" + platform.classifier() + " (" + e + ")");
            return null;
        }
    }

    /**
     * {@code $XDG_CACHE_HOME/rnnkernels/openblas-<version>-<classifier>}, or {@code ~/.cache/...} when
     * unset or relative.
     */
    static Path cacheDirectory(OpenBlasPlatform platform) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("rnnkernels").resolve("openblas-" + VERSION + "-" + platform.classifier());
    }

    /**
     * Extracts the bundled libraries of {@code platform} into {@code dir} unless they are already there
     * with the right size, and returns the path of libopenblas. Safe when several threads or JVMs extract
     * at once: the work runs under a lock file in {@code dir}, and each file is written under a temporary
     * name then atomically renamed, so no one ever loads a half-written library.
     */
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    static Path extract(Path dir, OpenBlasPlatform platform) throws IOException {
        Files.createDirectories(dir);
        synchronized (EXTRACT_LOCK) {
            try (FileChannel channel = FileChannel.open(dir.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                for (String name : platform.files()) {
                    extractOne(dir, platform, name);
                }
            }
        }
        return dir.resolve(platform.library());
    }

    /**
     * One of the platform's bundled files, or null when its jar is not on the class path. Asks the class
     * loader rather than {@link Class#getResource}: on the module path that one looks only inside this
     * module, while the directory names (with '-' in them, so no package) are readable from any module.
     */
    static URL bundledResource(OpenBlasPlatform platform, String name) {
        return OpenBlasLibrary.class.getClassLoader().getResource(platform.resourceDir() + name);
    }

    private static void extractOne(Path dir, OpenBlasPlatform platform, String name) throws IOException {
        URL url = bundledResource(platform, name);
        if (url == null) {
            throw new IOException(platform.resourceDir() + name + " is not on the class path: add the dependency"
                    + " org.bytedeco:openblas:" + VERSION + ":" + platform.classifier()
                    + ", or build rnnkernels with -Dopenblas.platform=" + platform.classifier());
        }
        URLConnection connection = url.openConnection();
        long size = connection.getContentLengthLong();
        Path target = dir.resolve(name);
        if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
            return;
        }
        try (InputStream in = connection.getInputStream()) {
            AtomicFiles.write(target, out -> {
                long extracted = in.transferTo(Channels.newOutputStream(out));
                if (size >= 0 && extracted != size) {
                    throw new IOException(name + ": extracted " + extracted + " bytes, expected " + size);
                }
            });
        }
    }
}
