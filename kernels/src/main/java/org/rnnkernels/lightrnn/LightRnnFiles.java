package org.rnnkernels.lightrnn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.io.SafeTensors;
import org.rnnkernels.io.SafeTensorsException;
import org.rnnkernels.io.Tensor;
import org.rnnkernels.io.TensorFile;

/**
 * LightRNN model files: the library's model file of the shared stack ({@link ModelFiles}: any number
 * of layers, any cells, restricted and EGRU layers included), with the rest of the model beside it,
 * <pre>
 * tensors   lightrnn.xr [R, E], lightrnn.xc [C, E], lightrnn.yr [R, H], lightrnn.yc [C, H]
 *           lightrnn.row_of [V], lightrnn.col_of [V]    each word's place in the table, integers in float32
 * metadata  lightrnn.format = "rnnkernels-lightrnn", lightrnn.version = "1", lightrnn.rows = R, lightrnn.columns = C
 * </pre>
 * so that {@link ModelFiles#load} reads the stack alone from it and PyTorch reads every tensor. The
 * word table is stored as tensors, not as {@link WordTable}'s JSON, to keep the file one safetensors
 * file; float32 holds every integer up to {@code 2^24} exactly, so a table stored so may have at most
 * {@code 2^24} rows and as many columns.
 */
public final class LightRnnFiles {
    static final String FORMAT = "rnnkernels-lightrnn";
    static final int VERSION = 1;
    /** The largest row or column count whose indices float32 holds exactly. */
    static final int MAX_SIDE = 1 << 24;

    private LightRnnFiles() {
    }

    /**
     * Writes {@code model} (its stack, tables and word table) to {@code file}, atomically.
     *
     * @throws IllegalArgumentException for a null argument or a word table of more than {@code 2^24} rows or columns
     */
    public static void save(LightRnn model, Path file) throws IOException {
        if (model == null || file == null) {
            throw new IllegalArgumentException((model == null ? "model" : "file") + " is null");
        }
        WordTable table = model.wordTable();
        int rows = table.rows();
        int columns = table.columns();
        if (rows > MAX_SIDE || columns > MAX_SIDE) {
            throw new IllegalArgumentException("the word table is " + rows + " x " + columns + ": a LightRNN file stores"
                    + " word places as float32, exact up to " + MAX_SIDE + " rows and columns");
        }
        int vocabulary = table.vocabularySize();
        float[] rowOf = new float[vocabulary];
        float[] colOf = new float[vocabulary];
        for (int w = 0; w < vocabulary; w++) {
            rowOf[w] = table.rowUnchecked(w);
            colOf[w] = table.colUnchecked(w);
        }
        long e = model.embeddingSize();
        long h = model.hiddenSize();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("lightrnn.xr", new Tensor(new long[] {rows, e}, model.xr()));
        tensors.put("lightrnn.xc", new Tensor(new long[] {columns, e}, model.xc()));
        tensors.put("lightrnn.yr", new Tensor(new long[] {rows, h}, model.yr()));
        tensors.put("lightrnn.yc", new Tensor(new long[] {columns, h}, model.yc()));
        tensors.put("lightrnn.row_of", new Tensor(new long[] {vocabulary}, rowOf));
        tensors.put("lightrnn.col_of", new Tensor(new long[] {vocabulary}, colOf));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("lightrnn.format", FORMAT);
        metadata.put("lightrnn.version", Integer.toString(VERSION));
        metadata.put("lightrnn.rows", Integer.toString(rows));
        metadata.put("lightrnn.columns", Integer.toString(columns));
        ModelFiles.save(model.stack(), tensors, metadata, file);
    }

    /**
     * Reads a model written by {@link #save}, its layers and logits on the default BLAS. The caller closes it.
     *
     * @throws SafeTensorsException naming the file (and the tensor) when it is not a LightRNN file, or its
     *                              tables or word table are missing, of the wrong shape or invalid
     * @throws IOException          when the file cannot be read
     */
    public static LightRnn load(Path file) throws IOException {
        TensorFile tensors = SafeTensors.read(file);
        Map<String, String> metadata = tensors.metadata();
        if (!FORMAT.equals(metadata.get("lightrnn.format"))) {
            throw new SafeTensorsException(file, null, "not a LightRNN model file (metadata lightrnn.format = "
                    + metadata.get("lightrnn.format") + "); for the recurrent stack alone use ModelFiles.load");
        }
        if (!Integer.toString(VERSION).equals(metadata.get("lightrnn.version"))) {
            throw new SafeTensorsException(file, null, "metadata lightrnn.version = " + metadata.get("lightrnn.version")
                    + ", this library reads version " + VERSION);
        }
        int rows = side(file, metadata, "lightrnn.rows");
        int columns = side(file, metadata, "lightrnn.columns");
        float[] rowOf = vector(tensors, "lightrnn.row_of", -1);
        int[] rowIndex = indices(file, "lightrnn.row_of", rowOf);
        int[] colIndex = indices(file, "lightrnn.col_of", vector(tensors, "lightrnn.col_of", rowOf.length));
        WordTable table;
        try {
            table = WordTable.of(rows, columns, rowIndex, colIndex);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(file, "lightrnn.row_of", "not a word table: " + e.getMessage());
        }
        RecurrentModel stack = ModelFiles.load(tensors);
        try {
            try {
                LightRnn.checkOneDirection(stack);
            } catch (IllegalArgumentException ex) {
                throw new SafeTensorsException(file, null, ex.getMessage());
            }
            long e = stack.inputSize();
            long h = stack.outputSize();
            float[] xr = matrix(tensors, "lightrnn.xr", rows, e, "[R, E]");
            float[] xc = matrix(tensors, "lightrnn.xc", columns, e, "[C, E]");
            float[] yr = matrix(tensors, "lightrnn.yr", rows, h, "[R, H]");
            float[] yc = matrix(tensors, "lightrnn.yc", columns, h, "[C, H]");
            return LightRnn.create(table, xr, xc, yr, yc, stack);   // every argument checked above
        } catch (IOException | RuntimeException ex) {
            stack.close();
            throw ex;
        }
    }

    private static int side(Path file, Map<String, String> metadata, String key) throws SafeTensorsException {
        int value;
        try {
            value = Integer.parseInt(metadata.get(key));
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = " + metadata.get(key) + " is not a number");
        }
        if (value < 1 || value > MAX_SIDE) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = " + value + ", expected 1.." + MAX_SIDE);
        }
        return value;
    }

    // A rank-1 tensor of `length` entries (any length >= 1 when length < 0)
    private static float[] vector(TensorFile tensors, String name, int length) throws SafeTensorsException {
        if (!tensors.contains(name)) {
            throw new SafeTensorsException(tensors.path(), name, "missing: a LightRNN file holds every word's place");
        }
        Tensor t = tensors.get(name);
        if (t.shape().length != 1 || t.shape()[0] < 1 || (length >= 0 && t.shape()[0] != length)) {
            throw new SafeTensorsException(tensors.path(), name, "shape " + Arrays.toString(t.shape()) + ", expected [V]"
                    + (length >= 0 ? " = [" + length + "]" : " with V >= 1"));
        }
        return t.data();
    }

    // Word places stored as float32: each must be a whole number (WordTable.of checks the range)
    private static int[] indices(Path file, String name, float[] values) throws SafeTensorsException {
        int[] indices = new int[values.length];
        for (int w = 0; w < values.length; w++) {
            float v = values[w];
            if (!(Math.abs(v) < MAX_SIDE) || v != Math.rint(v)) {
                throw new SafeTensorsException(file, name, "word " + w + " is at " + v + ", expected a whole number below " + MAX_SIDE);
            }
            indices[w] = (int) v;
        }
        return indices;
    }

    private static float[] matrix(TensorFile tensors, String name, long rows, long columns, String symbols)
            throws SafeTensorsException {
        long[] shape = {rows, columns};
        if (!tensors.contains(name)) {
            throw new SafeTensorsException(tensors.path(), name, "missing: expected " + symbols + " = " + Arrays.toString(shape));
        }
        Tensor t = tensors.get(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new SafeTensorsException(tensors.path(), name, "shape " + Arrays.toString(t.shape()) + ", expected "
                    + symbols + " = " + Arrays.toString(shape) + " for the table and the stack in the file");
        }
        return t.data();
    }
}
