package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.bench.fhe.FheCells;
import org.rnnkernels.bench.fhe.PbsTimings;
import org.rnnkernels.bench.report.EncryptedCost.Setup;

/** The encrypted-cost tables: one row per counted cell, ratios to the GRU, labels and sources. */
class EncryptedCostTest {

    @Test
    void rowsHaveEveryCountedCellAndTheGruAtOne() {
        List<EncryptedCost.Row> rows = EncryptedCost.rows(new Setup(16, 16, 2, true), PbsTimings.bundled());
        assertEquals(FheCells.counted(), rows.stream().map(EncryptedCost.Row::cell).toList());
        EncryptedCost.Row gru = rows.stream().filter(r -> r.cell() == CellType.GRU).findFirst().orElseThrow();
        assertEquals(1.0, gru.ratioToGru(), 1e-12);
        for (EncryptedCost.Row r : rows) {
            assertEquals(r.ms() / gru.ms(), r.ratioToGru(), 1e-12, r.cell().name());
            assertTrue(r.criticalMs() <= r.ms(), r.cell() + ": the critical path is part of the sequential time");
        }
    }

    @Test
    void markdownIsLabelledAnEstimateWithAssumptionsSourcesAndTheClaim() {
        String md = EncryptedCost.markdown(List.of(new Setup(8, 8, 2, true), new Setup(8, 8, 3, false)),
                PbsTimings.bundled());
        assertTrue(md.contains("an estimate, not a measurement"));
        assertTrue(md.contains("### I = 8, H = 8, batch 1, working width B = 2 bits, exact products"));
        assertTrue(md.contains("### I = 8, H = 8, batch 1, working width B = 3 bits, rounded products"));
        for (CellType t : FheCells.counted()) {
            assertTrue(md.contains("| " + t.name() + " | "), t.name());
        }
        for (String a : FheCells.ASSUMPTIONS) {
            assertTrue(md.contains(a));
        }
        assertTrue(md.contains("PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128"));
        assertTrue(md.contains("hpc8a.96xlarge"));
        assertTrue(md.contains(FheCells.PAPER_CLAIM));
        assertTrue(md.contains("RAG_MINIMAL/GRU 0.33 (speed-up"), md);
    }

    @Test
    void aWidthWithoutATimingIsShownAsSuch() {
        PbsTimings upToFour = PbsTimings.parse("small.csv", "op,precision_bits,milliseconds,parameter_set,source\n"
                + "ks_pbs,4,7,P,S\n");
        String md = EncryptedCost.markdown(List.of(new Setup(4, 4, 2, true)), upToFour);
        assertTrue(md.contains("n/a (6-bit PBS; table stops at 4)"), md);
        assertTrue(md.contains("RAG_MINIMAL/GRU n/a"), md);
    }

    @Test
    void reportSectionsRenderWithoutARun() {
        String md = EncryptedCost.markdown((BenchData) null);
        assertTrue(md.contains("I = 256, H = 256"));
        StringBuilder h = new StringBuilder();
        EncryptedCost.appendHtml(h, null);
        assertTrue(h.toString().contains("<h2>Encrypted inference (TFHE)"));
        assertTrue(h.toString().contains("<td>RAG_MINIMAL</td>"));
    }
}
