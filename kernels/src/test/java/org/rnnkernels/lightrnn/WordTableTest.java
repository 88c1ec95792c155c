package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WordTable: default allocation, validation with messages naming the word or cell, save/load. */
class WordTableTest {

    @Test
    void defaultTableIsTheSmallestSquareFilledRowByRow() {
        int[][] sides = {{1, 1}, {2, 2}, {4, 2}, {5, 3}, {9, 3}, {10, 4}, {99, 10}, {100, 10}, {101, 11}, {1000, 32}};
        for (int[] vs : sides) {
            WordTable t = WordTable.sequential(vs[0]);
            assertEquals(vs[1], t.rows(), "V=" + vs[0]);
            assertEquals(vs[1], t.columns(), "V=" + vs[0]);
        }
        WordTable t = WordTable.sequential(10, 3, 4);
        for (int w = 0; w < 10; w++) {
            assertEquals(w / 4, t.row(w));
            assertEquals(w % 4, t.col(w));
            assertEquals(w, t.wordAt(w / 4, w % 4));
        }
        assertEquals(-1, t.wordAt(2, 2));
        assertEquals(-1, t.wordAt(2, 3));
        assertEquals(46341, WordTable.ceilSqrt(Integer.MAX_VALUE));
    }

    @Test
    void placementByCoordinatesAndByCellsAgree() {
        WordTable byCoordinates = WordTable.of(2, 3, new int[] {1, 0, 0, 1}, new int[] {2, 0, 2, 0});
        WordTable byCells = WordTable.fromCells(4, 2, 3, new int[] {1, -1, 2, 3, -1, 0});
        assertEquals(byCoordinates, byCells);
        assertArrayEquals(new int[] {1, -1, 2, 3, -1, 0}, byCoordinates.cells());
    }

    @Test
    void rejectsDuplicatesGapsAndCoordinatesOutOfRange() {
        assertMessage(() -> WordTable.of(2, 2, new int[] {0, 1, 0}, new int[] {1, 0, 1}),
                "cell (0, 1) holds two words: 0 and 2");
        assertMessage(() -> WordTable.of(2, 2, new int[] {0, 2}, new int[] {0, 0}), "word 1 is placed at (2, 0)");
        assertMessage(() -> WordTable.of(2, 2, new int[] {0, 0}, new int[] {0, -1}), "word 1 is placed at (0, -1)");
        assertMessage(() -> WordTable.fromCells(3, 2, 2, new int[] {0, 1, 1, -1}),
                "word 1 is in two cells: (0, 1) and (1, 0)");
        assertMessage(() -> WordTable.fromCells(3, 2, 2, new int[] {0, 2, -1, -1}), "word 1 is in no cell");
        assertMessage(() -> WordTable.fromCells(3, 2, 2, new int[] {0, 1, 2, 3}), "cell (1, 1) holds 3");
        assertMessage(() -> WordTable.fromCells(3, 2, 2, new int[] {0, 1, 2, -2}), "cell (1, 1) holds -2");
        assertMessage(() -> WordTable.fromCells(3, 2, 2, new int[] {0, 1, 2}), "expected [R=2][C=2] = 4");
        assertMessage(() -> WordTable.sequential(5, 2, 2), "4 cells, fewer than the 5 words");
        assertMessage(() -> WordTable.sequential(0), "vocabulary = 0");
        assertMessage(() -> WordTable.sequential(4, 0, 4), "rows = 0");
        assertMessage(() -> WordTable.of(2, 2, new int[] {0}, new int[] {0, 1}), "rowOf has 1 entries and colOf 2");
        WordTable t = WordTable.sequential(3);
        assertMessage(() -> t.row(3), "word = 3");
        assertMessage(() -> t.col(-1), "word = -1");
        assertMessage(() -> t.wordAt(0, 2), "(0, 2) is outside the 2 x 2 table");
    }

    @Test
    void saveAndLoadRoundTrip(@TempDir Path dir) throws IOException {
        WordTable table = LightRnnFixture.shuffled(23, 5, 6, 3);
        Path file = dir.resolve("table.json");
        table.save(file);
        WordTable loaded = WordTable.load(file);
        assertEquals(table, loaded);
        for (int w = 0; w < 23; w++) {
            assertEquals(table.row(w), loaded.row(w));
            assertEquals(table.col(w), loaded.col(w));
        }
        // Saving over an existing file replaces it and leaves no temporary file behind.
        WordTable other = WordTable.sequential(7);
        other.save(file);
        assertEquals(other, WordTable.load(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void loadValidatesAsTheFactoriesDo(@TempDir Path dir) throws IOException {
        String header = "{\"format\":\"rnnkernels-lightrnn-word-table\",\"version\":1,\"vocabulary\":3,\"rows\":2,\"columns\":2,";
        assertLoadMessage(dir, header + "\"cells\":[[0,1],[1,-1]]}", "word 1 is in two cells: (0, 1) and (1, 0)");
        assertLoadMessage(dir, header + "\"cells\":[[0,-1],[2,-1]]}", "word 1 is in no cell");
        assertLoadMessage(dir, header + "\"cells\":[[0,1],[2]]}", "cells row 1");
        assertLoadMessage(dir, header + "\"cells\":[[0,1],[2,\"x\"]]}", "cell (1, 1)");
        assertLoadMessage(dir, header + "\"cells\":[[0,1],[2,7]]}", "cell (1, 1) holds 7");
        assertLoadMessage(dir, header.replace("\"rows\":2", "\"rows\":1") + "\"cells\":[[0,1]]}", "2 cells, fewer than the 3 words");
        assertLoadMessage(dir, header.replace("version\":1", "version\":2") + "\"cells\":[[0,1],[2,-1]]}", "version 2");
        assertLoadMessage(dir, header.replace("word-table", "other") + "\"cells\":[[0,1],[2,-1]]}", "format");
        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "{\"format\": ");
        assertThrows(IOException.class, () -> WordTable.load(notJson));
    }

    private static void assertLoadMessage(Path dir, String json, String expected) throws IOException {
        Path file = dir.resolve("table.json");
        Files.write(file, json.getBytes(StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WordTable.load(file));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("table.json"), e.getMessage());
    }

    static void assertMessage(Supplier<?> call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
