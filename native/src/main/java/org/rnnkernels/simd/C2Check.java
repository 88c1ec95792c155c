package org.rnnkernels.simd;

import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.function.Function;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Finds the JVM flag that keeps HotSpot's C2 compiler from running. The Vector API is only
 * intrinsified by C2: in the interpreter or C1 every vector operation is a boxed object, and the
 * vector kernels run many times slower than the scalar ones.
 */
final class C2Check {
    private C2Check() {
    }

    /** The flag that disables C2 in this JVM, or empty when C2 runs or the VM does not say. */
    static Optional<String> disablingFlag() {
        String info = System.getProperty("java.vm.info", "");
        // -Xint shows in the system property; the MXBean costs tens of milliseconds, so skip it then.
        if (info.contains("interpreted mode")) {
            return Optional.of("-Xint");
        }
        Function<String, String> option = hotSpotOptions();
        return disablingFlag(info, option.apply("UseCompiler"), option.apply("TieredCompilation"),
                option.apply("TieredStopAtLevel"), option.apply("CompilationMode"));
    }

    /**
     * The flag that disables C2, from {@code java.vm.info} and the values of the HotSpot options
     * of the same names; {@code null} stands for an option the VM does not have or did not report.
     * Probed on HotSpot 25: {@code -Xint} says "interpreted mode" (and sets UseCompiler=false);
     * {@code TieredStopAtLevel=0} sets UseCompiler=false; 1 to 3 stop at C1 only while tiered
     * compilation is on (1 and {@code CompilationMode=quick-only} also say "emulated-client");
     * with {@code -XX:-TieredCompilation} a low TieredStopAtLevel is ignored and C2 runs.
     */
    static Optional<String> disablingFlag(String vmInfo, String useCompiler, String tieredCompilation,
                                          String tieredStopAtLevel, String compilationMode) {
        String info = vmInfo == null ? "" : vmInfo;
        if (info.contains("interpreted mode")) {
            return Optional.of("-Xint");
        }
        Integer level = parse(tieredStopAtLevel);
        if (level != null && level == 0) {
            return Optional.of("-XX:TieredStopAtLevel=0");
        }
        if ("false".equalsIgnoreCase(trim(useCompiler))) {
            return Optional.of("-XX:-UseCompiler");
        }
        if (level != null && level < 4 && !"false".equalsIgnoreCase(trim(tieredCompilation))) {
            return Optional.of("-XX:TieredStopAtLevel=" + level);
        }
        if ("quick-only".equalsIgnoreCase(trim(compilationMode))) {
            return Optional.of("-XX:CompilationMode=quick-only");
        }
        if (info.contains("emulated-client")) {
            // The options were not readable, but the VM still says it runs C1 only.
            return Optional.of("-XX:TieredStopAtLevel (below 4) or -XX:CompilationMode=quick-only");
        }
        return Optional.empty();
    }

    private static Integer parse(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    /**
     * HotSpot option values by name, null for any it cannot give: another VM, a runtime without
     * jdk.management, or an option this VM lacks must leave the choice to the other checks, not fail it.
     */
    private static Function<String, String> hotSpotOptions() {
        HotSpotDiagnosticMXBean bean;
        try {
            bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            return name -> null;
        }
        if (bean == null) {
            return name -> null;
        }
        return name -> {
            try {
                return bean.getVMOption(name).getValue();
            } catch (RuntimeException e) {
                return null;
            }
        };
    }
}
