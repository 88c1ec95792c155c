package org.rnnkernels.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oneDNN harness for real, where Debian's libdnnl-dev is installed (skipped elsewhere: it is a peer). */
class OneDnnPeersTest {
    @Test
    void buildsAndTimesTheHarnessOnATinyShape(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/include/oneapi/dnnl/dnnl.hpp")), "libdnnl-dev is not installed");
        ObjectNode out = OneDnnPeers.run(List.of("GRU", "RAG_GRU"), List.of("2x8x3"), List.of(1), tmp, s -> { });
        assertTrue(out.path("available").asBoolean(), out.toString());
        List<JsonNode> rows = new java.util.ArrayList<>();
        out.path("results").forEach(rows::add);
        assertEquals(List.of("GRU", "GRU_INT8"), rows.stream().map(r -> r.path("cell").asText()).toList(),
                "GRU and its int8 variant; RAG_GRU has no oneDNN counterpart");
        JsonNode gru = rows.get(0);
        assertTrue(gru.path("medianUs").asDouble() > 0, gru.toString());
        assertTrue(gru.path("p25Us").asDouble() <= gru.path("medianUs").asDouble());
        // the mean, which the report compares with JMH's mean for ours, lies between the fastest and the slowest call
        assertTrue(gru.path("minUs").asDouble() <= gru.path("meanUs").asDouble()
                && gru.path("meanUs").asDouble() <= gru.path("maxUs").asDouble(), gru.toString());
        assertEquals(1, gru.path("ompThreads").asInt());
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the source copy and stderr file are removed");
        }
    }
}
