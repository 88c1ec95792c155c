package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.product.PanelProduct;

/**
 * Two ways of computing the same thing (streamed or whole, one thread or several) must agree bit
 * for bit where every product computes each element the same way whatever the call's shape: with the
 * Java BLAS, and with the panel product doing both of a float layer's products (four samples a tile: the
 * input projection too, and the recurrent product at every batch). Where OpenBLAS computes a
 * product they agree to float rounding, because its edge kernels sum the last rows or columns of a product
 * in another order than the others.
 */
final class SameResult {
    private SameResult() {
    }

    /** "java": the pure-Java BLAS; "default": what this JVM chose (OpenBLAS here). */
    static Blas blas(String which) {
        return which.equals("java") ? Blases.java() : Blases.get();
    }

    /** Whether a float layer's results with {@code which} BLAS and {@code batch} samples must be the same bits. */
    static boolean exact(String which, int batch) {
        PanelProduct panels = PanelProduct.get();
        boolean panelsOnly = panels != null && panels.samplesPerTile() == 4 && batch <= panels.maxBatch();
        return panelsOnly || which.equals("java") || Blases.get().info().implementation().startsWith("java");
    }

    static void assertSame(boolean exact, float[] expected, float[] actual, String what) {
        if (exact) {
            assertArrayEquals(expected, actual, what);
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            // a few ulps of the state's scale (states are O(1)); a real bug shows as 1e-3 or more
            assertTrue(Math.abs(e - a) <= 1e-6f * Math.max(1f, Math.abs(e)), what + " at " + i + ": " + e + " vs " + a);
        }
    }
}
