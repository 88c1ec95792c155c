package org.rnnkernels.integer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
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
 * cell kernel and of {@link IntOps}, which hold no multiply or divide instruction of any type at all (index
 * arithmetic included: offsets advance by additions) and call nothing but {@code IntOps} and
 * {@code Math.max}/{@code Math.min}. The step's only other operations are the products' (int8 weight times
 * activation: plaintext times ciphertext under encryption) and the float boundary's {@code v 2^-F}.
 */
class IntegerCellOpsTest {
    private static final Set<Opcode> FORBIDDEN = EnumSet.of(Opcode.IMUL, Opcode.LMUL, Opcode.FMUL, Opcode.DMUL,
            Opcode.IDIV, Opcode.LDIV, Opcode.FDIV, Opcode.DDIV, Opcode.IREM, Opcode.LREM, Opcode.FREM, Opcode.DREM);

    @Test
    void integerCellsNeitherMultiplyNorDivide() throws IOException {
        List<Class<?>> classes = new ArrayList<>();
        classes.add(IntOps.class);
        for (CellType type : CellType.values()) {
            IntegerCell cell = IntegerCells.of(type);
            if (cell != null) {
                classes.add(cell.getClass());
            }
        }
        assertEquals(4, classes.size(), "IntOps and the three RAG cells' integer kernels: " + classes);
        List<String> found = new ArrayList<>();
        int operators = 0;
        for (Class<?> type : classes) {
            ClassModel model;
            try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
                model = ClassFile.of().parse(in.readAllBytes());
            }
            for (MethodModel method : model.methods()) {
                String where = type.getSimpleName() + "." + method.methodName().stringValue();
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
                        String name = call.name().stringValue();
                        boolean allowed = owner.equals("org/rnnkernels/integer/IntOps")
                                || owner.equals("java/lang/Math") && (name.equals("max") || name.equals("min"))
                                || owner.equals("java/lang/Object") && name.equals("<init>")
                                || owner.equals(model.thisClass().asInternalName());
                        if (!allowed) {
                            found.add(where + ": calls " + owner + "." + name);
                        }
                    }
                }
            }
        }
        assertTrue(operators > 50, "only " + operators + " operator instructions read: the scan is not reading the code");
        assertEquals(List.of(), found, "multiplications, divisions or calls in the integer cell step");
    }
}
