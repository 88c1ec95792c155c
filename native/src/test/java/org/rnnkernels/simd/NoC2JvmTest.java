package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts JVMs with the flags that keep C2 from running and reads their choice: the pure
 * {@link C2Check#disablingFlag(String, String, String, String, String)} is tested by its table, this
 * proves the MXBean and {@code java.vm.info} really give it those inputs. Runs in the default surefire
 * execution only: the choice does not depend on the width, and each JVM costs a second or so.
 */
class NoC2JvmTest {

    /** Prints the choice the way a report sees it. */
    public static final class Main {
        public static void main(String[] args) {
            System.out.println("describe=" + Simd.describe());
        }
    }

    record Run(int exit, String stdout, String stderr) {
    }

    @BeforeAll
    static void onlyInTheDefaultExecution() {
        assumeTrue("vector".equals(System.getProperty("rnk.expectImpl")) && System.getProperty("rnk.expectBits") == null,
                "runs in the default (vector, preferred width) execution only");
    }

    private static Run run(String... flags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Path out = Files.createTempFile("rnk-noc2", ".out");
        Path err = Files.createTempFile("rnk-noc2", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static long warnings(String stderr) {
        // The JDK's own "Using incubator modules" warning is not ours.
        return stderr.lines().filter(l -> l.startsWith("WARNING: rnnkernels")).count();
    }

    @Test
    void c1OnlyChoosesScalarWithOneWarning() throws Exception {
        Run r = run("-XX:TieredStopAtLevel=1");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("describe=scalar (no C2 compiler: -XX:TieredStopAtLevel=1)", r.stdout().strip(), r.stderr());
        assertEquals(1, warnings(r.stderr()), r.stderr());
        assertTrue(r.stderr().contains("remove -XX:TieredStopAtLevel=1 from the JVM flags"), r.stderr());
    }

    @Test
    void interpreterChoosesScalar() throws Exception {
        Run r = run("-Xint");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("describe=scalar (no C2 compiler: -Xint)", r.stdout().strip(), r.stderr());
        assertEquals(1, warnings(r.stderr()), r.stderr());
    }

    @Test
    void forcedVectorWithoutC2StaysVectorAndWarns() throws Exception {
        Run r = run("-XX:-UseCompiler", "-Drnnkernels.impl=vector");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().strip().startsWith("describe=vector "), r.stdout() + r.stderr());
        assertEquals(1, warnings(r.stderr()), r.stderr());
        assertTrue(r.stderr().contains("remove -XX:-UseCompiler from the JVM flags"), r.stderr());
    }

    @Test
    void withC2TheChoiceIsVectorWithoutWarning() throws Exception {
        Run r = run();
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().strip().startsWith("describe=vector "), r.stdout() + r.stderr());
        assertEquals(0, warnings(r.stderr()), r.stderr());
    }
}
