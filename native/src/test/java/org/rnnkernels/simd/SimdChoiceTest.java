package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/** {@link Simd#choose} and {@link Simd#describe} with their inputs given, whatever this JVM is. */
class SimdChoiceTest {

    private static final Supplier<Optional<String>> C2 = Optional::empty;
    private static final Supplier<Optional<String>> NO_C2 = () -> Optional.of("-Xint");
    private static final Supplier<Optional<String>> NOT_ASKED = () -> {
        throw new AssertionError("the C2 check should not run");
    };

    @Test
    void automaticWithModuleAndC2IsVector() {
        Simd.Choice c = Simd.choose("", true, C2);
        assertEquals(Simd.Kind.VECTOR, c.kind());
        assertFalse(c.forced());
        assertNull(c.warning());
    }

    @Test
    void automaticWithoutModuleIsScalarWithoutAskingForC2() {
        Simd.Choice c = Simd.choose("", false, NOT_ASKED);
        assertEquals(Simd.Kind.SCALAR, c.kind());
        assertTrue(c.warning().contains("--add-modules=jdk.incubator.vector"), c.warning());
    }

    @Test
    void automaticWithoutC2IsScalarAndNamesTheFlag() {
        Simd.Choice c = Simd.choose("", true, NO_C2);
        assertEquals(Simd.Kind.SCALAR, c.kind());
        assertFalse(c.forced());
        assertEquals("no C2 compiler: -Xint", c.scalarReason());
        assertTrue(c.warning().contains("remove -Xint from the JVM flags"), c.warning());
    }

    @Test
    void forcedVectorWithoutC2StaysVectorAndWarns() {
        Simd.Choice c = Simd.choose("vector", true, NO_C2);
        assertEquals(Simd.Kind.VECTOR, c.kind());
        assertTrue(c.forced());
        assertTrue(c.warning().contains("remove -Xint"), c.warning());
        assertNull(Simd.choose("vector", true, C2).warning());
    }

    @Test
    void forcedVectorWithoutModuleThrows() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Simd.choose("vector", false, NOT_ASKED));
        assertTrue(e.getMessage().contains("--add-modules=jdk.incubator.vector"), e.getMessage());
    }

    @Test
    void forcedScalarChecksNothing() {
        Simd.Choice c = Simd.choose("scalar", true, NOT_ASKED);
        assertEquals(new Simd.Choice(Simd.Kind.SCALAR, true, null, null), c);
    }

    @Test
    void unknownValueThrows() {
        assertThrows(IllegalStateException.class, () -> Simd.choose("simd", true, C2));
    }

    @Test
    void describeSaysWhyScalarAndWhatFellBack() {
        assertEquals("scalar", Simd.describe(Simd.Kind.SCALAR, 0, null, List.of()));
        assertEquals("scalar (no C2 compiler: -Xint)", Simd.describe(Simd.Kind.SCALAR, 0, "no C2 compiler: -Xint", List.of()));
        assertEquals("vector 256-bit (8 float lanes)", Simd.describe(Simd.Kind.VECTOR, 256, null, List.of()));
        assertEquals("vector 512-bit (16 float lanes), scalar fallback: VectorA VectorB",
                Simd.describe(Simd.Kind.VECTOR, 512, null, List.of(
                        "org.x.VectorA: java.lang.ClassNotFoundException: org.x.VectorA",
                        "org.y.VectorB: java.lang.NoClassDefFoundError: jdk/incubator/vector/FloatVector")));
    }
}
