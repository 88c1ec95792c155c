package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnkernels.blas.Blases;

/**
 * The library on the module path, as an application that is a module of its own sees it: the test
 * compiles a small module {@code demo} that {@code requires org.rnnkernels} against the built modules
 * (kernels and native, and their dependencies as they sit on this test's class path), runs it in a
 * JVM started with {@code --module-path}, and checks that
 * <ul>
 *   <li>a GRU layer runs, with the Vector API and without it ({@code jdk.incubator.vector} is only
 *       {@code requires static}), and gives the sum this class-path JVM gets;</li>
 *   <li>OpenBLAS loads from the bytedeco jar on the class path, with
 *       {@code --enable-native-access=org.rnnkernels.blas} and no restricted-method warning;</li>
 *   <li>the internal packages ({@code org.rnnkernels.cell}, {@code .product}, {@code .integer}, {@code .internal}, and native's
 *       {@code org.rnnkernels.simd}) neither compile against nor open to reflection from it.</li>
 * </ul>
 * The other tests run on the class path (surefire's {@code useModulePath=false}). Runs in the
 * default surefire execution only: the module graph does not depend on the vector width.
 */
class ModulePathTest {

    private static final String DEMO_MODULE = """
            module demo {
                requires org.rnnkernels;
            }
            """;

    private static final String DEMO_MAIN = """
            package demo;

            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.List;
            import org.rnnkernels.CellType;
            import org.rnnkernels.LayerState;
            import org.rnnkernels.LayerWeights;
            import org.rnnkernels.RecurrentLayer;
            import org.rnnkernels.RecurrentModel;
            import org.rnnkernels.blas.Blases;
            import org.rnnkernels.io.ModelFiles;

            public class Main {
                public static void main(String[] args) {
                    System.out.println("checksum=" + checksum());
                    System.out.println("blas=" + Blases.get().info().implementation());
                    System.out.println("module=" + RecurrentLayer.class.getModule().getName());
                    System.out.println("internal=" + reach("org.rnnkernels.internal.Checks"));
                    System.out.println("cell=" + reach("org.rnnkernels.cell.Gru"));
                    System.out.println("product=" + reach("org.rnnkernels.product.Scratch"));
                    System.out.println("integer=" + reach("org.rnnkernels.integer.IntegerCells"));
                    System.out.println("simd=" + reach("org.rnnkernels.simd.Simd"));
                    System.out.println("files=" + reach("org.rnnkernels.files.AtomicFiles"));
                    System.out.println("saved=" + savedAndLoaded());
                }

                /** A model file written (through the native module's atomic write) and read back. */
                static String savedAndLoaded() {
                    try {
                        Path file = Files.createTempFile("demo", ".safetensors");
                        float[] wHh = fill(3 * 3 * 3, 2);
                        try (RecurrentModel model = RecurrentModel.of(false, List.of(RecurrentLayer.create(LayerWeights.of(CellType.GRU, 2, 3)
                                .inputWeights(fill(3 * 3 * 2, 1))
                                .recurrentWeights(wHh)
                                .biases(fill(3 * 3, 3), fill(3 * 3, 4))
                                .build())))) {
                            ModelFiles.save(model, file);
                        }
                        try (RecurrentModel loaded = ModelFiles.load(file)) {
                            return java.util.Arrays.equals(wHh, loaded.layer(0, 0).weightHh()) ? "same" : "different";
                        } finally {
                            Files.delete(file);
                        }
                    } catch (Exception e) {
                        return e.toString();
                    }
                }

                /** What reflection gets when it asks for the class's members. */
                static String reach(String className) {
                    try {
                        Class<?> type = Class.forName(className, false, Main.class.getClassLoader());
                        type.getDeclaredConstructors()[0].setAccessible(true);
                        return "reachable";
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        return e.getClass().getSimpleName();
                    }
                }

            %s
            }
            """;

    /** Shared by the demo (pasted into its source) and this test, which runs it on the class path. */
    private static final String CHECKSUM = """
                public static double checksum() {
                    int in = 5, h = 7, g = 3, steps = 4;
                    float[] wIh = fill(g * h * in, 1), wHh = fill(g * h * h, 2), bIh = fill(g * h, 3), bHh = fill(g * h, 4);
                    float[] x = fill(steps * in, 5);
                    float[] out = new float[steps * h];
                    try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(CellType.GRU, in, h)
                            .inputWeights(wIh)
                            .recurrentWeights(wHh)
                            .biases(bIh, bHh)
                            .build());
                         LayerState state = layer.newState(1)) {
                        layer.forward(x, steps, state, out);
                    }
                    double sum = 0;
                    for (float v : out) {
                        sum += v;
                    }
                    return sum;
                }

                static float[] fill(int n, int seed) {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (float) (0.3 * StrictMath.sin(seed * 31 + i));
                    }
                    return a;
                }
            """;

    /** Uses one internal package per line: each must be an error. */
    private static final String PROBE_MAIN = """
            package probe;

            public class Probe {
                public static void main(String[] args) {
                    org.rnnkernels.internal.Checks.positive("x", 1);
                    System.out.println(org.rnnkernels.cell.Gru.class);
                    System.out.println(org.rnnkernels.product.Scratch.class);
                    System.out.println(org.rnnkernels.integer.IntegerCells.class);
                    System.out.println(org.rnnkernels.simd.Simd.describe());
                    System.out.println(org.rnnkernels.files.AtomicFiles.class);
                }
            }
            """;

    @TempDir
    static Path work;

    private static List<Path> modulePath;
    private static List<Path> classPath;

    @BeforeAll
    static void onlyInTheDefaultExecution() throws IOException {
        assumeTrue("vector".equals(System.getProperty("rnk.expectImpl")) && System.getProperty("rnk.expectBits") == null,
                "runs in the default (vector, preferred width) execution only");
        splitClassPath();
    }

    /**
     * The module path: org.rnnkernels and the modules it requires, found among this JVM's class path
     * entries (target/classes or jars, each with its module-info, and the dependency jars). The class
     * path: the jars holding bytedeco's OpenBLAS libraries, which are read as resources.
     */
    private static void splitClassPath() throws IOException {
        Map<String, Path> where = new HashMap<>();
        Map<String, ModuleDescriptor> descriptors = new HashMap<>();
        List<Path> openBlasJars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path path = Path.of(entry);
            boolean jar = Files.isRegularFile(path) && entry.endsWith(".jar");
            if (!jar && !Files.isRegularFile(path.resolve("module-info.class"))) {
                continue; // test classes, resources: not a module
            }
            if (jar && holdsOpenBlas(path)) {
                openBlasJars.add(path);
                continue;
            }
            try {
                for (ModuleReference ref : ModuleFinder.of(path).findAll()) {
                    where.putIfAbsent(ref.descriptor().name(), path);
                    descriptors.putIfAbsent(ref.descriptor().name(), ref.descriptor());
                }
            } catch (FindException e) {
                // a jar without a valid module name: nothing the library requires
            }
        }
        Set<String> system = ModuleFinder.ofSystem().findAll().stream()
                .map(r -> r.descriptor().name()).collect(Collectors.toSet());
        Set<String> needed = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of("org.rnnkernels"));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (system.contains(name) || !needed.add(name)) {
                continue;
            }
            ModuleDescriptor descriptor = descriptors.get(name);
            assertTrue(descriptor != null, "module " + name + " is not on the test class path: " + where.keySet());
            for (ModuleDescriptor.Requires r : descriptor.requires()) {
                if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                    todo.push(r.name());
                }
            }
        }
        modulePath = needed.stream().map(where::get).distinct().toList();
        classPath = List.copyOf(openBlasJars);
    }

    private static boolean holdsOpenBlas(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().anyMatch(e -> e.getName().startsWith("org/bytedeco/openblas/")
                    && e.getName().contains("libopenblas"));
        }
    }

    private static String joined(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    record Run(int exit, String stdout, String stderr) {
        Map<String, String> values() {
            Map<String, String> map = new LinkedHashMap<>();
            stdout.lines().filter(l -> l.contains("=")).forEach(l -> map.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
            return map;
        }
    }

    private static Run javac(Path sources, Path out) throws IOException {
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new AssertionError("no javac in this JDK"));
        List<String> args = new ArrayList<>(List.of("--release", "25", "-d", out.toString(),
                "--module-path", joined(modulePath)));
        try (var files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int exit = javac.run(new PrintWriter(stdout, true), new PrintWriter(stderr, true), args.toArray(String[]::new));
        return new Run(exit, stdout.toString(), stderr.toString());
    }

    private static Path compiledDemo() throws IOException {
        Path out = work.resolve("demo-classes");
        if (Files.isRegularFile(out.resolve("module-info.class"))) {
            return out;
        }
        Path src = work.resolve("demo-src");
        Files.createDirectories(src.resolve("demo"));
        Files.writeString(src.resolve("module-info.java"), DEMO_MODULE);
        Files.writeString(src.resolve("demo/Main.java"), DEMO_MAIN.formatted(CHECKSUM));
        Run r = javac(src, out);
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        return out;
    }

    private static Run java(List<String> flags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(flags);
        command.addAll(List.of("--module-path", compiledDemo() + File.pathSeparator + joined(modulePath)));
        if (!classPath.isEmpty()) {
            command.addAll(List.of("-cp", joined(classPath)));
        }
        command.addAll(List.of("-m", "demo/demo.Main"));
        Path out = Files.createTempFile(work, "demo", ".out");
        Path err = Files.createTempFile(work, "demo", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The demo's sum, computed here on the class path. */
    private static double classPathChecksum() {
        int in = 5, h = 7, g = 3, steps = 4;
        float[] wIh = fill(g * h * in, 1), wHh = fill(g * h * h, 2), bIh = fill(g * h, 3), bHh = fill(g * h, 4);
        float[] x = fill(steps * in, 5);
        float[] out = new float[steps * h];
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(CellType.GRU, in, h)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .build());
             LayerState state = layer.newState(1)) {
            layer.forward(x, steps, state, out);
        }
        double sum = 0;
        for (float v : out) {
            sum += v;
        }
        return sum;
    }

    private static float[] fill(int n, int seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (0.3 * StrictMath.sin(seed * 31 + i));
        }
        return a;
    }

    private static void assertApiWorksAndInternalsAreClosed(Run r) {
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        Map<String, String> v = r.values();
        assertEquals("org.rnnkernels", v.get("module"), r.stdout());
        double checksum = Double.parseDouble(v.get("checksum"));
        assertNotEquals(0.0, checksum, r.stdout());
        assertEquals(classPathChecksum(), checksum, 1e-4, r.stdout());
        assertEquals(Blases.get().info().implementation(), v.get("blas"), r.stdout() + r.stderr());
        // Not exported: the class loads, but its members stay closed to the demo module.
        assertEquals("InaccessibleObjectException", v.get("internal"), r.stdout());
        assertEquals("InaccessibleObjectException", v.get("cell"), r.stdout());
        assertEquals("InaccessibleObjectException", v.get("product"), r.stdout());
        assertEquals("InaccessibleObjectException", v.get("integer"), r.stdout());
        assertEquals("InaccessibleObjectException", v.get("simd"), r.stdout());
        assertEquals("InaccessibleObjectException", v.get("files"), r.stdout());
        assertEquals("same", v.get("saved"), r.stdout() + r.stderr());
        assertFalse(r.stderr().contains("restricted method"), r.stderr());
    }

    @Test
    void modulePathHoldsTheLibraryAndItsDependencies() {
        List<String> names = modulePath.stream().map(p -> p.toString().replace(File.separatorChar, '/')).toList();
        assertTrue(names.stream().anyMatch(n -> n.contains("kernels/target")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.contains("native/target") || n.contains("rnnkernels-native")), names.toString());
        assertTrue(names.stream().noneMatch(n -> n.contains("junit") || n.contains("jqwik") || n.contains("reference")),
                names.toString());
    }

    @Test
    void demoRunsWithTheVectorApiAndOpenBlas() throws Exception {
        Run r = java(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=org.rnnkernels.blas",
                "-Drnnkernels.impl=vector"));
        assertApiWorksAndInternalsAreClosed(r);
        assertTrue(r.stderr().contains("rnnkernels: Vector API kernels"), r.stderr());
    }

    @Test
    void demoRunsScalarWithoutTheVectorModule() throws Exception {
        Run r = java(List.of("--enable-native-access=org.rnnkernels.blas"));
        assertApiWorksAndInternalsAreClosed(r);
        assertTrue(r.stderr().contains("jdk.incubator.vector is not available, using scalar kernels"), r.stderr());
    }

    @Test
    void internalPackagesDoNotCompileAgainstTheModule() throws IOException {
        Path src = work.resolve("probe-src");
        Files.createDirectories(src.resolve("probe"));
        Files.writeString(src.resolve("module-info.java"), "module probe { requires org.rnnkernels; }\n");
        Files.writeString(src.resolve("probe/Probe.java"), PROBE_MAIN);
        Run r = javac(src, work.resolve("probe-classes"));
        assertNotEquals(0, r.exit(), "internal packages compiled: " + r.stderr());
        for (String pkg : Arrays.asList("org.rnnkernels.internal", "org.rnnkernels.cell", "org.rnnkernels.product",
                "org.rnnkernels.integer", "org.rnnkernels.simd", "org.rnnkernels.files")) {
            assertTrue(r.stderr().contains("package " + pkg + " is not visible"), pkg + ":\n" + r.stderr());
        }
    }
}
