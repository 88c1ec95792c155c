package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;

import org.junit.jupiter.api.Test;

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
        assertEquals("scalar", Simd.describe());
    }
}
