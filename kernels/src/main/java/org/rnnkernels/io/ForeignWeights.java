package org.rnnkernels.io;

import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.internal.Checks;

/**
 * Weights of one recurrent layer (one direction) from ONNX's and Keras's layouts into PyTorch's,
 * which {@link RecurrentLayer#create} takes. Only gate order, transposition and bias split differ;
 * where another framework's cell computes something else (ONNX GRU without
 * {@code linear_before_reset}, Keras GRU with {@code reset_after=False}), the conversion refuses
 * instead of loading a different cell.
 *
 * <p>Gate blocks, in the order each framework stacks them:
 * <pre>
 *   PyTorch LSTM  i f g o      ONNX LSTM  i o f c      Keras LSTM  i f c o (columns)
 *   PyTorch GRU   r z n        ONNX GRU   z r h        Keras GRU   z r h   (columns)
 *   EGRU          r z n                                   EvNN EGRU   z r g   (columns)
 * </pre>
 */
public final class ForeignWeights {
    private ForeignWeights() {
    }

    /** One layer's weights in PyTorch's layout: {@code W_ih [G*H][I]}, {@code W_hh [G*H][H]}, {@code b_ih}, {@code b_hh [G*H]}. */
    public record TorchWeights(float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        /** The layer these weights define. */
        public RecurrentLayer toLayer(CellType type, int inputSize, int hiddenSize) {
            return RecurrentLayer.create(LayerWeights.of(type, inputSize, hiddenSize)
                    .inputWeights(wIh)
                    .recurrentWeights(wHh)
                    .biases(bIh, bHh)
                    .build());
        }

        /** The {@link CellType#EGRU} layer these weights and the thresholds {@code theta [H]} define. */
        public RecurrentLayer toEgru(int inputSize, int hiddenSize, float[] thresholds) {
            return RecurrentLayer.create(LayerWeights.of(CellType.EGRU, inputSize, hiddenSize)
                    .inputWeights(wIh)
                    .recurrentWeights(wHh)
                    .biases(bIh, bHh)
                    .thresholds(thresholds)
                    .build());
        }
    }

    // ONNX's block k holds PyTorch's block ONNX_LSTM[k] ... written the other way: PyTorch block j = ONNX block map[j].
    private static final int[] LSTM_FROM_ONNX = {0, 2, 3, 1};   // i <- i, f <- f(2), g <- c(3), o <- o(1)
    private static final int[] GRU_FROM_ONNX = {1, 0, 2};       // r <- r(1), z <- z(0), n <- h(2)
    private static final int[] LSTM_FROM_KERAS = {0, 1, 2, 3};  // i f c o: PyTorch's order
    private static final int[] GRU_FROM_KERAS = {1, 0, 2};      // z r h
    private static final int[] SAME = {0};

    /**
     * ONNX {@code LSTM}: {@code W [D][4H][I]}, {@code R [D][4H][H]}, {@code B [D][8H]} (input then
     * recurrent biases; null for none), direction {@code d} of {@code D} (0 forward, 1 reverse).
     * Peepholes ({@code P}) are not supported.
     */
    public static TorchWeights onnxLstm(float[] w, float[] r, float[] b, int direction, int directions, int inputSize, int hiddenSize) {
        return onnx(w, r, b, direction, directions, inputSize, hiddenSize, LSTM_FROM_ONNX);
    }

    /**
     * ONNX {@code GRU} (gates {@code z, r, h}); PyTorch's GRU is ONNX's {@code linear_before_reset = 1},
     * the only form accepted.
     */
    public static TorchWeights onnxGru(float[] w, float[] r, float[] b, int direction, int directions, int inputSize,
                                       int hiddenSize, boolean linearBeforeReset) {
        if (!linearBeforeReset) {
            throw new IllegalArgumentException("linearBeforeReset = false: that GRU applies the reset gate before"
                    + " the recurrent product, a different cell from PyTorch's (and this library's) GRU");
        }
        return onnx(w, r, b, direction, directions, inputSize, hiddenSize, GRU_FROM_ONNX);
    }

    /** ONNX {@code RNN}: {@code W [D][H][I]}, {@code R [D][H][H]}, {@code B [D][2H]}. */
    public static TorchWeights onnxRnn(float[] w, float[] r, float[] b, int direction, int directions, int inputSize, int hiddenSize) {
        return onnx(w, r, b, direction, directions, inputSize, hiddenSize, SAME);
    }

    /** Keras {@code LSTM}: {@code kernel [I][4H]}, {@code recurrent_kernel [H][4H]}, {@code bias [4H]} (or null). */
    public static TorchWeights kerasLstm(float[] kernel, float[] recurrentKernel, float[] bias, int inputSize, int hiddenSize) {
        return keras(kernel, recurrentKernel, bias, null, inputSize, hiddenSize, LSTM_FROM_KERAS);
    }

    /**
     * Keras {@code GRU}: {@code kernel [I][3H]}, {@code recurrent_kernel [H][3H]}, {@code bias [2][3H]}
     * (input bias row, recurrent bias row). Only {@code reset_after=True} (Keras's default, PyTorch's form).
     */
    public static TorchWeights kerasGru(float[] kernel, float[] recurrentKernel, float[] bias, int inputSize, int hiddenSize,
                                        boolean resetAfter) {
        if (!resetAfter) {
            throw new IllegalArgumentException("resetAfter = false: that GRU resets before the recurrent product,"
                    + " a different cell from PyTorch's (and this library's) GRU");
        }
        positive(inputSize, hiddenSize);
        int width = 3 * hiddenSize;
        float[] inputBias = null;
        float[] recurrentBias = null;
        if (bias != null) {
            Checks.floats("bias", bias, "[%d][%d]", 2, width);
            inputBias = java.util.Arrays.copyOfRange(bias, 0, width);
            recurrentBias = java.util.Arrays.copyOfRange(bias, width, 2 * width);
        }
        return keras(kernel, recurrentKernel, inputBias, recurrentBias, inputSize, hiddenSize, GRU_FROM_KERAS);
    }

    /**
     * EvNN's {@code EGRU} (the authors' library): {@code kernel [I][3H]}, {@code recurrent_kernel [H][3H]}
     * (it computes {@code x * kernel}), {@code bias} and {@code recurrent_bias [3H]} (both, or both
     * null), gate blocks {@code z, r, g} in columns; its {@code thr [H]} goes to
     * {@link TorchWeights#toEgru} (the effective threshold: older EvNN versions store {@code thr_reparam}
     * and use {@code sigmoid(thr_reparam)}; pass that). EvNN's state {@code h} is this library's
     * {@code c}, its {@code y} our {@code h}.
     */
    public static TorchWeights evnnEgru(float[] kernel, float[] recurrentKernel, float[] bias, float[] recurrentBias,
                                        int inputSize, int hiddenSize) {
        positive(inputSize, hiddenSize);
        if ((bias == null) != (recurrentBias == null)) {
            throw new IllegalArgumentException("bias and recurrentBias must both be given or both be null");
        }
        if (bias != null) {
            Checks.floats("bias", bias, "[%d]", 3 * hiddenSize);
            Checks.floats("recurrentBias", recurrentBias, "[%d]", 3 * hiddenSize);
        }
        return keras(kernel, recurrentKernel, bias, recurrentBias, inputSize, hiddenSize, GRU_FROM_KERAS);
    }

    /** Keras {@code SimpleRNN}: {@code kernel [I][H]}, {@code recurrent_kernel [H][H]}, {@code bias [H]}. */
    public static TorchWeights kerasSimpleRnn(float[] kernel, float[] recurrentKernel, float[] bias, int inputSize, int hiddenSize) {
        return keras(kernel, recurrentKernel, bias, null, inputSize, hiddenSize, SAME);
    }

    private static TorchWeights onnx(float[] w, float[] r, float[] b, int direction, int directions, int inputSize,
                                     int hiddenSize, int[] fromOnnx) {
        positive(inputSize, hiddenSize);
        int gates = fromOnnx.length;
        int rows = gates * hiddenSize;
        if (directions != 1 && directions != 2 || direction < 0 || direction >= directions) {
            throw new IllegalArgumentException("direction " + direction + " of " + directions + ": expected 0 <= direction < directions <= 2");
        }
        Checks.floats("W", w, "[%d][%d][%d]", directions, rows, inputSize);
        Checks.floats("R", r, "[%d][%d][%d]", directions, rows, hiddenSize);
        if (b != null) {
            Checks.floats("B", b, "[%d][%d]", directions, 2 * rows);
        }
        float[] wIh = new float[rows * inputSize];
        float[] wHh = new float[rows * hiddenSize];
        float[] bIh = b == null ? null : new float[rows];
        float[] bHh = b == null ? null : new float[rows];
        for (int j = 0; j < gates; j++) {
            int from = fromOnnx[j] * hiddenSize;     // ONNX row of PyTorch block j
            System.arraycopy(w, (direction * rows + from) * inputSize, wIh, j * hiddenSize * inputSize, hiddenSize * inputSize);
            System.arraycopy(r, (direction * rows + from) * hiddenSize, wHh, j * hiddenSize * hiddenSize, hiddenSize * hiddenSize);
            if (b != null) {
                System.arraycopy(b, direction * 2 * rows + from, bIh, j * hiddenSize, hiddenSize);
                System.arraycopy(b, direction * 2 * rows + rows + from, bHh, j * hiddenSize, hiddenSize);
            }
        }
        return new TorchWeights(wIh, wHh, bIh, bHh);
    }

    // Keras stores x * kernel (kernel [in][G*H]): PyTorch's W[row][k] = kernel[k][column], gate blocks reordered.
    private static TorchWeights keras(float[] kernel, float[] recurrentKernel, float[] inputBias, float[] recurrentBias,
                                      int inputSize, int hiddenSize, int[] fromKeras) {
        positive(inputSize, hiddenSize);
        int rows = fromKeras.length * hiddenSize;
        Checks.floats("kernel", kernel, "[%d][%d]", inputSize, rows);
        Checks.floats("recurrentKernel", recurrentKernel, "[%d][%d]", hiddenSize, rows);
        if (inputBias != null && recurrentBias == null) {
            Checks.floats("bias", inputBias, "[%d]", rows);
        }
        float[] wIh = transposeBlocks(kernel, inputSize, hiddenSize, fromKeras);
        float[] wHh = transposeBlocks(recurrentKernel, hiddenSize, hiddenSize, fromKeras);
        float[] bIh = inputBias == null ? null : reorder(inputBias, hiddenSize, fromKeras);
        // Keras LSTM and SimpleRNN have one bias: it is b_ih, and b_hh is zero.
        float[] bHh = inputBias == null ? null : recurrentBias == null ? new float[rows] : reorder(recurrentBias, hiddenSize, fromKeras);
        return new TorchWeights(wIh, wHh, bIh, bHh);
    }

    private static float[] transposeBlocks(float[] kernel, int in, int hidden, int[] fromKeras) {
        int columns = fromKeras.length * hidden;
        float[] w = new float[columns * in];
        for (int j = 0; j < fromKeras.length; j++) {
            for (int u = 0; u < hidden; u++) {
                int column = fromKeras[j] * hidden + u;
                int row = j * hidden + u;
                for (int k = 0; k < in; k++) {
                    w[row * in + k] = kernel[k * columns + column];
                }
            }
        }
        return w;
    }

    private static float[] reorder(float[] bias, int hidden, int[] from) {
        float[] out = new float[bias.length];
        for (int j = 0; j < from.length; j++) {
            System.arraycopy(bias, from[j] * hidden, out, j * hidden, hidden);
        }
        return out;
    }

    private static void positive(int inputSize, int hiddenSize) {
        Checks.positive("inputSize", inputSize);
        Checks.positive("hiddenSize", hiddenSize);
    }
}
