package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The kernels of this package are the ones {@link Simd} chose: an automatic choice would quietly fall
 * back to scalar on a mistyped vector class name, so the vector executions must see the vector classes.
 * (The cells' training passes: {@code org.rnnkernels.cell.TrainingForwardMatchesInferenceTest}.)
 */
class TrainingImplementationTest {

    @Test
    void sparseProductsFollowSimd() {
        assertEquals(Simd.kind() == Simd.Kind.VECTOR ? "VectorSparseProducts" : "ScalarSparseProducts",
                SparseProducts.get().getClass().getSimpleName());
        assertEquals(List.of(), ImplementationLoader.fallbacks());
    }
}
