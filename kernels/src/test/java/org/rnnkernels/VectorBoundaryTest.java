package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every method of the library that takes or returns a Vector API value (a vector, a mask, a
 * shuffle) is at most {@value #MAX_INLINE_SIZE} bytes of bytecode, HotSpot's {@code MaxInlineSize}.
 *
 * <p>Why: such a method is inlined by C1 into its callers, so it never runs hot on its own and C2
 * never compiles it by itself; C2 then inlines it too, and its vectors stay in registers. A bigger
 * one is called from C1 code, gets hot, and is compiled alone; from then on C2 may refuse to inline
 * it into a gate loop ("already compiled into a medium method"), and every call boxes its vectors.
 * Whether that happens depends on the order of compilations, so it shows only in some JVMs: before
 * this rule, a fresh JVM running EGRU steps allocated 9-12 KB per step in two runs of four. Loops
 * belong in methods that take arrays and offsets; vectors cross method boundaries only through
 * small methods like these. A rule on the class files, checked here, holds in every JVM.
 *
 * <p>Small is not enough, though: C2 also refuses a small method at a call site whose profile it reads as
 * rare ("low call site frequency"), which happens when the loop method around it ran in C1 code that kept
 * no profile (tier 2). LSTM's cell update, loading through a 9-byte {@code load} helper, boxed that way in 7
 * of 12 fresh JVMs. So the methods passing vectors are also a closed list, each measured allocation-free in
 * fresh JVMs ({@code StepAllocation}'s main); loads and stores call the Vector API directly. A new one
 * fails here until it is measured and added.
 */
class VectorBoundaryTest {
    private static final int MAX_INLINE_SIZE = 35;
    // A measured exception. VectorMath's exp, split into steps of at most 35 bytes, made the inlining tree of the
    // LSTM training forward deep enough that it boxed (76.8 KB a call of TrainingAllocationTest's training forward, in
    // every JVM); whole, as before, it compiles allocation-free in every allocation test. (VectorMath.tanh, the other
    // exception, is gone: called in a loop, C2 boxed it in long runs of the RNN cells, which now take tanh through
    // cell.VectorOps.activate.)
    private static final java.util.Set<String> MEASURED = java.util.Set.of("org/rnnkernels/internal/VectorMath.exp");
    // Every method passing vectors, the steps that use them measured allocation-free in fresh JVMs after issue 12's
    // change to direct loads and stores (StepAllocation's main at H = 256): 10-12 JVMs each for the RAG cells, GRU,
    // LSTM, MI-LSTM and EGRU, 6 each for RNN-tanh, MI-RNN, MI-GRU and the ternary and int8 GRU and LSTM.
    private static final java.util.Set<String> KNOWN = java.util.Set.of(
            "org/rnnkernels/cell/VectorOps.hardtanh", "org/rnnkernels/cell/VectorOps.inhibit",
            "org/rnnkernels/cell/VectorOps.passes", "org/rnnkernels/cell/VectorOps.inside",
            "org/rnnkernels/cell/VectorOps.signFlip", "org/rnnkernels/cell/VectorOps.storeBoth",
            "org/rnnkernels/cell/VectorRagMinimalLeaky.leakyInhibit", "org/rnnkernels/cell/VectorRagMinimalLeaky.leakyHardtanh",
            "org/rnnkernels/internal/VectorMath.exp",
            "org/rnnkernels/product/VectorInt8Kernels.widen",
            "org/rnnkernels/product/VectorTernaryKernels.sumBytes",
            "org/rnnkernels/product/VectorTernaryKernels.sumPairs", "org/rnnkernels/product/VectorTernaryKernels.sumHalves");

    @Test
    void methodsPassingVectorsFitTheInliningLimit() throws IOException, URISyntaxException {
        Path classes = Path.of(RecurrentLayer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "expected the kernels' classes in a directory, got " + classes);
        List<String> tooBig = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(file);
                for (MethodModel method : model.methods()) {
                    String descriptor = method.methodType().stringValue();
                    if (!descriptor.contains("Ljdk/incubator/vector/")) {
                        continue;
                    }
                    checked++;
                    int length = method.findAttribute(java.lang.classfile.Attributes.code())
                            .map(CodeAttribute::codeLength).orElse(0);
                    String name = model.thisClass().asInternalName() + "." + method.methodName().stringValue();
                    if (length > MAX_INLINE_SIZE && !MEASURED.contains(name)) {
                        tooBig.add(name + descriptor + ": " + length + " bytes");
                    }
                    if (!KNOWN.contains(name)) {
                        unknown.add(name + descriptor);
                    }
                }
            }
        }
        assertTrue(checked > 10, "found only " + checked + " methods passing vectors under " + classes);
        assertEquals(List.of(), tooBig, "methods passing vectors above " + MAX_INLINE_SIZE + " bytes of bytecode");
        assertEquals(List.of(), unknown, "methods passing vectors not yet measured in fresh JVMs (see the class comment)");
    }
}
