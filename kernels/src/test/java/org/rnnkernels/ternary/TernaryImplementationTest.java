package org.rnnkernels.ternary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The kernels of this package are the ones {@link Simd} chose: an automatic choice would quietly fall
 * back to scalar on a mistyped vector class name, so the vector executions must see the vector classes.
 */
class TernaryImplementationTest {

    @Test
    void ternaryKernelsFollowsSimd() {
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorTernaryKernels" : "ScalarTernaryKernels", TernaryKernels.get().getClass().getSimpleName());
        assertEquals(List.of(), ImplementationLoader.fallbacks());
    }

    @Test
    void ternaryGatesFollowsSimd() {
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorTernaryGates" : "ScalarTernaryGates", TernaryGates.get().getClass().getSimpleName());
        assertEquals(List.of(), ImplementationLoader.fallbacks());
    }
}
