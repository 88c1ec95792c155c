package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.rnnkernels.bench.report.BenchData;

class SteadinessTest {
    static ObjectNode result(double score, double error) {
        ObjectNode r = BenchData.object();
        r.putObject("params").put("cell", "GRU").put("shape", "1x256x200").put("threads", "2");
        r.putObject("primaryMetric").put("score", score).put("scoreError", error);
        return r;
    }

    /** The report's name for the cell benchmark, which the reruns and pairs run, is the benchmark's. */
    @Test
    void cellBenchmarkNameIsTheBenchmarks() {
        assertEquals(CellBenchmark.class.getName() + ".forward", org.rnnkernels.bench.report.Targets.CELL_BENCHMARK);
    }

    @Test
    void anErrorAboveAFifthOfTheMeanIsUnsteady() {
        assertFalse(Steadiness.unsteady(result(100, 20)), "exactly 20% is still a result");
        assertTrue(Steadiness.unsteady(result(100, 20.5)));
        assertTrue(Steadiness.unsteady(result(100, Double.NaN)), "JMH prints NaN with a single iteration");
        assertEquals("GRU 1x256x200 t2", Steadiness.key(result(1, 0)));
        assertEquals("25%", Steadiness.relativeError(result(100, 25)));
    }
}
