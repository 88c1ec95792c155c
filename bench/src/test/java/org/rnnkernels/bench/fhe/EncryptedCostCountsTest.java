package org.rnnkernels.bench.fhe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.bench.fhe.FheCircuit.Count;
import org.rnnkernels.integer.IntegerCells;

/** The TFHE step counts of {@link FheCells}: hand-derived small cases, coverage of every cell, invariants. */
class EncryptedCostCountsTest {
    private static final int B = 2;

    private static Count count(CellType cell, int input, int hidden, boolean exact) {
        return FheCells.count(cell, input, hidden, B, exact, PbsTimings.bundled()).orElseThrow();
    }

    @Test
    void ragMinimalAtHiddenTwoInputOneByHand() {
        // I = 1, H = 2, working width B = 2:
        //   a_z = W_z [x, h] + b_z, a_n = W_n [x, h] + b_n: 2 x (2 rows x 3 columns) = 12 MACs, 2 x 2 bias adds
        //   relu(-a_z), relu(a_z), n = hardtanh(a_n): 3 x 2 PBS at B (accumulators rounded to B, A1), depth 1
        //   S(h, relu(-a_z)): h - q, h + q (2 x 2 adds, B+1 wide), 2 x 2 PBS at B+1, one subtraction (2 adds), depth 2
        //   S(n, relu(a_z)): the same: 4 PBS at B+1, 6 adds
        //   S(h,.) + S(n,.): 2 adds, B+1 wide (|S(v, q)| <= |v|); hardtanh: 2 PBS at B+1, depth 3; h' is B wide
        // PBS 6 + 4 + 4 + 2 = 16 (6 at 2 bits, 10 at 3 bits); additions 4 + 6 + 6 + 2 = 18; no product.
        Count c = count(CellType.RAG_MINIMAL, 1, 2, true);
        assertEquals(16, c.pbs());
        assertEquals(Map.of(2, 6L, 3, 10L), c.pbsByWidth());
        assertEquals(0, c.products());
        assertEquals(12, c.macs());
        assertEquals(18, c.additions());
        assertEquals(3, c.depth());
        // 6 x 5.72 ms (2-bit KS-PBS) + 10 x 7.28 ms (3 bits priced at the 4-bit set) + (12 MACs + 18 additions)
        // x 0.000559 ms (the 2-bit unchecked_add)
        assertEquals(6 * 5.72 + 10 * 7.28 + 30 * 0.000559, c.sequentialMs(PbsTimings.bundled(), B), 1e-9);
        // critical path: relu (2 bits) -> S's relu (3 bits) -> hardtanh (3 bits)
        assertEquals(5.72 + 7.28 + 7.28, c.criticalPathMs(), 1e-9);
    }

    @Test
    void gruAtHiddenTwoInputOneByHand() {
        // I = 1, H = 2, B = 2, exact products:
        //   a_r, a_z over [x, h]: 2 x 6 MACs; gi_n = W_in x: 2 MACs; gh_n = W_hn h: 4 MACs; 4 x 2 bias adds
        //   r, z = sigm: 4 PBS at 2 bits, depth 1
        //   r*gh_n = ((r+g)^2 - (r-g)^2)/4: 2 x 2 adds (3 bits), 2 x 2 PBS at 3 bits, 2 adds; 4 bits wide, depth 2
        //   gi_n + r*gh_n: 2 adds, 5 bits; n = tanh: 2 PBS at 5 bits, depth 3
        //   h - n: 2 adds, 3 bits; z*(h - n): 4 adds (4 bits), 4 PBS at 4 bits, 2 adds; 5 bits wide, depth 4
        //   h' = n + z*(h - n): 2 adds, 6 bits; re-quantised to 2 bits: 2 PBS at 6 bits, depth 5
        // PBS 4 + 4 + 2 + 4 + 2 = 16; products 4; additions 8 + 6 + 2 + 2 + 6 + 2 = 26.
        Count c = count(CellType.GRU, 1, 2, true);
        assertEquals(16, c.pbs());
        assertEquals(Map.of(2, 4L, 3, 4L, 4, 4L, 5, 2L, 6, 2L), c.pbsByWidth());
        assertEquals(4, c.products());
        assertEquals(18, c.macs());
        assertEquals(26, c.additions());
        assertEquals(5, c.depth());
    }

    @Test
    void elmanByHand() {
        // I = 2, H = 3: 3 x 5 MACs, 3 bias adds, one tanh per unit, depth 1
        Count c = count(CellType.RNN_TANH, 2, 3, true);
        assertEquals(3, c.pbs());
        assertEquals(15, c.macs());
        assertEquals(3, c.additions());
        assertEquals(1, c.depth());
        assertEquals(0, c.products());
    }

    @Test
    void lstmProductsPerUnit() {
        // f*c, i*g, o*tanh(c'): 3 products (6 PBS) + i, f, g, o, tanh(c') (5) + c' and h' re-quantised (2) = 13 per unit
        Count c = count(CellType.LSTM, 4, 5, true);
        assertEquals(15, c.products());
        assertEquals(13 * 5, c.pbs());
    }

    @Test
    void everyCellTypeIsCountedOrListedWithAReason() {
        for (CellType t : CellType.values()) {
            boolean counted = FheCells.counted().contains(t);
            String reason = FheCells.notCountable().get(t);
            assertTrue(counted ^ (reason != null), t + ": counted in FheCells xor listed in notCountable()");
            if (reason != null) {
                assertFalse(reason.isBlank(), t + ": a reason");
            } else {
                assertTrue(FheCells.count(t, 3, 4, B, true, null).isPresent(), t.name());
            }
        }
    }

    @Test
    void multiplyAddsAreTheGateBlocksTimesTheMatrixColumns() {
        // G*H rows of W_ih [G*H, I] and W_hh [G*H, H]: ties every circuit to the cell's registered gate count
        for (CellType t : FheCells.counted()) {
            for (int[] s : new int[][] {{1, 1}, {3, 7}, {5, 2}}) {
                Count c = count(t, s[0], s[1], true);
                assertEquals((long) t.gates() * s[1] * (s[0] + s[1]), c.macs(), t + " I=" + s[0] + " H=" + s[1]);
            }
        }
    }

    @Test
    void cellsWithAnIntegerKernelNeedNoCiphertextProduct() {
        // the integer kernels (org.rnnkernels.integer) use add/max/min/shift only; their circuits must agree
        int integerCells = 0;
        for (CellType t : FheCells.counted()) {
            Count c = count(t, 3, 4, true);
            if (IntegerCells.has(t)) {
                integerCells++;
                assertEquals(0, c.products(), t.name());
            }
            if (t.name().startsWith("RAG_")) {
                assertEquals(0, c.products(), t.name());
            }
        }
        assertEquals(3, integerCells);
        for (CellType t : new CellType[] {CellType.GRU, CellType.LSTM, CellType.MI_RNN, CellType.MI_GRU,
                CellType.MI_LSTM, CellType.EGRU}) {
            assertTrue(count(t, 3, 4, true).products() > 0, t.name());
        }
    }

    @Test
    void countsAreLinearInHiddenAndIndependentOfTheWidth() {
        for (CellType t : FheCells.counted()) {
            Count one = count(t, 8, 8, true);
            Count two = FheCells.count(t, 8, 16, 3, true, PbsTimings.bundled()).orElseThrow();
            assertEquals(2 * one.pbs(), two.pbs(), t.name());
            assertEquals(2 * one.products(), two.products(), t.name());
            assertEquals(one.depth(), two.depth(), t.name());
        }
    }

    @Test
    void ratiosAreSensible() {
        PbsTimings timings = PbsTimings.bundled();
        for (int bits : new int[] {2, 3}) {
            for (CellType t : FheCells.counted()) {
                double small = FheCells.count(t, 64, 64, bits, false, timings).orElseThrow().sequentialMs(timings, bits);
                double large = FheCells.count(t, 128, 128, bits, false, timings).orElseThrow().sequentialMs(timings, bits);
                assertTrue(large > 1.9 * small, t + ": time grows with H");
                // rounding the products never costs more than exact ones; cells without products are unchanged
                Count exact = FheCells.count(t, 64, 64, bits, true, timings).orElseThrow();
                double exactMs = exact.sequentialMs(timings, bits);
                assertTrue(Double.isNaN(exactMs) || exactMs >= small, t.name());
                if (exact.products() == 0) {
                    assertEquals(exactMs, small, 1e-9, t.name());
                }
            }
            double gru = count(CellType.GRU, 64, 64, true).sequentialMs(timings, 2);
            double rag = count(CellType.RAG_MINIMAL, 64, 64, true).sequentialMs(timings, 2);
            assertTrue(rag < gru, "exact products: RAG-minimal below GRU");
            double elman = count(CellType.RNN_TANH, 64, 64, true).sequentialMs(timings, 2);
            assertTrue(elman < rag, "one table per unit is the cheapest step");
        }
        assertTrue(count(CellType.RAG_MINIMAL, 4, 4, true).depth() < count(CellType.GRU, 4, 4, true).depth());
        assertTrue(count(CellType.RAG_LSTM, 4, 4, true).depth() < count(CellType.LSTM, 4, 4, true).depth());
    }

    @Test
    void aWidthBeyondTheTableHasNoPrice() {
        PbsTimings upToFour = PbsTimings.parse("small.csv", PbsTimings.HEADER + "\nks_pbs,4,7,P,S\n");
        Count gru = FheCells.count(CellType.GRU, 4, 4, 2, true, upToFour).orElseThrow();
        assertEquals(6, gru.widest());
        assertTrue(Double.isNaN(gru.sequentialMs(upToFour, 2)));
        assertTrue(Double.isNaN(gru.criticalPathMs()));
        Count rag = FheCells.count(CellType.RAG_MINIMAL, 4, 4, 2, true, upToFour).orElseThrow();
        assertNotEquals(Double.NaN, rag.sequentialMs(upToFour, 2));
        assertEquals(rag.pbs() * 7.0, rag.sequentialMs(upToFour, 2), 1e-9, "no add rows: lookup tables only");
    }
}
