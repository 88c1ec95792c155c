package org.rnnkernels.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rnnkernels.bench.fhe.PbsTimings;
import org.rnnkernels.bench.report.EncryptedCost;
import org.rnnkernels.bench.report.EncryptedCost.Setup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench fhe}: the encrypted (TFHE) cost model of issue 13 as Markdown tables, one per hidden size, working
 * width and product kind ({@link EncryptedCost}; the counts from {@code org.rnnkernels.bench.fhe.FheCells}). An
 * estimate from counted operations and published timings: nothing is encrypted or timed here.
 */
@Command(name = "fhe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Estimates one step of every cell under TFHE encryption (PBS, ciphertext products, "
                + "multiply-adds, additions, PBS depth, time from published PBS timings) and prints Markdown tables.")
final class FheCommand implements Callable<Integer> {
    @Option(names = "--hidden", split = ",", paramLabel = "H", description = "hidden sizes (default: 64,128,256)")
    List<Integer> hidden = List.of(64, 128, 256);

    @Option(names = "--input", paramLabel = "N", description = "input size I (default: I = H)")
    Integer input;

    @Option(names = "--bits", split = ",", paramLabel = "B",
            description = "working widths B in bits of x, h, c and every table's output (default: 2,3)")
    List<Integer> bits = EncryptedCost.DEFAULT_BITS;

    @Option(names = "--products", paramLabel = "exact|rounded|both",
            description = "how ciphertext products are counted (assumption A3; default: ${DEFAULT-VALUE})")
    String products = "both";

    @Option(names = "--timings", paramLabel = "FILE", description = "a timings CSV in the bundled table's format "
            + "(op,precision_bits,milliseconds,parameter_set,source; default: the bundled " + PbsTimings.BUNDLED + ")")
    Path timings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Boolean> kinds = switch (products) {
            case "exact" -> List.of(true);
            case "rounded" -> List.of(false);
            case "both" -> List.of(true, false);
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--products: expected exact, rounded or both, got " + products);
        };
        for (int h : hidden) {
            check(h >= 1, "--hidden: expected sizes >= 1, got " + h);
        }
        check(input == null || input >= 1, "--input: expected >= 1, got " + input);
        for (int b : bits) {
            check(b >= 1 && b <= 32, "--bits: expected 1..32, got " + b);
        }
        PbsTimings table;
        try {
            table = timings == null ? PbsTimings.bundled() : PbsTimings.read(timings);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timings: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timings: cannot read " + timings + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        List<Setup> setups = new ArrayList<>();
        for (boolean exact : kinds) {
            for (int h : hidden) {
                for (int b : bits) {
                    setups.add(new Setup(input == null ? h : input, h, b, exact));
                }
            }
        }
        System.out.print(EncryptedCost.markdown(setups, table));
        return 0;
    }

    private void check(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
