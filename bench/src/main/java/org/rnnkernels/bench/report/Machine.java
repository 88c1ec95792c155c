package org.rnnkernels.bench.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.rnnkernels.blas.BlasInfo;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.simd.Simd;

/** Collects the machine description written as {@code machine.json}: CPU, caches, OS, JDK, vectors, BLAS. */
public final class Machine {
    private Machine() {
    }

    public static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = read(Path.of("/etc/hostname")).strip();
            }
        }
        h = h.isBlank() ? "unknown-host" : h;
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The description; {@code run} (settings of this run) is embedded as-is. */
    public static ObjectNode describe(String date, ObjectNode run) {
        ObjectNode m = BenchData.object();
        m.put("hostname", hostname());
        m.put("date", date);
        ObjectNode cpu = m.putObject("cpu");
        String cpuinfo = read(Path.of("/proc/cpuinfo"));
        cpu.put("model", field(cpuinfo, "model name", System.getProperty("os.arch")));
        cpu.put("vendor", field(cpuinfo, "vendor_id", ""));
        cpu.put("family", field(cpuinfo, "cpu family", ""));
        cpu.put("modelNumber", field(cpuinfo, "model", ""));
        cpu.put("logicalCpus", Runtime.getRuntime().availableProcessors());
        String lscpu = run(List.of("lscpu"));
        cpu.put("coresPerSocket", field(lscpu, "Core(s) per socket", ""));
        cpu.put("threadsPerCore", field(lscpu, "Thread(s) per core", ""));
        cpu.put("sockets", field(lscpu, "Socket(s)", ""));
        cpu.put("hypervisor", field(lscpu, "Hypervisor vendor", "none"));
        ArrayNode simdFlags = cpu.putArray("simdFlags");
        String flags = field(cpuinfo, "flags", "");
        for (String f : flags.split("\\s+")) {
            if (f.matches("(sse\\d.*|ssse3|avx.*|fma|f16c|amx.*|neon|asimd.*|sve.*)")) {
                simdFlags.add(f);
            }
        }
        cpu.put("flags", flags);
        ObjectNode caches = m.putObject("caches");
        for (String line : lscpu.split("\n")) {
            if (line.matches("^L\\d\\w? cache:.*")) {
                caches.put(line.substring(0, line.indexOf(" cache:")), line.substring(line.indexOf(':') + 1).strip());
            }
        }
        if (caches.isEmpty()) {
            for (int i = 0; i < 8; i++) {
                Path d = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
                if (!Files.isDirectory(d)) {
                    break;
                }
                String type = read(d.resolve("type")).strip();
                String name = "L" + read(d.resolve("level")).strip()
                        + (type.equals("Data") ? "d" : type.equals("Instruction") ? "i" : "");
                caches.put(name, read(d.resolve("size")).strip() + " per core (shared by CPUs "
                        + read(d.resolve("shared_cpu_list")).strip() + ")");
            }
        }
        ObjectNode os = m.putObject("os");
        os.put("name", System.getProperty("os.name"));
        os.put("version", System.getProperty("os.version"));
        os.put("arch", System.getProperty("os.arch"));
        os.put("distribution", field(read(Path.of("/etc/os-release")).replace("=", ":").replace("\"", ""),
                "PRETTY_NAME", ""));
        ObjectNode jdk = m.putObject("jdk");
        jdk.put("version", Runtime.version().toString());
        jdk.put("vm", System.getProperty("java.vm.name"));
        jdk.put("vendor", System.getProperty("java.vendor"));
        jdk.put("home", System.getProperty("java.home"));
        m.put("vector", Simd.describe());
        ObjectNode blas = m.putObject("blas");
        try {
            BlasInfo info = Blases.get().info();
            blas.put("implementation", info.implementation());
            blas.put("config", info.config());
            blas.put("coreName", info.coreName());
            blas.put("source", info.source());
            blas.put("threads", info.threads());
        } catch (RuntimeException | LinkageError e) {
            blas.put("implementation", "unavailable");
            blas.put("error", String.valueOf(e));
        }
        m.set("run", run);
        return m;
    }

    /** The first {@code key : value} line's value. */
    static String field(String text, String key, String fallback) {
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                return line.substring(colon + 1).strip();
            }
        }
        return fallback;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** A command's standard output (LC_ALL=C), or "" when it cannot run. */
    static String run(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
