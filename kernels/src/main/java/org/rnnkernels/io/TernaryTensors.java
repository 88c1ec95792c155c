package org.rnnkernels.io;

import java.nio.file.Path;
import java.util.Map;
import org.rnnkernels.CellType;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.ternary.TernaryMatrix;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * A ternary layer in a model file ({@link ModelFiles}), packed, in float32 tensors (the only kind
 * safetensors files of this library hold). Each ternary matrix {@code T [rows][cols]} is two bit planes,
 * {@code plus} ({@code t = +1}) and {@code minus} ({@code t = -1}), 24 columns to a float:
 * <pre>
 *   plane[r][c] = sum over k &lt; 24 of 2^k * [t(r, 24c + k) = +1 (or -1)]      c &lt; ceil(cols / 24)
 * </pre>
 * an integer below {@code 2^24}, exact in float32 (2.7 bits a weight on disk, against 32 for float
 * weights). With suffix {@code s} ({@code _l0}, {@code _l0_reverse}, ...):
 * <ul>
 *   <li>tensors {@code ternary_plus_ih{s}}, {@code ternary_minus_ih{s}} {@code [G*H][ceil(I/24)]},
 *       {@code ternary_scale_ih{s}} {@code [blocks]} (1 or {@code G}), the same for {@code _hh} with
 *       {@code H} columns, and with biases {@code ternary_bias_ih{s}}, {@code ternary_bias_hh{s}}
 *       {@code [G*H]} as given (not multiplied by {@code lambda});</li>
 *   <li>metadata {@code ternary_activations{s}} ({@code TERNARY} or {@code FLOAT}),
 *       {@code ternary_quantizer{s}} ({@code THRESHOLD} or {@code STOCHASTIC}, {@link ActivationQuantizer};
 *       absent in files written before it existed, which load as {@code THRESHOLD}: the rule their layers
 *       were deployed with, at their {@code delta}),
 *       {@code ternary_delta{s}}, {@code ternary_lambda{s}} (exact: {@code Float.toString} round-trips),
 *       {@code ternary_input_size{s}}, {@code ternary_hidden_size{s}}.</li>
 * </ul>
 */
final class TernaryTensors {
    private static final int BITS = 24;

    private TernaryTensors() {
    }

    static boolean has(Map<String, String> metadata, String suffix) {
        return metadata.containsKey("ternary_activations" + suffix);
    }

    static void save(TernaryWeights w, String suffix, Map<String, Tensor> tensors, Map<String, String> metadata) {
        metadata.put("ternary_activations" + suffix, w.activations().name());
        metadata.put("ternary_quantizer" + suffix, w.quantizer().name());
        metadata.put("ternary_delta" + suffix, Float.toString(w.delta()));
        metadata.put("ternary_lambda" + suffix, Float.toString(w.lambda()));
        metadata.put("ternary_input_size" + suffix, Integer.toString(w.inputSize()));
        metadata.put("ternary_hidden_size" + suffix, Integer.toString(w.hiddenSize()));
        saveMatrix(w.weightIh(), "_ih" + suffix, tensors);
        saveMatrix(w.weightHh(), "_hh" + suffix, tensors);
        float[] bIh = w.biasIh();
        if (bIh != null) {
            tensors.put("ternary_bias_ih" + suffix, new Tensor(new long[] {bIh.length}, bIh));
            tensors.put("ternary_bias_hh" + suffix, new Tensor(new long[] {bIh.length}, w.biasHh()));
        }
    }

    private static void saveMatrix(TernaryMatrix m, String suffix, Map<String, Tensor> tensors) {
        long[] shape = {m.rows(), chunks(m.cols())};
        tensors.put("ternary_plus" + suffix, new Tensor(shape, pack(m.plus(), m.rows(), m.cols())));
        tensors.put("ternary_minus" + suffix, new Tensor(shape, pack(m.minus(), m.rows(), m.cols())));
        tensors.put("ternary_scale" + suffix, new Tensor(new long[] {m.blocks()}, m.scales()));
    }

    /** The layer's weights, checked: a problem is a SafeTensorsException naming the tensor or metadata key. */
    static TernaryWeights load(TensorFile file, String suffix, CellType cell) throws SafeTensorsException {
        Map<String, String> metadata = file.metadata();
        Path path = file.path();
        String activationsKey = "ternary_activations" + suffix;
        TernaryLayer.Activations activations;
        try {
            activations = TernaryLayer.Activations.valueOf(metadata.get(activationsKey));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new SafeTensorsException(path, null, "metadata " + activationsKey + " = " + metadata.get(activationsKey)
                    + ", expected TERNARY or FLOAT");
        }
        String quantizerKey = "ternary_quantizer" + suffix;
        ActivationQuantizer quantizer = ActivationQuantizer.THRESHOLD;      // files from before the key: deployed so
        if (metadata.containsKey(quantizerKey)) {
            try {
                quantizer = ActivationQuantizer.valueOf(metadata.get(quantizerKey));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new SafeTensorsException(path, null, "metadata " + quantizerKey + " = " + metadata.get(quantizerKey)
                        + ", expected THRESHOLD or STOCHASTIC");
            }
        }
        float delta = number(path, metadata, "ternary_delta" + suffix);
        float lambda = number(path, metadata, "ternary_lambda" + suffix);
        int input = ModelFiles.integer(path, metadata, "ternary_input_size" + suffix);
        int hidden = ModelFiles.integer(path, metadata, "ternary_hidden_size" + suffix);
        if (input < 1 || hidden < 1) {
            throw new SafeTensorsException(path, null, "metadata of ternary layer " + suffix.substring(1) + ": I=" + input
                    + ", H=" + hidden + ", expected sizes >= 1");
        }
        long rows = (long) cell.gates() * hidden;
        String what = " for a ternary " + cell + " with I=" + input + ", H=" + hidden;
        TernaryMatrix wIh = loadMatrix(file, "_ih" + suffix, rows, input, what);
        TernaryMatrix wHh = loadMatrix(file, "_hh" + suffix, rows, hidden, what);
        float[] bIh = null;
        float[] bHh = null;
        if (file.contains("ternary_bias_ih" + suffix) || file.contains("ternary_bias_hh" + suffix)) {
            bIh = ModelFiles.tensor(file, "ternary_bias_ih" + suffix, new long[] {rows}, "[G*H]", what);
            bHh = ModelFiles.tensor(file, "ternary_bias_hh" + suffix, new long[] {rows}, "[G*H]", what);
        }
        try {
            return new TernaryWeights(cell, activations, quantizer, wIh, wHh, bIh, bHh, delta, lambda);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(path, null, "ternary layer " + suffix.substring(1) + ": " + e.getMessage());
        }
    }

    private static TernaryMatrix loadMatrix(TensorFile file, String suffix, long rows, int cols, String what)
            throws SafeTensorsException {
        long[] shape = {rows, chunks(cols)};
        long[] plus = unpack(file, "ternary_plus" + suffix, ModelFiles.tensor(file, "ternary_plus" + suffix, shape, "[G*H][ceil(cols/24)]", what), cols);
        long[] minus = unpack(file, "ternary_minus" + suffix, ModelFiles.tensor(file, "ternary_minus" + suffix, shape, "[G*H][ceil(cols/24)]", what), cols);
        String scaleName = "ternary_scale" + suffix;
        if (!file.contains(scaleName)) {
            throw new SafeTensorsException(file.path(), scaleName, "missing: expected [blocks]" + what);
        }
        float[] scales = file.get(scaleName).data();
        try {
            return TernaryMatrix.of((int) rows, cols, plus, minus, scales);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(file.path(), "ternary_plus" + suffix, e.getMessage());
        }
    }

    private static int chunks(int cols) {
        return (cols + BITS - 1) / BITS;
    }

    // plane words [rows][ceil(cols/64)] -> floats [rows][ceil(cols/24)], 24 columns to a float
    private static float[] pack(long[] plane, int rows, int cols) {
        int words = TernaryMatrix.wordsFor(cols);
        int chunks = chunks(cols);
        float[] packed = new float[rows * chunks];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                if ((plane[r * words + (j >>> 6)] >>> j & 1) != 0) {
                    packed[r * chunks + j / BITS] += 1 << (j % BITS);
                }
            }
        }
        return packed;
    }

    // floats [rows][ceil(cols/24)] -> plane words; each float an integer in [0, 2^24) with no bit past cols
    private static long[] unpack(TensorFile file, String name, float[] packed, int cols) throws SafeTensorsException {
        int chunks = chunks(cols);
        int rows = packed.length / chunks;
        int words = TernaryMatrix.wordsFor(cols);
        long[] plane = new long[rows * words];
        for (int i = 0; i < packed.length; i++) {
            float v = packed[i];
            int columnsHere = Math.min(BITS, cols - (i % chunks) * BITS);
            if (!(v >= 0 && v < (1 << columnsHere)) || v != (int) v) {
                throw new SafeTensorsException(file.path(), name, "element " + i + " = " + v + " is not " + columnsHere
                        + " packed bits (an integer in [0, 2^" + columnsHere + "))");
            }
            int bits = (int) v;
            int r = i / chunks;
            int first = (i % chunks) * BITS;
            for (int k = 0; k < columnsHere; k++) {
                int j = first + k;
                plane[r * words + (j >>> 6)] |= (long) (bits >>> k & 1) << j;
            }
        }
        return plane;
    }

    private static float number(Path file, Map<String, String> metadata, String key) throws SafeTensorsException {
        try {
            return Float.parseFloat(metadata.get(key));
        } catch (NumberFormatException | NullPointerException e) {
            throw new SafeTensorsException(file, null, "metadata " + key + " = " + metadata.get(key) + " is not a number");
        }
    }
}
