package org.rnnkernels.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.quant.IntegerWeights;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * The library's own model files: safetensors with PyTorch's parameter names (so PyTorch can read
 * the weights of its classic cells back) and, in the metadata, what PyTorch cannot know: the
 * cell type of every layer ({@code cell_l{k}}, any {@link CellType}, RAG included), the
 * number of layers and the direction; MI cells add {@code mi_alpha_l{k}}, {@code mi_beta1_l{k}},
 * {@code mi_beta2_l{k}} (with {@code _reverse}), EGRU its thresholds {@code egru_theta_l{k}}.
 *
 * <p>A restricted (weight-shared) layer is stored as what it is, not as dense matrices: the tensors
 * {@code restricted_pool_l{k} [d_r, k]} and, with biases, {@code restricted_bias_pool_l{k} [d_r]},
 * and the metadata {@code restricted_rate_l{k}}, {@code restricted_shared_rows_l{k}} ({@code s}),
 * {@code restricted_input_size_l{k}}, {@code restricted_hidden_size_l{k}} (with {@code _reverse}); PyTorch
 * cannot read such a layer. A file without {@code restricted_shared_rows} was written when {@code s} was
 * rounded half up on the double product {@code r*H}, and loads with that {@code s}.
 * A HitNet ternary layer is stored packed: its bit planes, scales, biases, activations, {@code delta}
 * and {@code lambda} ({@link TernaryTensors} has the layout). An integer RAG layer is stored as its integers:
 * int8 weights, exponents, integer biases and its fixed-point format ({@link IntegerTensors}).
 */
public final class ModelFiles {
    static final String FORMAT = "rnnkernels-model";
    static final int VERSION = 1;

    private ModelFiles() {
    }

    /** Writes {@code model} (weights and cell types) to {@code file}, atomically. */
    public static void save(RecurrentModel model, Path file) throws IOException {
        save(model, Map.of(), Map.of(), file);
    }

    /**
     * {@link #save(RecurrentModel, Path)} with more tensors and metadata beside the model's (such as a
     * trained output head), which {@link #load} ignores; their names must not be the model's.
     */
    public static void save(RecurrentModel model, Map<String, Tensor> extraTensors, Map<String, String> extraMetadata,
                            Path file) throws IOException {
        if (model == null || extraTensors == null || extraMetadata == null || file == null) {
            throw new IllegalArgumentException((model == null ? "model" : extraTensors == null ? "extraTensors"
                    : extraMetadata == null ? "extraMetadata" : "file") + " is null (no extras: pass Map.of())");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("version", Integer.toString(VERSION));
        metadata.put("num_layers", Integer.toString(model.numLayers()));
        metadata.put("bidirectional", Boolean.toString(model.bidirectional()));
        for (int k = 0; k < model.numLayers(); k++) {
            metadata.put("cell_l" + k, model.layer(k, 0).cellType().name());
            for (int d = 0; d < model.directions(); d++) {
                RecurrentLayer layer = model.layer(k, d);
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                RestrictedWeights pool = layer.restrictedWeights();
                if (pool != null) {
                    saveRestricted(pool, suffix, tensors, metadata);
                    continue;
                }
                TernaryWeights ternary = layer.ternaryWeights();
                if (ternary != null) {
                    TernaryTensors.save(ternary, suffix, tensors, metadata);
                    continue;
                }
                IntegerWeights integer = layer.integerWeights();
                if (integer != null) {
                    IntegerTensors.save(integer, suffix, tensors, metadata);
                    continue;
                }
                if (layer.int8Weights() != null) {
                    throw new IllegalArgumentException("layer " + k + " is an int8-weight layer, which model files do not hold:"
                            + " save the float model and quantise it after loading (Int8Layer.quantize)");
                }
                long rows = (long) layer.cellType().gates() * layer.hiddenSize();
                tensors.put("weight_ih" + suffix, new Tensor(new long[] {rows, layer.inputSize()}, layer.weightIh()));
                tensors.put("weight_hh" + suffix, new Tensor(new long[] {rows, layer.hiddenSize()}, layer.weightHh()));
                org.rnnkernels.MiParameters mi = layer.miParameters();
                if (mi != null) {
                    tensors.put("mi_alpha" + suffix, new Tensor(new long[] {rows}, mi.alpha()));
                    tensors.put("mi_beta1" + suffix, new Tensor(new long[] {rows}, mi.beta1()));
                    tensors.put("mi_beta2" + suffix, new Tensor(new long[] {rows}, mi.beta2()));
                }
                float[] theta = layer.thresholds();
                if (theta != null) {
                    tensors.put("egru_theta" + suffix, new Tensor(new long[] {layer.hiddenSize()}, theta));
                }
                float[] bIh = layer.biasIh();
                if (bIh != null) {
                    tensors.put("bias_ih" + suffix, new Tensor(new long[] {rows}, bIh));
                    tensors.put("bias_hh" + suffix, new Tensor(new long[] {rows}, layer.biasHh()));
                }
            }
        }
        putExtra(tensors, extraTensors, "extraTensors");
        putExtra(metadata, extraMetadata, "extraMetadata");
        SafeTensors.write(file, tensors, metadata);
    }

    private static <V> void putExtra(Map<String, V> into, Map<String, V> extra, String argument) {
        for (Map.Entry<String, V> e : extra.entrySet()) {
            if (into.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException(argument + " has \"" + e.getKey() + "\", a name the model itself writes");
            }
        }
    }

    /** Reads a model written by {@link #save}. */
    public static RecurrentModel load(Path file) throws IOException {
        return load(SafeTensors.read(file));
    }

    /**
     * The model of a file written by {@link #save}, already read (for a caller that reads its extra
     * tensors and metadata from the same read).
     */
    public static RecurrentModel load(TensorFile tensors) throws IOException {
        Path file = tensors.path();
        Map<String, String> metadata = tensors.metadata();
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new SafeTensorsException(file, null, "not an rnnkernels model file (metadata format = "
                    + metadata.get("format") + "); for a PyTorch state dict use TorchRnn.load");
        }
        int layers = integer(file, metadata, "num_layers");
        if (layers < 1) {
            throw new SafeTensorsException(file, null, "metadata num_layers = " + layers + ", expected >= 1");
        }
        CellType[] cells = new CellType[layers];
        for (int k = 0; k < layers; k++) {
            String name = metadata.get("cell_l" + k);
            try {
                cells[k] = CellType.valueOf(String.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new SafeTensorsException(file, null, "metadata cell_l" + k + " = " + name + " is not a cell type");
            }
        }
        RecurrentModel model = TorchRnn.load(tensors, "", k -> k < layers ? cells[k] : null, new TorchRnn.ExtraSource() {
            @Override
            public org.rnnkernels.MiParameters mi(int layer, String suffix) throws SafeTensorsException {
                return new org.rnnkernels.MiParameters(vector(tensors, "mi_alpha" + suffix), vector(tensors, "mi_beta1" + suffix),
                        vector(tensors, "mi_beta2" + suffix));
            }

            @Override
            public float[] thresholds(int layer, String suffix) throws SafeTensorsException {
                return vector(tensors, "egru_theta" + suffix);
            }
        }, new OwnForms(tensors));
        if (model.numLayers() != layers || model.bidirectional() != Boolean.parseBoolean(metadata.get("bidirectional"))) {
            model.close();
            throw new SafeTensorsException(file, null, "metadata says " + layers + " layers, bidirectional="
                    + metadata.get("bidirectional") + "; the tensors hold " + model.numLayers() + ", " + model.bidirectional());
        }
        return model;
    }

    private static void saveRestricted(RestrictedWeights pool, String suffix, Map<String, Tensor> tensors,
                                       Map<String, String> metadata) {
        metadata.put("restricted_rate" + suffix, Double.toString(pool.rate()));   // exact: Double.toString round-trips
        metadata.put("restricted_shared_rows" + suffix, Integer.toString(pool.sharedRows()));
        metadata.put("restricted_input_size" + suffix, Integer.toString(pool.inputSize()));
        metadata.put("restricted_hidden_size" + suffix, Integer.toString(pool.hiddenSize()));
        tensors.put("restricted_pool" + suffix, new Tensor(new long[] {pool.poolRows(), pool.poolColumns()}, pool.pool()));
        float[] bias = pool.biasPool();
        if (bias != null) {
            tensors.put("restricted_bias_pool" + suffix, new Tensor(new long[] {pool.poolRows()}, bias));
        }
    }

    /**
     * The layers of a model file stored in a form of their own: restricted when the metadata has its rate,
     * ternary when it has its activations, integer when it has its fractional bits.
     */
    private static final class OwnForms implements TorchRnn.StoredLayers {
        private final TensorFile file;

        OwnForms(TensorFile file) {
            this.file = file;
        }

        @Override
        public boolean has(String suffix) {
            return file.metadata().containsKey("restricted_rate" + suffix) || TernaryTensors.has(file.metadata(), suffix)
                    || IntegerTensors.has(file.metadata(), suffix);
        }

        @Override
        public TorchRnn.Stored get(String suffix, CellType cell) throws SafeTensorsException {
            if (TernaryTensors.has(file.metadata(), suffix)) {
                TernaryWeights weights = TernaryTensors.load(file, suffix, cell);
                return new TorchRnn.Stored(cell, weights.inputSize(), weights.hiddenSize(), () -> RecurrentLayer.createTernary(weights));
            }
            if (IntegerTensors.has(file.metadata(), suffix)) {
                IntegerWeights weights = IntegerTensors.load(file, suffix, cell);
                return new TorchRnn.Stored(cell, weights.inputSize(), weights.hiddenSize(), () -> RecurrentLayer.createInteger(weights));
            }
            RestrictedWeights pool = restricted(suffix, cell);
            return new TorchRnn.Stored(pool.cellType(), pool.inputSize(), pool.hiddenSize(),
                    () -> RecurrentLayer.createRestricted(pool, Blases.get()));
        }

        private RestrictedWeights restricted(String suffix, CellType cell) throws SafeTensorsException {
            Map<String, String> metadata = file.metadata();
            Path path = file.path();
            String rateKey = "restricted_rate" + suffix;
            double rate;
            try {
                rate = Double.parseDouble(metadata.get(rateKey));
            } catch (NumberFormatException e) {
                throw new SafeTensorsException(path, null, "metadata " + rateKey + " = " + metadata.get(rateKey) + " is not a number");
            }
            int input = integer(path, metadata, "restricted_input_size" + suffix);
            int hidden = integer(path, metadata, "restricted_hidden_size" + suffix);
            String sharedKey = "restricted_shared_rows" + suffix;
            int shared;
            int rows;
            try {
                if (cell.multiplicative() || cell.eventBased() || input < 1 || hidden < 1) {
                    throw new IllegalArgumentException("a restricted " + cell + " layer with I=" + input + ", H=" + hidden
                            + " cannot be: expected a cell without MI parameters or thresholds, and sizes >= 1");
                }
                RestrictedWeights.sharedRows(rate, hidden);                            // the rate's own check
                // Written before s was stored: s = round(r*H) half up on the double product, as the writer rounded.
                shared = metadata.containsKey(sharedKey) ? integer(path, metadata, sharedKey) : (int) Math.round(rate * hidden);
                if (shared < 0 || shared > hidden) {
                    throw new IllegalArgumentException(sharedKey + " = " + shared + ", expected 0.." + hidden + " (H)");
                }
                rows = RestrictedWeights.poolRowsFor(cell, hidden, shared);
            } catch (IllegalArgumentException e) {
                throw new SafeTensorsException(path, null, "metadata of restricted layer " + suffix.substring(1) + ": " + e.getMessage());
            }
            int columns = RestrictedWeights.poolColumns(input, hidden);
            String what = " for a restricted " + cell + " with I=" + input + ", H=" + hidden + ", r=" + rate;
            float[] pool = tensor(file, "restricted_pool" + suffix, new long[] {rows, columns}, "[d_r, k]", what);
            float[] bias = file.contains("restricted_bias_pool" + suffix)
                    ? tensor(file, "restricted_bias_pool" + suffix, new long[] {rows}, "[d_r]", what) : null;
            return RestrictedWeights.of(cell, input, hidden, rate, shared, pool, bias);
        }
    }

    /** The data of tensor {@code name}, which must have {@code shape} ({@code symbols} and {@code what} say what it is). */
    static float[] tensor(TensorFile file, String name, long[] shape, String symbols, String what) throws SafeTensorsException {
        if (!file.contains(name)) {
            throw new SafeTensorsException(file.path(), name, "missing: expected " + symbols + " = " + java.util.Arrays.toString(shape) + what);
        }
        Tensor t = file.get(name);
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new SafeTensorsException(file.path(), name, "of the wrong shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + symbols + " = " + java.util.Arrays.toString(shape) + what);
        }
        return t.data();
    }

    private static float[] vector(TensorFile file, String name) throws SafeTensorsException {
        if (!file.contains(name)) {
            throw new SafeTensorsException(file.path(), name, "missing: the layer's cell type needs it");
        }
        return file.get(name).data();
    }

    static int integer(Path file, Map<String, String> metadata, String key) throws SafeTensorsException {
        try {
            return Integer.parseInt(metadata.get(key));
        } catch (NumberFormatException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = " + metadata.get(key) + " is not a number");
        }
    }
}
