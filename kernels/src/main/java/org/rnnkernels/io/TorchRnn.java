package org.rnnkernels.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;

/**
 * Loads a PyTorch {@code nn.RNN}, {@code nn.GRU} or {@code nn.LSTM} state dict saved as
 * safetensors (e.g. {@code safetensors.torch.save_file(rnn.state_dict(), path)}), inferring
 * layers, sizes and direction from the parameter names and shapes: {@code weight_ih_l{k}},
 * {@code weight_hh_l{k}}, {@code bias_ih_l{k}}, {@code bias_hh_l{k}}, with {@code _reverse} for the
 * second direction. A model nested in a bigger module is found by its name prefix
 * ({@code "encoder.rnn."}).
 *
 * <p>The cell type: {@code G = rows(weight_hh) / H} gates tells GRU (3), LSTM (4) and Elman (1);
 * {@code nn.RNN}'s nonlinearity is not in a state dict, so pass {@link CellType#RNN_RELU} for
 * {@code nonlinearity='relu'} (tanh is assumed otherwise). Any cell with the same gate layout may
 * be asked for: a GRU's weights load into {@link CellType#RAG_GRU}, an LSTM's into
 * {@link CellType#RAG_LSTM}.
 *
 * <p>Anything that does not fit (missing or extra RNN parameters under the prefix, shapes that do not
 * chain, a gate count that is not the requested cell's, LSTM projections) is a
 * {@link SafeTensorsException} naming the file and the tensor, thrown before any layer is built.
 */
public final class TorchRnn {
    private TorchRnn() {
    }

    /**
     * How to read a state dict: where the RNN's parameters sit and which cell to build from them.
     * Immutable; start from {@link #options()} and change what differs:
     * <pre>{@code
     * TorchRnn.load(path, TorchRnn.options().prefix("encoder.rnn.").cell(CellType.RAG_GRU));
     * }</pre>
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options("", null);

        private final String prefix;
        private final CellType cell;   // null: inferred from the gate count

        private Options(String prefix, CellType cell) {
            this.prefix = prefix;
            this.cell = cell;
        }

        /**
         * The name prefix of the RNN's parameters in a bigger module's state dict, e.g.
         * {@code "encoder.rnn."} for {@code encoder.rnn.weight_ih_l0}; default {@code ""}, a bare state dict.
         */
        public Options prefix(String prefix) {
            if (prefix == null) {
                throw new IllegalArgumentException("prefix is null: use \"\" for a bare state dict");
            }
            return new Options(prefix, cell);
        }

        /**
         * The cell to build instead of the one the gate count gives (1: {@link CellType#RNN_TANH},
         * 3: {@link CellType#GRU}, 4: {@link CellType#LSTM}): {@link CellType#RNN_RELU} for
         * {@code nonlinearity='relu'}, or any cell with the same gate layout ({@link CellType#RAG_GRU}
         * from a GRU's weights). Not the cells whose parameters a state dict lacks (multiplicative,
         * event-based): those load from the library's own files ({@link ModelFiles}).
         */
        public Options cell(CellType type) {
            if (type == null) {
                throw new IllegalArgumentException("type is null: leave the cell unset to infer it from the gate count");
            }
            if (type.multiplicative() || type.eventBased()) {
                throw new IllegalArgumentException(type + " needs " + (type.eventBased() ? "thresholds" : "alpha/beta parameters")
                        + ", which a PyTorch state dict does not have: build its layers with RecurrentLayer, or save and load"
                        + " them with ModelFiles");
            }
            return new Options(prefix, type);
        }

        public String prefix() {
            return prefix;
        }

        /** The cell asked for, or empty when it is inferred from the gate count. */
        public java.util.Optional<CellType> cell() {
            return java.util.Optional.ofNullable(cell);
        }
    }

    /** The defaults: a bare state dict, the cell inferred from the gate count. */
    public static Options options() {
        return Options.DEFAULTS;
    }

    /** {@link #load(TensorFile, Options)} with the defaults, on a file. */
    public static RecurrentModel load(Path file) throws IOException {
        return load(file, options());
    }

    /** {@link #load(TensorFile, Options)} on a file. */
    public static RecurrentModel load(Path file, Options options) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        return load(SafeTensors.read(file), options);
    }

    /** The model in {@code file}, read as {@code options} say. */
    public static RecurrentModel load(TensorFile file, Options options) throws IOException {
        if (file == null || options == null) {
            throw new IllegalArgumentException((file == null ? "file" : "options") + " is null");
        }
        CellType type = options.cell;
        return load(file, options.prefix, k -> type, NO_EXTRAS, StoredLayers.NONE);
    }

    /**
     * The parameters some cells have beside PyTorch's four, for layer {@code k}, direction suffix
     * {@code suffix} ("_l0", "_l0_reverse"): asked for only where the cell needs them.
     */
    interface ExtraSource {
        org.rnnkernels.MiParameters mi(int layer, String suffix) throws SafeTensorsException;

        float[] thresholds(int layer, String suffix) throws SafeTensorsException;
    }

    private static final ExtraSource NO_EXTRAS = new ExtraSource() {
        @Override
        public org.rnnkernels.MiParameters mi(int layer, String suffix) {
            return null;
        }

        @Override
        public float[] thresholds(int layer, String suffix) {
            return null;
        }
    };

    /**
     * Layers stored in a form of their own instead of PyTorch's {@code weight_ih}/{@code weight_hh}
     * (restricted pools, ternary planes: {@link ModelFiles}); {@code suffix} is "_l0", "_l0_reverse", ...
     */
    interface StoredLayers {
        StoredLayers NONE = new StoredLayers() {
            @Override
            public boolean has(String suffix) {
                return false;
            }

            @Override
            public Stored get(String suffix, CellType cell) {
                throw new IllegalStateException("no layers of a form of their own");
            }
        };

        boolean has(String suffix);

        /** The layer's parameters, checked against its sizes (the problem named by tensor otherwise). */
        Stored get(String suffix, CellType cell) throws SafeTensorsException;
    }

    /** A stored layer's cell and sizes, known before any layer is built, and how to build it. */
    record Stored(CellType cell, int inputSize, int hiddenSize, java.util.function.Supplier<RecurrentLayer> build) {
    }

    /**
     * As {@link #load(TensorFile, Options)} with a cell type per layer (null: infer), extra parameters
     * and layers stored in a form of their own.
     */
    static RecurrentModel load(TensorFile file, String prefix, java.util.function.IntFunction<CellType> typeOfLayer,
                               ExtraSource extras, StoredLayers own) throws IOException {
        String p = prefix;
        Path path = file.path();
        if (!file.contains(p + "weight_ih_l0") && !own.has("_l0")) {
            throw new SafeTensorsException(path, p + "weight_ih_l0", "not found: no recurrent layer under prefix '" + p + "'");
        }
        boolean bidirectional = file.contains(p + "weight_ih_l0_reverse") || own.has("_l0_reverse");
        int layers = 0;
        while (file.contains(p + "weight_ih_l" + layers) || own.has("_l" + layers)) {
            layers++;
        }
        checkNoStrangers(file, p, layers, bidirectional);

        // Shapes first, for every layer and direction: nothing is built until all of it fits.
        List<float[][]> weights = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        List<CellType> cells = new ArrayList<>();
        List<org.rnnkernels.MiParameters> mis = new ArrayList<>();
        List<float[]> thresholds = new ArrayList<>();
        List<Stored> stored = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            CellType cell = typeOfLayer.apply(k);
            for (int d = 0; d < (bidirectional ? 2 : 1); d++) {
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                if (own.has(suffix)) {
                    Stored layer = own.get(suffix, cell);
                    stored.add(layer);
                    weights.add(null);
                    cells.add(layer.cell());
                    mis.add(null);
                    thresholds.add(null);   // every list holds one entry per layer and direction
                    sizes.add(new int[] {layer.inputSize(), layer.hiddenSize()});
                    continue;
                }
                stored.add(null);
                Tensor wIh = require(file, p + "weight_ih" + suffix, 2);
                Tensor wHh = require(file, p + "weight_hh" + suffix, 2);
                int hidden = (int) wHh.dim(1);
                long rows = wHh.dim(0);
                if (hidden == 0 || rows % hidden != 0) {
                    throw new SafeTensorsException(path, p + "weight_hh" + suffix,
                            "shape " + shape(wHh) + " is not [G*H, H] for any gate count G");
                }
                int gates = (int) (rows / hidden);
                if (cell == null) {
                    cell = switch (gates) {
                        case 1 -> CellType.RNN_TANH;
                        case 3 -> CellType.GRU;
                        case 4 -> CellType.LSTM;
                        default -> throw new SafeTensorsException(path, p + "weight_hh" + suffix,
                                gates + " gate blocks: not an RNN (1), GRU (3) or LSTM (4)");
                    };
                }
                if (gates != cell.gates()) {
                    throw new SafeTensorsException(path, p + "weight_hh" + suffix, "shape " + shape(wHh) + " has "
                            + gates + " gate blocks of H=" + hidden + ", " + cell + " has " + cell.gates());
                }
                if (wIh.dim(0) != rows) {
                    throw new SafeTensorsException(path, p + "weight_ih" + suffix, "shape " + shape(wIh)
                            + " does not match weight_hh" + suffix + " " + shape(wHh) + ": expected [" + rows + ", I]");
                }
                float[] bIh = null;
                float[] bHh = null;
                boolean hasIh = file.contains(p + "bias_ih" + suffix);
                boolean hasHh = file.contains(p + "bias_hh" + suffix);
                if (hasIh != hasHh) {
                    String missing = p + (hasIh ? "bias_hh" : "bias_ih") + suffix;
                    throw new SafeTensorsException(path, missing, "missing, while its pair is present");
                }
                if (hasIh) {
                    bIh = requireVector(file, p + "bias_ih" + suffix, rows);
                    bHh = requireVector(file, p + "bias_hh" + suffix, rows);
                }
                weights.add(new float[][] {wIh.data(), wHh.data(), bIh, bHh});
                cells.add(cell);
                org.rnnkernels.MiParameters mi = cell.multiplicative() ? extras.mi(k, suffix) : null;
                float[] theta = cell.eventBased() ? extras.thresholds(k, suffix) : null;
                if (theta != null && theta.length != hidden) {
                    throw new SafeTensorsException(path, p + "egru_theta" + suffix, theta.length
                            + " values, expected [" + hidden + "] for " + cell + " with H=" + hidden);
                }
                thresholds.add(theta);
                if (mi != null) {
                    String[] names = {"mi_alpha", "mi_beta1", "mi_beta2"};
                    float[][] vectors = {mi.alpha(), mi.beta1(), mi.beta2()};
                    for (int v = 0; v < 3; v++) {
                        if (vectors[v].length != rows) {
                            throw new SafeTensorsException(path, p + names[v] + suffix, vectors[v].length
                                    + " values, expected [" + rows + "] for " + cell + " with H=" + hidden);
                        }
                    }
                }
                mis.add(mi);
                sizes.add(new int[] {(int) wIh.dim(1), hidden});
            }
        }
        int directions = bidirectional ? 2 : 1;
        for (int i = directions; i < sizes.size(); i++) {
            int k = i / directions;
            int expected = directions * sizes.get(i - directions)[1];
            if (sizes.get(i)[0] != expected) {
                String suffix = "_l" + k + (i % directions == 1 ? "_reverse" : "");
                throw new SafeTensorsException(path, p + "weight_ih" + suffix, "input size " + sizes.get(i)[0]
                        + " does not chain: layer " + (k - 1) + " outputs " + expected + " features");
            }
        }

        List<RecurrentLayer> built = new ArrayList<>();
        try {
            for (int i = 0; i < weights.size(); i++) {
                float[][] w = weights.get(i);
                if (stored.get(i) != null) {
                    built.add(stored.get(i).build().get());
                    continue;
                }
                built.add(cells.get(i).eventBased()
                        ? RecurrentLayer.create(LayerWeights.of(CellType.EGRU, sizes.get(i)[0], sizes.get(i)[1])
                                .inputWeights(w[0])
                                .recurrentWeights(w[1])
                                .biases(w[2], w[3])
                                .thresholds(thresholds.get(i))
                                .build(), org.rnnkernels.blas.Blases.get())
                        : RecurrentLayer.create(LayerWeights.of(cells.get(i), sizes.get(i)[0], sizes.get(i)[1])
                                .inputWeights(w[0])
                                .recurrentWeights(w[1])
                                .biases(w[2], w[3])
                                .mi(mis.get(i))
                                .build(), org.rnnkernels.blas.Blases.get()));
            }
            return RecurrentModel.of(bidirectional, built);
        } catch (RuntimeException e) {
            built.forEach(RecurrentLayer::close);
            throw e;
        }
    }

    // Every tensor under the prefix named like an RNN parameter (weight_..., bias_...) must be one
    // of the parameters of the layers found: a gap in the layer numbers, a stray direction or an
    // LSTM projection is an error. Other names (a sibling module's "fc.weight" under prefix "",
    // say) are not this model's and are left alone.
    private static void checkNoStrangers(TensorFile file, String p, int layers, boolean bidirectional) throws SafeTensorsException {
        for (String name : file.names()) {
            if (!name.startsWith(p)) {
                continue;
            }
            String rest = name.substring(p.length());
            if (!rest.startsWith("weight_") && !rest.startsWith("bias_")) {
                continue;
            }
            boolean known = false;
            for (int k = 0; k < layers && !known; k++) {
                for (int d = 0; d < (bidirectional ? 2 : 1) && !known; d++) {
                    String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                    known = rest.equals("weight_ih" + suffix) || rest.equals("weight_hh" + suffix)
                            || rest.equals("bias_ih" + suffix) || rest.equals("bias_hh" + suffix);
                }
            }
            if (!known) {
                String why = rest.startsWith("weight_hr")
                        ? "LSTM projections (proj_size > 0) are not supported"
                        : "not a parameter of a " + layers + "-layer " + (bidirectional ? "bidirectional" : "unidirectional")
                                + " RNN (expected weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}"
                                + (bidirectional ? " and _reverse" : "") + ")";
                throw new SafeTensorsException(file.path(), name, why);
            }
        }
    }

    private static Tensor require(TensorFile file, String name, int rank) throws SafeTensorsException {
        if (!file.contains(name)) {
            throw new SafeTensorsException(file.path(), name, "missing");
        }
        Tensor t = file.get(name);
        if (t.rank() != rank) {
            throw new SafeTensorsException(file.path(), name, "shape " + shape(t) + " has rank " + t.rank() + ", expected " + rank);
        }
        return t;
    }

    private static float[] requireVector(TensorFile file, String name, long length) throws SafeTensorsException {
        Tensor t = require(file, name, 1);
        if (t.dim(0) != length) {
            throw new SafeTensorsException(file.path(), name, "shape " + shape(t) + ", expected [" + length + "]");
        }
        return t.data();
    }

    private static String shape(Tensor t) {
        return java.util.Arrays.toString(t.shape());
    }
}
