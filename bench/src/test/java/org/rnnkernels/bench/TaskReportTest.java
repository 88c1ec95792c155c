package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskReportTest {

    @Test
    void medianOfOddEvenAndNone() {
        assertEquals(2, TaskReport.median(new double[] {3, 1, 2}));
        assertEquals(2.5, TaskReport.median(new double[] {4, 1, 3, 2}));
        assertTrue(Double.isNaN(TaskReport.median(new double[0])));
    }

    @Test
    void theSummaryGivesTheMedianEpochAndTheFirstEpochApart(@TempDir Path dir) throws Exception {
        TaskReport report = new TaskReport("t", "accuracy (%)", 100, true);
        // the first epoch carries a warm-up (9 s); the steady epochs take 1 s and one loaded epoch 3 s
        List<TaskReport.Row> rows = List.of(
                new TaskReport.Row("GRU", 1, 1, 2.0, 0.5, 9.0, 10, Double.NaN),
                new TaskReport.Row("GRU", 1, 2, 1.0, 0.7, 1.0, 10, Double.NaN),
                new TaskReport.Row("GRU", 1, 3, 0.9, 0.8, 1.0, 10, Double.NaN),
                new TaskReport.Row("GRU", 1, 4, 0.8, 0.9, 3.0, 10, Double.NaN));
        report.write(dir, rows, "today", "machine", "settings");
        String summary = Files.readString(dir.resolve("summary.md"));
        assertTrue(summary.contains("| GRU | 10 | 90.000 | 90.000 .. 90.000 | 1 | 2.00 | 9.00 |  |"), summary);
    }
}
