package org.rnnkernels.bench.fhe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The timings table: the bundled file, the width rule, and bad files refused with file and line. */
class EncryptedCostTimingsTest {

    @Test
    void bundledTableHasThePublishedRows() {
        PbsTimings t = PbsTimings.bundled();
        assertEquals(5.72, t.pbsMs(2));
        assertEquals(7.28, t.pbsMs(4));
        assertEquals(60.8, t.pbsMs(6));
        assertEquals(870, t.pbsMs(8));
        assertEquals(8, t.widestPbs());
        assertEquals(0.000544, t.addMs(4));
        assertEquals("PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128", t.pbsRow(4).parameterSet());
        assertTrue(t.sources().stream().anyMatch(s -> s.contains("1.7.0") && s.contains("EPYC 9R45")));
    }

    @Test
    void aWidthTakesTheSmallestPrecisionThatHoldsIt() {
        PbsTimings t = PbsTimings.bundled();
        assertEquals(5.72, t.pbsMs(1));
        assertEquals(t.pbsMs(4), t.pbsMs(3));
        assertEquals(t.pbsMs(8), t.pbsMs(7));
        assertTrue(Double.isNaN(t.pbsMs(9)), "no extrapolation beyond the widest row");
    }

    private static IllegalArgumentException bad(String text) {
        return assertThrows(IllegalArgumentException.class, () -> PbsTimings.parse("mine.csv", text));
    }

    @Test
    void badLinesAreRefusedWithFileAndLine() {
        String h = PbsTimings.HEADER + "\n";
        assertTrue(bad("op,bits\nks_pbs,2,1,P,S\n").getMessage().startsWith("mine.csv:1: expected the header"));
        assertTrue(bad("# c\n" + h + "ks_pbs,2,fast,P,S\n").getMessage().startsWith("mine.csv:3: milliseconds"));
        assertTrue(bad(h + "ks_pbs,two,1,P,S\n").getMessage().startsWith("mine.csv:2: precision_bits"));
        assertTrue(bad(h + "ks_pbs,2,1\n").getMessage().startsWith("mine.csv:2: expected 5"));
        assertTrue(bad(h + "mul,2,1,P,S\n").getMessage().startsWith("mine.csv:2: op must be"));
        assertTrue(bad(h + "ks_pbs,2,-1,P,S\n").getMessage().startsWith("mine.csv:2: milliseconds must be positive"));
        assertTrue(bad(h + "ks_pbs,2,NaN,P,S\n").getMessage().startsWith("mine.csv:2: milliseconds must be positive"));
        assertTrue(bad(h + "ks_pbs,0,1,P,S\n").getMessage().startsWith("mine.csv:2: precision_bits must be in"));
        assertTrue(bad(h + "ks_pbs,2,1,P,S\n\nks_pbs,2,3,P,S\n").getMessage().startsWith("mine.csv:4: a second ks_pbs"));
        assertTrue(bad(h + "add,2,1,P,S\n").getMessage().startsWith("mine.csv: no ks_pbs row"));
        assertTrue(bad("# only a comment\n").getMessage().startsWith("mine.csv: no header"));
    }

    @Test
    void aFileIsReadAndNamedInItsErrors() throws IOException {
        Path dir = Files.createTempDirectory("rnk-fhe");
        Path good = dir.resolve("good.csv");
        Files.writeString(good, PbsTimings.HEADER + "\nks_pbs,4,2.5,P,my machine, my version\n");
        PbsTimings t = PbsTimings.read(good);
        assertEquals(2.5, t.pbsMs(3));
        assertEquals("my machine, my version", t.pbsRow(4).source(), "the last field may hold commas");
        assertEquals(0, t.addMs(4), "no add rows: linear operations unpriced");
        Path broken = dir.resolve("broken.csv");
        Files.writeString(broken, PbsTimings.HEADER + "\nks_pbs,4,x,P,S\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PbsTimings.read(broken));
        assertTrue(e.getMessage().startsWith(broken + ":2: "), e.getMessage());
    }
}
