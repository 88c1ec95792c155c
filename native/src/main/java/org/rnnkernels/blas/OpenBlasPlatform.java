package org.rnnkernels.blas;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The build of OpenBLAS in {@code org.bytedeco:openblas} that serves one OS and architecture, and which
 * of its files must be extracted for it to load. Decided from the {@code os.name} and {@code os.arch}
 * strings alone, so that every platform's answer can be tested on any one machine.
 *
 * @param classifier the Maven classifier of the bytedeco jar, which is also the name of the directory
 *                   its libraries sit in
 * @param files      the files to extract, each before the ones that need it and libopenblas last: a
 *                   concurrent loader that sees libopenblas present then also sees its dependencies
 */
record OpenBlasPlatform(String classifier, List<String> files) {

    /*
     * What each library needs was read from the 0.3.31-1.5.13 jars (readelf -d, llvm-objdump --dylibs-used,
     * objdump -p). Every dependency is found beside libopenblas (RUNPATH $ORIGIN, @rpath = @loader_path),
     * so extracting into one directory is enough. Files the jars carry that libopenblas does not need
     * (the JNI wrappers, headers, macOS's duplicate libgfortran.dylib) are left in the jar.
     */
    private static final List<OpenBlasPlatform> BUNDLED = List.of(
            new OpenBlasPlatform("linux-x86_64",
                    List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0")),
            // gfortran on aarch64 has no __float128, hence no libquadmath.
            new OpenBlasPlatform("linux-arm64",
                    List.of("libgcc_s.so.1", "libgfortran.so.5", "libopenblas.so.0")),
            new OpenBlasPlatform("macosx-x86_64",
                    List.of("libgcc_s.1.1.dylib", "libquadmath.0.dylib", "libgfortran.5.dylib", "libopenblas.0.dylib")),
            // This build links libSystem only; the Fortran runtime in the jar serves the JNI wrappers.
            new OpenBlasPlatform("macosx-arm64",
                    List.of("libopenblas.0.dylib")),
            // Imports KERNEL32 and msvcrt only: the MinGW runtime is linked in statically.
            new OpenBlasPlatform("windows-x86_64",
                    List.of("libopenblas.dll")));

    OpenBlasPlatform {
        files = List.copyOf(files);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files for " + classifier);
        }
    }

    /**
     * The platform of the running JVM.
     *
     * @throws IllegalArgumentException as {@link #of}
     */
    static OpenBlasPlatform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /**
     * The bundled build for these {@code os.name} and {@code os.arch} values, under the names JDKs
     * report them by (Linux reports x86-64 as {@code amd64}, macOS as {@code x86_64}).
     *
     * @throws IllegalArgumentException when org.bytedeco:openblas has no build for them; the message says
     *                                  which platforms it has
     */
    static OpenBlasPlatform of(String osName, String osArch) {
        String os = osFamily(osName);
        String arch = archFamily(osArch);
        String classifier = os + "-" + arch;
        for (OpenBlasPlatform platform : BUNDLED) {
            if (platform.classifier.equals(classifier)) {
                return platform;
            }
        }
        throw new IllegalArgumentException("org.bytedeco:openblas has no build for os.name=" + osName
                + ", os.arch=" + osArch + " (it has " + BUNDLED.stream().map(OpenBlasPlatform::classifier)
                .collect(Collectors.joining(", ")) + ")");
    }

    /** The classifiers of every bundled build. */
    static List<String> classifiers() {
        return BUNDLED.stream().map(OpenBlasPlatform::classifier).toList();
    }

    /**
     * The name a system-installed OpenBLAS goes by on this OS, for the dynamic linker's own search.
     * Depends on the OS only: a system library may exist where no bundled build does.
     */
    static String systemLibrary(String osName) {
        return switch (osFamily(osName)) {
            case "macosx" -> "libopenblas.0.dylib";
            // The name OpenBLAS's own MinGW build and MSYS2 install it under.
            case "windows" -> "libopenblas.dll";
            default -> "libopenblas.so.0";
        };
    }

    /** The directory of the libraries inside the jar, as a class loader resource name (no leading '/'). */
    String resourceDir() {
        return "org/bytedeco/openblas/" + classifier + "/";
    }

    /** libopenblas itself. */
    String library() {
        return files.getLast();
    }

    /** bytedeco's OS part of a classifier, or the lowercased name itself when it is not one of theirs. */
    private static String osFamily(String osName) {
        String os = osName.trim().toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return "linux";
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return "macosx";
        }
        if (os.startsWith("windows")) {
            return "windows";
        }
        return os;
    }

    /** bytedeco's architecture part of a classifier, or the lowercased name itself when it is not one of theirs. */
    private static String archFamily(String osArch) {
        String arch = osArch.trim().toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x86-64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }
}
