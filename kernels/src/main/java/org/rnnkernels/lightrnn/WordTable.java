package org.rnnkernels.lightrnn;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.rnnkernels.files.AtomicFiles;
import org.rnnkernels.internal.Checks;

/**
 * LightRNN's word allocation: {@code V} words placed in a table of {@code R x C} cells, word
 * {@code w} at {@code (row(w), col(w))}, at most one word a cell, every word exactly once
 * (CELLS.md, "LightRNN"). Cells left over when {@code R*C > V} stay empty ({@link #wordAt} gives -1).
 * Immutable and thread-safe.
 *
 * <p>File format ({@link #save}, {@link #load}): one UTF-8 JSON object,
 * <pre>{@code
 * {"format": "rnnkernels-lightrnn-word-table", "version": 1,
 *  "vocabulary": V, "rows": R, "columns": C,
 *  "cells": [[w, w, ...], ...]}     R arrays of C word ids, -1 for an empty cell
 * }</pre>
 * {@link #load} checks it exactly as the factories check their arguments.
 */
public final class WordTable {
    static final String FORMAT = "rnnkernels-lightrnn-word-table";
    static final int VERSION = 1;
    /** Largest cell count: the table is one Java array. */
    static final long MAX_CELLS = Integer.MAX_VALUE - 8;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final int vocabulary;
    private final int rows;
    private final int columns;
    private final int[] rowOf;      // [V]
    private final int[] colOf;      // [V]
    private final int[] cells;      // [R*C], row-major: the word at (r, c), or -1

    private WordTable(int vocabulary, int rows, int columns, int[] rowOf, int[] colOf, int[] cells) {
        this.vocabulary = vocabulary;
        this.rows = rows;
        this.columns = columns;
        this.rowOf = rowOf;
        this.colOf = colOf;
        this.cells = cells;
    }

    /** {@code R = C = ceil(sqrt(V))}, the table of CELLS.md, filled row by row ({@link #sequential(int, int, int)}). */
    public static WordTable sequential(int vocabulary) {
        Checks.positive("vocabulary", vocabulary);
        int side = ceilSqrt(vocabulary);
        return sequential(vocabulary, side, side);
    }

    /** The default allocation: word {@code w} at {@code (w / C, w % C)}. */
    public static WordTable sequential(int vocabulary, int rows, int columns) {
        checkShape(vocabulary, rows, columns);
        int[] rowOf = new int[vocabulary];
        int[] colOf = new int[vocabulary];
        for (int w = 0; w < vocabulary; w++) {
            rowOf[w] = w / columns;
            colOf[w] = w % columns;
        }
        return of(rows, columns, rowOf, colOf);
    }

    /**
     * Word {@code w} at {@code (rowOf[w], colOf[w])}; {@code V = rowOf.length}. The arrays are copied.
     *
     * @throws IllegalArgumentException for a coordinate out of range (naming the word) or two
     *                                  words in one cell (naming both and the cell)
     */
    public static WordTable of(int rows, int columns, int[] rowOf, int[] colOf) {
        if (rowOf == null || colOf == null) {
            throw new IllegalArgumentException((rowOf == null ? "rowOf" : "colOf") + " is null, expected [V] coordinates");
        }
        if (rowOf.length != colOf.length) {
            throw new IllegalArgumentException("rowOf has " + rowOf.length + " entries and colOf " + colOf.length
                    + ", expected one of each per word");
        }
        int vocabulary = rowOf.length;
        checkShape(vocabulary, rows, columns);
        int[] cells = new int[rows * columns];
        Arrays.fill(cells, -1);
        for (int w = 0; w < vocabulary; w++) {
            int r = rowOf[w];
            int c = colOf[w];
            if (r < 0 || r >= rows || c < 0 || c >= columns) {
                throw new IllegalArgumentException("word " + w + " is placed at (" + r + ", " + c
                        + "), outside the " + rows + " x " + columns + " table");
            }
            int other = cells[r * columns + c];
            if (other >= 0) {
                throw new IllegalArgumentException("cell (" + r + ", " + c + ") holds two words: " + other + " and " + w);
            }
            cells[r * columns + c] = w;
        }
        return new WordTable(vocabulary, rows, columns, rowOf.clone(), colOf.clone(), cells);
    }

    /**
     * From the table itself: {@code cells[r*C + c]} is the word at {@code (r, c)}, or -1 for an
     * empty cell. The array is copied.
     *
     * @throws IllegalArgumentException for a word id outside {@code [0, V)} or below -1 (naming the
     *                                  cell), a word in two cells (naming the word and both cells), or a
     *                                  word in no cell (naming the word)
     */
    public static WordTable fromCells(int vocabulary, int rows, int columns, int[] cells) {
        checkShape(vocabulary, rows, columns);
        if (cells == null || cells.length != rows * columns) {
            throw new IllegalArgumentException("cells " + (cells == null ? "is null" : "has " + cells.length + " entries")
                    + ", expected [R=" + rows + "][C=" + columns + "] = " + rows * columns);
        }
        int[] rowOf = new int[vocabulary];
        int[] colOf = new int[vocabulary];
        Arrays.fill(rowOf, -1);
        for (int i = 0; i < cells.length; i++) {
            int w = cells[i];
            if (w == -1) {
                continue;
            }
            int r = i / columns;
            int c = i % columns;
            if (w < -1 || w >= vocabulary) {
                throw new IllegalArgumentException("cell (" + r + ", " + c + ") holds " + w
                        + ", expected a word id in [0, " + vocabulary + ") or -1 for an empty cell");
            }
            if (rowOf[w] >= 0) {
                throw new IllegalArgumentException("word " + w + " is in two cells: (" + rowOf[w] + ", " + colOf[w]
                        + ") and (" + r + ", " + c + ")");
            }
            rowOf[w] = r;
            colOf[w] = c;
        }
        for (int w = 0; w < vocabulary; w++) {
            if (rowOf[w] < 0) {
                throw new IllegalArgumentException("word " + w + " is in no cell of the " + rows + " x " + columns
                        + " table (every word 0.." + (vocabulary - 1) + " must be placed once)");
            }
        }
        return new WordTable(vocabulary, rows, columns, rowOf, colOf, cells.clone());
    }

    private static void checkShape(int vocabulary, int rows, int columns) {
        Checks.positive("vocabulary", vocabulary);
        Checks.positive("rows", rows);
        Checks.positive("columns", columns);
        long cellCount = (long) rows * columns;
        if (cellCount < vocabulary) {
            throw new IllegalArgumentException("a " + rows + " x " + columns + " table has " + cellCount
                    + " cells, fewer than the " + vocabulary + " words");
        }
        if (cellCount > MAX_CELLS) {
            throw new IllegalArgumentException("a " + rows + " x " + columns + " table has " + cellCount
                    + " cells, more than one Java array holds");
        }
    }

    /** The smallest {@code s} with {@code s*s >= n}, in integers (no rounding of {@code Math.sqrt} trusted). */
    static int ceilSqrt(int n) {
        int s = (int) Math.ceil(Math.sqrt(n));
        while ((long) s * s < n) {
            s++;
        }
        while (s > 1 && (long) (s - 1) * (s - 1) >= n) {
            s--;
        }
        return s;
    }

    /** {@code V}. */
    public int vocabularySize() {
        return vocabulary;
    }

    /** {@code R}. */
    public int rows() {
        return rows;
    }

    /** {@code C}. */
    public int columns() {
        return columns;
    }

    /** The row of word {@code w}. */
    public int row(int word) {
        checkWord(word);
        return rowOf[word];
    }

    /** The column of word {@code w}. */
    public int col(int word) {
        checkWord(word);
        return colOf[word];
    }

    /** The word at {@code (row, column)}, or -1 for an empty cell. */
    public int wordAt(int row, int column) {
        if (row < 0 || row >= rows || column < 0 || column >= columns) {
            throw new IllegalArgumentException("(" + row + ", " + column + ") is outside the " + rows + " x "
                    + columns + " table");
        }
        return cells[row * columns + column];
    }

    /** A copy of the table, {@code [R*C]} row-major, -1 for empty cells (the form {@link #fromCells} takes). */
    public int[] cells() {
        return cells.clone();
    }

    // Unchecked views for the model's hot paths.
    int rowUnchecked(int word) {
        return rowOf[word];
    }

    int colUnchecked(int word) {
        return colOf[word];
    }

    int cellUnchecked(int index) {
        return cells[index];
    }

    /**
     * The softmax masks of this layout (0 for a place that holds words, -infinity for an empty one), so
     * that the row and column softmaxes run over occupied places only: {@code rowMask [R]} (null when no
     * row is empty), {@code cellMask [R*C]} (null when every row is full; read only for rows that are not
     * full), and per row whether it is full and whether it holds any word.
     */
    record Masks(float[] rowMask, float[] cellMask, boolean[] rowFull, boolean[] rowOccupied) {
    }

    Masks masks() {
        boolean[] full = new boolean[rows];
        boolean[] occupied = new boolean[rows];
        float[] rowMask = new float[rows];
        float[] cellMask = new float[rows * columns];
        boolean anyEmptyRow = false;
        boolean anyPartialRow = false;
        for (int r = 0; r < rows; r++) {
            int words = 0;
            for (int c = 0; c < columns; c++) {
                boolean taken = cells[r * columns + c] >= 0;
                cellMask[r * columns + c] = taken ? 0f : Float.NEGATIVE_INFINITY;
                words += taken ? 1 : 0;
            }
            full[r] = words == columns;
            occupied[r] = words > 0;
            rowMask[r] = words > 0 ? 0f : Float.NEGATIVE_INFINITY;
            anyEmptyRow |= words == 0;
            anyPartialRow |= words < columns;
        }
        return new Masks(anyEmptyRow ? rowMask : null, anyPartialRow ? cellMask : null, full, occupied);
    }

    private void checkWord(int word) {
        if (word < 0 || word >= vocabulary) {
            throw new IllegalArgumentException("word = " + word + ", expected a word id in [0, " + vocabulary + ")");
        }
    }

    /**
     * Writes the table in the format of the class comment. The file is written under a temporary
     * name beside {@code file}, forced to disk and renamed over it, so a reader sees the old table
     * or the new one, never a partial one.
     */
    public void save(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("vocabulary", vocabulary);
        root.put("rows", rows);
        root.put("columns", columns);
        ArrayNode table = root.putArray("cells");
        for (int r = 0; r < rows; r++) {
            ArrayNode row = table.addArray();
            for (int c = 0; c < columns; c++) {
                row.add(cells[r * columns + c]);
            }
        }
        AtomicFiles.write(file, JSON.writeValueAsBytes(root));
    }

    /**
     * Reads a table written by {@link #save}.
     *
     * @throws IOException              when the file cannot be read or is not JSON
     * @throws IllegalArgumentException when the JSON is not a valid table: wrong format or version,
     *                                  missing or mistyped fields, or an allocation that {@link #fromCells}
     *                                  refuses (the message names the file and the word or cell)
     */
    public static WordTable load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        JsonNode root = JSON.readTree(Files.readAllBytes(file));
        try {
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            String format = root.path("format").asText(null);
            if (!FORMAT.equals(format)) {
                throw new IllegalArgumentException("format is " + root.get("format") + ", expected \"" + FORMAT + "\"");
            }
            int version = intField(root, "version");
            if (version != VERSION) {
                throw new IllegalArgumentException("version " + version + ", this library reads version " + VERSION);
            }
            int vocabulary = intField(root, "vocabulary");
            int rows = intField(root, "rows");
            int columns = intField(root, "columns");
            checkShape(vocabulary, rows, columns);
            JsonNode table = root.get("cells");
            if (table == null || !table.isArray() || table.size() != rows) {
                throw new IllegalArgumentException("cells: expected an array of " + rows + " rows");
            }
            int[] cells = new int[rows * columns];
            for (int r = 0; r < rows; r++) {
                JsonNode row = table.get(r);
                if (!row.isArray() || row.size() != columns) {
                    throw new IllegalArgumentException("cells row " + r + ": expected an array of " + columns + " word ids");
                }
                for (int c = 0; c < columns; c++) {
                    JsonNode cell = row.get(c);
                    if (!cell.isInt()) {
                        throw new IllegalArgumentException("cell (" + r + ", " + c + ") is " + cell + ", expected a word id or -1");
                    }
                    cells[r * columns + c] = cell.intValue();
                }
            }
            return fromCells(vocabulary, rows, columns, cells);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static int intField(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || !node.isInt()) {
            throw new IllegalArgumentException(name + " is " + node + ", expected an integer");
        }
        return node.intValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WordTable t && t.vocabulary == vocabulary && t.rows == rows && t.columns == columns
                && Arrays.equals(t.cells, cells);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vocabulary, rows, columns, Arrays.hashCode(cells));
    }

    @Override
    public String toString() {
        return "WordTable[V=" + vocabulary + ", " + rows + " x " + columns + "]";
    }
}
