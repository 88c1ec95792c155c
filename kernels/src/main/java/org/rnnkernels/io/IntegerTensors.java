package org.rnnkernels.io;

import java.nio.file.Path;
import java.util.Map;
import org.rnnkernels.CellType;
import org.rnnkernels.quant.IntegerWeights;

/**
 * An integer RAG layer in a model file ({@link ModelFiles}), in float32 tensors (the only kind the library's
 * safetensors files hold), every value an integer, exact in float32. With suffix {@code s} ({@code _l0},
 * {@code _l0_reverse}, ...):
 * <ul>
 *   <li>tensors {@code integer_weight_ih{s}} {@code [G*H][I]} and {@code integer_weight_hh{s}} {@code [G*H][H]}
 *       (int8 values, 4 bytes each on disk: the file is not packed, the layer in memory is),
 *       {@code integer_exponent_ih{s}}, {@code integer_exponent_hh{s}} {@code [G]}, and with biases
 *       {@code integer_bias_ih{s}}, {@code integer_bias_hh{s}} {@code [G*H]} in units of {@code 2^-F}
 *       (at most 2^24 in magnitude);</li>
 *   <li>metadata {@code integer_fraction_bits{s}}, {@code integer_input_bits{s}}, {@code integer_input_size{s}},
 *       {@code integer_hidden_size{s}}.</li>
 * </ul>
 * Loading checks every value ({@link IntegerWeights.Builder#build()}: ranges and accumulation bounds).
 */
final class IntegerTensors {
    private IntegerTensors() {
    }

    static boolean has(Map<String, String> metadata, String suffix) {
        return metadata.containsKey("integer_fraction_bits" + suffix);
    }

    static void save(IntegerWeights w, String suffix, Map<String, Tensor> tensors, Map<String, String> metadata) {
        metadata.put("integer_fraction_bits" + suffix, Integer.toString(w.fractionBits()));
        metadata.put("integer_input_bits" + suffix, Integer.toString(w.inputBits()));
        metadata.put("integer_input_size" + suffix, Integer.toString(w.inputSize()));
        metadata.put("integer_hidden_size" + suffix, Integer.toString(w.hiddenSize()));
        long rows = (long) w.cell().gates() * w.hiddenSize();
        tensors.put("integer_weight_ih" + suffix, new Tensor(new long[] {rows, w.inputSize()}, floats(w.inputWeights())));
        tensors.put("integer_weight_hh" + suffix, new Tensor(new long[] {rows, w.hiddenSize()}, floats(w.recurrentWeights())));
        tensors.put("integer_exponent_ih" + suffix, new Tensor(new long[] {w.cell().gates()}, floats(w.inputExponents())));
        tensors.put("integer_exponent_hh" + suffix, new Tensor(new long[] {w.cell().gates()}, floats(w.recurrentExponents())));
        if (w.hasBiases()) {
            tensors.put("integer_bias_ih" + suffix, new Tensor(new long[] {rows}, floats(w.inputBias())));
            tensors.put("integer_bias_hh" + suffix, new Tensor(new long[] {rows}, floats(w.recurrentBias())));
        }
    }

    /** The layer's weights, checked: a problem is a SafeTensorsException naming the tensor or metadata key. */
    static IntegerWeights load(TensorFile file, String suffix, CellType cell) throws SafeTensorsException {
        Map<String, String> metadata = file.metadata();
        Path path = file.path();
        int bits = ModelFiles.integer(path, metadata, "integer_fraction_bits" + suffix);
        int inputBits = ModelFiles.integer(path, metadata, "integer_input_bits" + suffix);
        int input = ModelFiles.integer(path, metadata, "integer_input_size" + suffix);
        int hidden = ModelFiles.integer(path, metadata, "integer_hidden_size" + suffix);
        if (input < 1 || hidden < 1) {
            throw new SafeTensorsException(path, null, "metadata of integer layer " + suffix.substring(1) + ": I=" + input
                    + ", H=" + hidden + ", expected sizes >= 1");
        }
        long rows = (long) cell.gates() * hidden;
        String what = " for an integer " + cell + " with I=" + input + ", H=" + hidden;
        byte[] wIh = bytes(file, "integer_weight_ih" + suffix, ModelFiles.tensor(file, "integer_weight_ih" + suffix,
                new long[] {rows, input}, "[G*H][I]", what));
        byte[] wHh = bytes(file, "integer_weight_hh" + suffix, ModelFiles.tensor(file, "integer_weight_hh" + suffix,
                new long[] {rows, hidden}, "[G*H][H]", what));
        int[] eIh = ints(file, "integer_exponent_ih" + suffix, ModelFiles.tensor(file, "integer_exponent_ih" + suffix,
                new long[] {cell.gates()}, "[G]", what));
        int[] eHh = ints(file, "integer_exponent_hh" + suffix, ModelFiles.tensor(file, "integer_exponent_hh" + suffix,
                new long[] {cell.gates()}, "[G]", what));
        int[] bIh = null;
        int[] bHh = null;
        if (file.contains("integer_bias_ih" + suffix) || file.contains("integer_bias_hh" + suffix)) {
            bIh = ints(file, "integer_bias_ih" + suffix, ModelFiles.tensor(file, "integer_bias_ih" + suffix, new long[] {rows}, "[G*H]", what));
            bHh = ints(file, "integer_bias_hh" + suffix, ModelFiles.tensor(file, "integer_bias_hh" + suffix, new long[] {rows}, "[G*H]", what));
        }
        try {
            return IntegerWeights.of(cell, input, hidden).format(bits, inputBits).inputWeights(wIh, eIh)
                    .recurrentWeights(wHh, eHh).biases(bIh, bHh).build();
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(path, null, "integer layer " + suffix.substring(1) + ": " + e.getMessage());
        }
    }

    private static float[] floats(byte[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    private static float[] floats(int[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return f;
    }

    private static byte[] bytes(TensorFile file, String name, float[] values) throws SafeTensorsException {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) || v != (int) v) {
                throw new SafeTensorsException(file.path(), name, "element " + i + " = " + v + " is not an int8 value");
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static int[] ints(TensorFile file, String name, float[] values) throws SafeTensorsException {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (!(Math.abs(v) <= 1 << 24) || v != (int) v) {
                throw new SafeTensorsException(file.path(), name, "element " + i + " = " + v + " is not an integer within +-2^24");
            }
            out[i] = (int) v;
        }
        return out;
    }
}
