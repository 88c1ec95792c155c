package org.rnnkernels.integer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;

/**
 * No multiplication between two activations in an integer step: read from the class files of every integer
 * cell kernel (the plain ones, their Vector API twins) and of {@link IntOps}. They hold no multiply or divide
 * instruction of any type at all (index arithmetic included: offsets advance by additions), call nothing but
 * {@code IntOps}, {@code Math.max}/{@code Math.min}, their plain twins and Vector API methods other than
 * {@code mul}/{@code div}, and name no vector operator but adds, subtracts, max, min, negation and shifts.
 * The step's only other operations are the products' (int8 weight times activation: plaintext times
 * ciphertext under encryption) and the float boundary's {@code v 2^-F}. Class files are read as bytes, so the
 * Vector API twins are checked in the scalar way too.
 */
class IntegerCellOpsTest {
    private static final Set<Opcode> FORBIDDEN = EnumSet.of(Opcode.IMUL, Opcode.LMUL, Opcode.FMUL, Opcode.DMUL,
            Opcode.IDIV, Opcode.LDIV, Opcode.FDIV, Opcode.DDIV, Opcode.IREM, Opcode.LREM, Opcode.FREM, Opcode.DREM);
    private static final Set<String> VECTOR_OPERATORS = Set.of("ADD", "SUB", "MAX", "MIN", "NEG", "ASHR", "LSHL");
    private static final Set<String> VECTOR_METHODS_FORBIDDEN = Set.of("mul", "div", "fma");

    @Test
    void integerCellsNeitherMultiplyNorDivide() throws IOException {
        List<String> classes = new ArrayList<>();
        classes.add("IntOps");
        for (CellType type : CellType.values()) {
            if (IntegerCells.has(type)) {
                classes.add("Int" + type.description().kernel());
                classes.add("VectorInt" + type.description().kernel());
            }
        }
        assertEquals(7, classes.size(), "IntOps and the three RAG cells' integer kernels, plain and vector: " + classes);
        List<String> found = new ArrayList<>();
        int operators = 0;
        for (String name : classes) {
            ClassModel model;
            try (InputStream in = IntOps.class.getResourceAsStream(name + ".class")) {
                assertNotNull(in, name + ".class");
                model = ClassFile.of().parse(in.readAllBytes());
            }
            for (MethodModel method : model.methods()) {
                String where = name + "." + method.methodName().stringValue();
                if (method.code().isEmpty()) {
                    continue;
                }
                for (CodeElement e : method.code().get()) {
                    if (e instanceof OperatorInstruction op) {
                        operators++;
                        if (FORBIDDEN.contains(op.opcode())) {
                            found.add(where + ": " + op.opcode());
                        }
                    } else if (e instanceof InvokeInstruction call) {
                        String owner = call.owner().asInternalName();
                        String method2 = call.name().stringValue();
                        boolean allowed = owner.equals("org/rnnkernels/integer/IntOps")
                                || owner.equals("java/lang/Math") && (method2.equals("max") || method2.equals("min"))
                                || owner.equals("java/lang/Object") && method2.equals("<init>")
                                || owner.equals(model.thisClass().asInternalName())
                                || owner.equals("org/rnnkernels/integer/" + name.replace("VectorInt", "Int"))
                                || owner.startsWith("jdk/incubator/vector/") && !VECTOR_METHODS_FORBIDDEN.contains(method2);
                        if (!allowed) {
                            found.add(where + ": calls " + owner + "." + method2);
                        }
                    } else if (e instanceof FieldInstruction field
                            && field.owner().asInternalName().equals("jdk/incubator/vector/VectorOperators")
                            && !VECTOR_OPERATORS.contains(field.name().stringValue())) {
                        found.add(where + ": vector operator " + field.name().stringValue());
                    }
                }
            }
        }
        assertTrue(operators > 50, "only " + operators + " operator instructions read: the scan is not reading the code");
        assertEquals(List.of(), found, "multiplications, divisions or calls in the integer cell step");
    }

    /** The twin the layers use is the one the JVM's kernels call for. */
    @Test
    void theVectorTwinRunsWhereTheVectorKernelsDo() {
        IntegerCell cell = IntegerCells.of(CellType.RAG_LSTM);
        assertEquals(org.rnnkernels.simd.Simd.kind() == org.rnnkernels.simd.Simd.Kind.VECTOR ? "VectorIntRagLstm" : "IntRagLstm",
                cell.getClass().getSimpleName());
    }
}
