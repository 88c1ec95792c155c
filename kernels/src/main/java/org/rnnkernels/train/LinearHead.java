package org.rnnkernels.train;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.internal.Checks;

/**
 * A trainable output layer {@code y = W h + b} ({@code W [K][H]}, {@code b [K]}, PyTorch's
 * {@code nn.Linear} layout) over rows {@code h [N][H]}, e.g. the {@code N = T*B} outputs of a layer.
 *
 * <p>Forward is one sgemm, {@code Y[N,K] = H[N,H] * W^T + b} (the bias rows written first, the
 * product added with {@code beta = 1}). The forward keeps its input as {@code [H | 1]} (one column
 * of ones appended), so the backward's parameter gradients are ONE sgemm for weight and bias together:
 * <pre>
 *   [dW | db] [K, H+1] = dY^T [K, N] * [H | 1] [N, H+1]       (the ones column sums dY over rows: db)
 *   dH [N, H] = dY [N, K] * W [K, H]
 * </pre>
 * {@code dW} and {@code db} are added to the gradients of {@link #parameters()} (accumulated, as
 * PyTorch's {@code .grad}); {@code dH} overwrites the caller's array.
 *
 * <p>Not thread-safe: the weights change in place under an {@link Optimizer} and the forward's
 * cache lives here, so one training loop owns a head. Nothing is allocated per call once the
 * cache has grown to the largest {@code N} seen and the caller passes the same arrays again (the
 * head keeps a reference to the last output and gradient arrays it was given, wrapped as segments).
 */
public final class LinearHead {
    private final int hiddenSize;
    private final int outputs;
    private final float[] weight;
    private final float[] bias;
    private final float[] weightGradient;
    private final float[] biasGradient;
    private final List<Parameter> parameters;
    private final MemorySegment weightSegment;
    private final float[] gradientBlock;          // [K][H+1]: dW | db of one backward
    private final MemorySegment gradientBlockSegment;
    private final Blas blas;
    private float[] input = new float[0];          // [N][H+1]: the last forward's rows with a ones column
    private MemorySegment inputSegment = MemorySegment.ofArray(input);
    private int cachedRows = -1;
    // The caller's arrays as segments, re-wrapped only when another array comes: a training loop
    // passes the same workspaces every step, so steady-state calls allocate nothing.
    private final Wrapper outputRows = new Wrapper();
    private final Wrapper gradOutputs = new Wrapper();
    private final Wrapper gradHiddens = new Wrapper();

    private LinearHead(int hiddenSize, int outputs, float[] weight, float[] bias, Blas blas) {
        this.hiddenSize = hiddenSize;
        this.outputs = outputs;
        this.weight = weight;
        this.bias = bias;
        this.weightGradient = new float[weight.length];
        this.biasGradient = new float[bias.length];
        this.parameters = List.of(new Parameter("weight", weight, weightGradient), new Parameter("bias", bias, biasGradient));
        this.weightSegment = MemorySegment.ofArray(weight);
        this.gradientBlock = new float[outputs * (hiddenSize + 1)];
        this.gradientBlockSegment = MemorySegment.ofArray(gradientBlock);
        this.blas = blas;
    }

    /**
     * A head with PyTorch's default {@code nn.Linear} initialisation: {@code W} and {@code b} uniform
     * in {@code [-1/sqrt(H), 1/sqrt(H)]}, drawn from {@code seed} ({@link SplittableRandom}; W first, row by row;
     * {@link TorchInit#linear}).
     */
    public static LinearHead create(int hiddenSize, int outputs, long seed) {
        return TorchInit.linear(hiddenSize, outputs, new SplittableRandom(seed));
    }

    // A head on the given arrays, not copied: they are the caller's no more.
    static LinearHead wrap(int hiddenSize, int outputs, float[] weight, float[] bias) {
        return new LinearHead(hiddenSize, outputs, weight, bias, Blases.get());
    }

    /**
     * A head from given values (copied).
     *
     * @param weight {@code [K][H]}
     * @param bias   {@code [K]}
     */
    public static LinearHead of(int hiddenSize, int outputs, float[] weight, float[] bias) {
        Checks.positive("hiddenSize", hiddenSize);
        Checks.positive("outputs", outputs);
        Checks.floats("weight", weight, "[K=%d][H=%d]", outputs, hiddenSize);
        Checks.floats("bias", bias, "[K=%d]", outputs);
        return new LinearHead(hiddenSize, outputs, weight.clone(), bias.clone(), Blases.get());
    }

    /**
     * {@code output[N][K] = hidden[N][H] * W^T + b}, and keeps {@code hidden} for {@link #backward}.
     *
     * @param hidden       {@code N*H} floats from {@code hiddenOffset}
     * @param rows         {@code N}
     * @param output       receives {@code N*K} floats from {@code outputOffset}
     */
    public void forward(float[] hidden, int hiddenOffset, int rows, float[] output, int outputOffset) {
        Checks.positive("rows", rows);
        Checks.range("hidden", hidden, hiddenOffset, "[N=%d][H=%d]", rows, hiddenSize);
        Checks.range("output", output, outputOffset, "[N=%d][K=%d]", rows, outputs);
        int h = hiddenSize;
        int stride = h + 1;
        reserve(rows);
        for (int n = 0; n < rows; n++) {
            System.arraycopy(hidden, hiddenOffset + n * h, input, n * stride, h);
            input[n * stride + h] = 1f;
            System.arraycopy(bias, 0, output, outputOffset + n * outputs, outputs);
        }
        cachedRows = rows;
        // Y += [H] W^T, reading the cached copy (first H columns of [H | 1])
        blas.sgemm(Transpose.NO, Transpose.YES, rows, outputs, h,
                1f, inputSegment, 0, stride, weightSegment, 0, h,
                1f, outputRows.of(output), outputOffset, outputs);
    }

    /** {@link #forward(float[], int, int, float[], int)} over whole arrays: {@code hidden [N][H]}, {@code output [N][K]}. */
    public void forward(float[] hidden, int rows, float[] output) {
        Checks.positive("rows", rows);
        Checks.floats("hidden", hidden, "[N=%d][H=%d]", rows, hiddenSize);
        Checks.floats("output", output, "[N=%d][K=%d]", rows, outputs);
        forward(hidden, 0, rows, output, 0);
    }

    /**
     * The backward of the last {@link #forward}: adds {@code dW, db} to the parameters' gradients and
     * writes {@code dH = dY W}.
     *
     * @param gradOutput    {@code dY}: {@code N*K} floats from {@code gradOutputOffset}
     * @param rows          {@code N}, as in the last forward
     * @param gradHidden    receives {@code dH}: {@code N*H} floats from {@code gradHiddenOffset}
     */
    public void backward(float[] gradOutput, int gradOutputOffset, int rows, float[] gradHidden, int gradHiddenOffset) {
        if (cachedRows < 0) {
            throw new IllegalStateException("backward before forward: the head has no cached input");
        }
        if (rows != cachedRows) {
            throw new IllegalArgumentException("rows = " + rows + ", expected the last forward's N = " + cachedRows);
        }
        Checks.range("gradOutput", gradOutput, gradOutputOffset, "[N=%d][K=%d]", rows, outputs);
        Checks.range("gradHidden", gradHidden, gradHiddenOffset, "[N=%d][H=%d]", rows, hiddenSize);
        int h = hiddenSize;
        int stride = h + 1;
        MemorySegment dY = gradOutputs.of(gradOutput);
        // [dW | db] = dY^T [H | 1]
        blas.sgemm(Transpose.YES, Transpose.NO, outputs, stride, rows,
                1f, dY, gradOutputOffset, outputs, inputSegment, 0, stride,
                0f, gradientBlockSegment, 0, stride);
        for (int k = 0; k < outputs; k++) {
            accumulate(gradientBlock, k * stride, weightGradient, k * h, h);
            biasGradient[k] += gradientBlock[k * stride + h];
        }
        // dH = dY W
        blas.sgemm(Transpose.NO, Transpose.NO, rows, h, outputs,
                1f, dY, gradOutputOffset, outputs, weightSegment, 0, h,
                0f, gradHiddens.of(gradHidden), gradHiddenOffset, h);
    }

    /** {@link #backward(float[], int, int, float[], int)} over whole arrays: {@code gradOutput [N][K]}, {@code gradHidden [N][H]}. */
    public void backward(float[] gradOutput, int rows, float[] gradHidden) {
        Checks.floats("gradOutput", gradOutput, "[N=%d][K=%d]", rows, outputs);
        Checks.floats("gradHidden", gradHidden, "[N=%d][H=%d]", rows, hiddenSize);
        backward(gradOutput, 0, rows, gradHidden, 0);
    }

    // to[i] += from[i]
    private static void accumulate(float[] from, int fromOffset, float[] to, int toOffset, int length) {
        for (int i = 0; i < length; i++) {
            to[toOffset + i] += from[fromOffset + i];
        }
    }

    /** One caller array and its heap segment. */
    private static final class Wrapper {
        private float[] array;
        private MemorySegment segment;

        MemorySegment of(float[] a) {
            if (a != array) {
                array = a;
                segment = MemorySegment.ofArray(a);
            }
            return segment;
        }
    }

    private void reserve(int rows) {
        long needed = (long) rows * (hiddenSize + 1);
        if (input.length < needed) {
            input = new float[Math.toIntExact(needed)];
            inputSegment = MemorySegment.ofArray(input);
        }
    }

    /** {@code H}. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@code K}. */
    public int outputs() {
        return outputs;
    }

    /** {@code "weight"} {@code [K][H]} and {@code "bias"} {@code [K]}, with their gradients; the arrays are the head's own. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** A copy of {@code W}, {@code [K][H]}. */
    public float[] weight() {
        return weight.clone();
    }

    /** A copy of {@code b}, {@code [K]}. */
    public float[] bias() {
        return bias.clone();
    }
}
