package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The loader's policy, with the choice passed in, so every path runs in every surefire execution. */
class ImplementationLoaderTest {

    interface Kernel {
        String name();
    }

    static final class ScalarKernel implements Kernel {
        @Override
        public String name() {
            return "scalar";
        }
    }

    static final class LoadableKernel implements Kernel {
        @Override
        public String name() {
            return "vector";
        }
    }

    /** Fails as a vector class does whose Vector API references do not link. */
    static final class UnlinkableKernel implements Kernel {
        static {
            if (true) {
                throw new NoClassDefFoundError("jdk/incubator/vector/FloatVector");
            }
        }

        @Override
        public String name() {
            return "unreachable";
        }
    }

    static final class NotAKernel {
    }

    private static final String MISSING = "org.rnnkernels.simd.NoSuchVectorKernel";

    private final List<String> warnings = new ArrayList<>();
    private final List<String> debug = new ArrayList<>();
    private final ImplementationLoader.Fallbacks fallbacks = new ImplementationLoader.Fallbacks((level, message) -> {
        if (level == System.Logger.Level.WARNING) {
            warnings.add(message);
        } else {
            debug.add(message);
        }
    });

    private Kernel load(String className, Simd.Kind kind, boolean forced) {
        return ImplementationLoader.load(MethodHandles.lookup(), Kernel.class, className, ScalarKernel::new,
                kind, forced, fallbacks);
    }

    @Test
    void loadsTheVectorClassWhenItLoads() {
        Kernel k = load(LoadableKernel.class.getName(), Simd.Kind.VECTOR, false);
        assertInstanceOf(LoadableKernel.class, k);
        assertEquals(List.of(), fallbacks.list());
        assertEquals(List.of(), warnings);
        assertInstanceOf(LoadableKernel.class, load(LoadableKernel.class.getName(), Simd.Kind.VECTOR, true));
    }

    @Test
    void scalarChoiceNeverTriesTheVectorClass() {
        assertInstanceOf(ScalarKernel.class, load(LoadableKernel.class.getName(), Simd.Kind.SCALAR, false));
        assertInstanceOf(ScalarKernel.class, load(MISSING, Simd.Kind.SCALAR, true));
        assertEquals(List.of(), fallbacks.list());
        assertEquals(List.of(), warnings);
    }

    @Test
    void automaticChoiceFallsBackToScalarWithOneWarning() {
        assertInstanceOf(ScalarKernel.class, load(MISSING, Simd.Kind.VECTOR, false));
        assertInstanceOf(ScalarKernel.class, load(UnlinkableKernel.class.getName(), Simd.Kind.VECTOR, false));
        assertInstanceOf(ScalarKernel.class, load(MISSING + "2", Simd.Kind.VECTOR, false));

        assertEquals(1, warnings.size(), warnings::toString);
        String warning = warnings.get(0);
        assertTrue(warning.contains(MISSING) && warning.contains("ClassNotFoundException"), warning);
        assertTrue(warning.contains("using scalar kernels"), warning);
        assertTrue(warning.contains("-Drnnkernels.impl=scalar"), warning);
        assertEquals(2, debug.size(), debug::toString);

        List<String> failed = fallbacks.list();
        assertEquals(3, failed.size(), failed::toString);
        assertTrue(failed.get(0).startsWith(MISSING + ": java.lang.ClassNotFoundException"), failed.get(0));
        assertTrue(failed.get(1).startsWith(UnlinkableKernel.class.getName() + ": java.lang.NoClassDefFoundError"),
                failed.get(1));
    }

    @Test
    void forcedChoiceThrowsWithTheCause() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> load(MISSING, Simd.Kind.VECTOR, true));
        assertInstanceOf(ClassNotFoundException.class, e.getCause());
        assertTrue(e.getMessage().contains("-Drnnkernels.impl=vector") && e.getMessage().contains(MISSING), e.getMessage());

        IllegalStateException link = assertThrows(IllegalStateException.class,
                () -> load(UnlinkableKernel.class.getName(), Simd.Kind.VECTOR, true));
        assertInstanceOf(LinkageError.class, link.getCause());
        assertEquals(List.of(), fallbacks.list());
        assertEquals(List.of(), warnings);
    }

    @Test
    void aClassOfTheWrongKindIsAnErrorEvenWhenAutomatic() {
        assertThrows(IllegalArgumentException.class, () -> load(NotAKernel.class.getName(), Simd.Kind.VECTOR, false));
    }

    @Test
    void theScalarSupplierIsCalledOnlyWhenNeeded() {
        int[] calls = {0};
        Kernel k = ImplementationLoader.load(MethodHandles.lookup(), Kernel.class, LoadableKernel.class.getName(),
                () -> {
                    calls[0]++;
                    return new ScalarKernel();
                }, Simd.Kind.VECTOR, false, fallbacks);
        assertEquals("vector", k.name());
        assertEquals(0, calls[0]);
    }

    @Test
    void theJvmWideLoaderFollowsSimd() {
        Kernel k = ImplementationLoader.load(MethodHandles.lookup(), Kernel.class, LoadableKernel.class.getName(),
                ScalarKernel::new);
        assertSame(Simd.kind() == Simd.Kind.VECTOR ? LoadableKernel.class : ScalarKernel.class, k.getClass());
    }
}
