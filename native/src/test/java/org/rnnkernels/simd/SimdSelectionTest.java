package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;

/** Proves which kernels a surefire execution ran: it passes -Drnk.expectImpl and, for forced widths, -Drnk.expectBits. */
class SimdSelectionTest {

    @Test
    void kindIsTheExpectedOne() {
        String expected = System.getProperty("rnk.expectImpl");
        assumeTrue(expected != null && !expected.isBlank(), "rnk.expectImpl not set");
        assertEquals(expected.trim().toUpperCase(Locale.ROOT), Simd.kind().name());
    }

    @Test
    void widthIsTheExpectedOne() {
        String expected = System.getProperty("rnk.expectBits");
        assumeTrue(expected != null && !expected.isBlank(), "rnk.expectBits not set");
        assertEquals(Integer.parseInt(expected.trim()), Simd.vectorBits());
        assertEquals(Simd.vectorBits(), FloatLanes.SPECIES.vectorBitSize());
    }

    @Test
    void scalarMeansNoWidth() {
        assumeTrue(Simd.kind() == Simd.Kind.SCALAR);
        assertEquals(0, Simd.vectorBits());
        assertTrue(Simd.describe().startsWith("scalar"), Simd.describe());
    }

    /** The scalar execution runs without the module and without -Drnnkernels.impl: the automatic fallback. */
    @Test
    void automaticScalarSaysWhy() {
        assumeTrue("scalar".equals(System.getProperty("rnk.expectImpl")));
        assertFalse(Simd.forced());
        assertEquals("scalar (jdk.incubator.vector not available)", Simd.describe());
    }

    /** A vector execution must run vector kernels: a fallback there is a broken build, not a slow machine. */
    @Test
    void vectorExecutionsLoadVectorClasses() {
        assumeTrue("vector".equals(System.getProperty("rnk.expectImpl")));
        Blas java = Blases.java();
        assertEquals("org.rnnkernels.blas.VectorBlas", java.getClass().getName());
        assertEquals(List.of(), ImplementationLoader.fallbacks());
        assertFalse(Simd.describe().contains("fallback"), Simd.describe());
    }
}
