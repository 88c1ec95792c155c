package org.rnnkernels.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which bundled OpenBLAS each (os.name, os.arch) gets. The expected file lists are what the
 * org.bytedeco:openblas:0.3.31-1.5.13 jars hold and what each libopenblas links against, written out
 * here rather than derived, so a wrong table in {@link OpenBlasPlatform} shows.
 */
class OpenBlasPlatformTest {

    private static final List<String> LINUX_X86_64 =
            List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");
    private static final List<String> LINUX_ARM64 =
            List.of("libgcc_s.so.1", "libgfortran.so.5", "libopenblas.so.0");
    private static final List<String> MACOSX_X86_64 =
            List.of("libgcc_s.1.1.dylib", "libquadmath.0.dylib", "libgfortran.5.dylib", "libopenblas.0.dylib");
    private static final List<String> MACOSX_ARM64 = List.of("libopenblas.0.dylib");
    private static final List<String> WINDOWS_X86_64 = List.of("libopenblas.dll");

    /** The os.name and os.arch values JDKs report on each platform, and the aliases other runtimes use. */
    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
            "Linux, amd64, linux-x86_64",
            "Linux, x86_64, linux-x86_64",
            "linux, X86-64, linux-x86_64",
            "Linux, aarch64, linux-arm64",
            "Linux, arm64, linux-arm64",
            "Mac OS X, x86_64, macosx-x86_64",
            "Mac OS X, amd64, macosx-x86_64",
            "Darwin, x86_64, macosx-x86_64",
            "Mac OS X, aarch64, macosx-arm64",
            "Darwin, arm64, macosx-arm64",
            "Windows 11, amd64, windows-x86_64",
            "Windows 10, AMD64, windows-x86_64",
            "Windows Server 2022, x64, windows-x86_64",
    })
    void mapsToTheBytedecoClassifier(String osName, String osArch, String classifier) {
        OpenBlasPlatform platform = OpenBlasPlatform.of(osName, osArch);
        assertEquals(classifier, platform.classifier());
        assertEquals("org/bytedeco/openblas/" + classifier + "/", platform.resourceDir());
    }

    @Test
    void eachPlatformExtractsItsOwnLibrariesDependenciesFirst() {
        assertFiles("Linux", "amd64", LINUX_X86_64, "libopenblas.so.0");
        assertFiles("Linux", "aarch64", LINUX_ARM64, "libopenblas.so.0");
        assertFiles("Mac OS X", "x86_64", MACOSX_X86_64, "libopenblas.0.dylib");
        assertFiles("Mac OS X", "aarch64", MACOSX_ARM64, "libopenblas.0.dylib");
        assertFiles("Windows 11", "amd64", WINDOWS_X86_64, "libopenblas.dll");
    }

    @Test
    void theBundledPlatformsAreTheFiveBytedecoBuilds() {
        assertEquals(List.of("linux-x86_64", "linux-arm64", "macosx-x86_64", "macosx-arm64", "windows-x86_64"),
                OpenBlasPlatform.classifiers());
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({
            "SunOS, sparcv9",
            "Windows 11, aarch64",
            "Linux, x86",
            "Linux, i386",
            "Linux, arm",
            "Linux, ppc64le",
            "FreeBSD, amd64",
            "AIX, ppc64",
            "'', ''",
    })
    void otherPlatformsAreRefusedWithTheReason(String osName, String osArch) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenBlasPlatform.of(osName, osArch));
        assertTrue(e.getMessage().contains("os.name=" + osName + ", os.arch=" + osArch), e.getMessage());
        assertTrue(e.getMessage().contains(
                "linux-x86_64, linux-arm64, macosx-x86_64, macosx-arm64, windows-x86_64"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "Linux, libopenblas.so.0",
            "FreeBSD, libopenblas.so.0",
            "SunOS, libopenblas.so.0",
            "Mac OS X, libopenblas.0.dylib",
            "Windows 11, libopenblas.dll",
            "Windows Server 2022, libopenblas.dll",
    })
    void theSystemLibraryIsNamedAsOnItsOs(String osName, String library) {
        assertEquals(library, OpenBlasPlatform.systemLibrary(osName));
    }

    /** The build chose the jar for this machine (openblas.platform), so all its files must be found. */
    @Test
    void thisMachinesFilesAreOnTheClassPath() {
        OpenBlasPlatform platform = OpenBlasPlatform.current();
        for (String name : platform.files()) {
            assertNotNull(OpenBlasLibrary.bundledResource(platform, name),
                    platform.resourceDir() + name + " is not on the test class path");
        }
    }

    private static void assertFiles(String osName, String osArch, List<String> files, String library) {
        OpenBlasPlatform platform = OpenBlasPlatform.of(osName, osArch);
        assertEquals(files, platform.files(), platform.classifier());
        assertEquals(library, platform.library(), platform.classifier());
    }
}
