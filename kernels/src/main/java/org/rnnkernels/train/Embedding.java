package org.rnnkernels.train;

import java.util.List;
import java.util.random.RandomGenerator;
import org.rnnkernels.internal.Checks;

/**
 * A trainable lookup table {@code E [V][D]} (PyTorch's {@code nn.Embedding} layout): word ids in, their rows out.
 * <pre>
 *   forward:   x[i] = E[ids[i]]                   (a gather, D floats a word)
 *   backward:  dE[ids[i]] += dx[i]                (a scatter-add: only the rows of the words seen change)
 * </pre>
 * The gradient is dense ({@code [V][D]}, as {@code nn.Embedding(sparse=False)}): any {@link Optimizer} trains
 * the table as one {@link Parameter} named {@code "weight"}; Adam then moves every row by its moments, as PyTorch's
 * Adam does on a dense embedding gradient.
 *
 * <p>As the input of a {@link TrainingModel} ({@link TrainingModel#of(Embedding, org.rnnkernels.RecurrentModel,
 * LinearHead, TrainingModel.HeadOn)}), its rows are the first layer's input ({@code D = I}); the model's
 * {@link TrainingModel#forward(int[], int, TrainingModel.State, float[])} takes the ids, and its file carries the table as
 * {@code embedding.weight}.
 *
 * <p>Not thread-safe: the table changes in place under an optimiser; one training loop owns it.
 */
public final class Embedding {
    private final int vocabulary;
    private final int dimension;
    private final float[] weight;
    private final float[] gradient;
    private final List<Parameter> parameters;

    private Embedding(int vocabulary, int dimension, float[] weight) {
        this.vocabulary = vocabulary;
        this.dimension = dimension;
        this.weight = weight;
        this.gradient = new float[weight.length];
        this.parameters = List.of(new Parameter("weight", weight, gradient));
    }

    /**
     * A table with PyTorch's default {@code nn.Embedding} initialisation, every entry {@code N(0, 1)}, drawn
     * from {@code random} row by row ({@link RandomGenerator#nextGaussian()}).
     */
    public static Embedding create(int vocabulary, int dimension, RandomGenerator random) {
        check(vocabulary, dimension);
        Checks.nonNull("random", random);
        float[] weight = new float[Math.multiplyExact(vocabulary, dimension)];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        return new Embedding(vocabulary, dimension, weight);
    }

    /**
     * A table from given values (copied).
     *
     * @param weight {@code [V][D]}
     */
    public static Embedding of(int vocabulary, int dimension, float[] weight) {
        check(vocabulary, dimension);
        Checks.floats("weight", weight, "[V=%d][D=%d]", vocabulary, dimension);
        return new Embedding(vocabulary, dimension, weight.clone());
    }

    private static void check(int vocabulary, int dimension) {
        Checks.positive("vocabulary", vocabulary);
        Checks.positive("dimension", dimension);
        Math.multiplyExact(vocabulary, dimension);
    }

    /**
     * {@code output[i] = E[ids[i]]} for {@code i < count}.
     *
     * @param ids    at least {@code count} ids in {@code [0, V)}
     * @param output receives {@code count*D} floats
     * @throws IllegalArgumentException for a short array or an id outside {@code [0, V)} (naming its index),
     *                                  before anything is written
     */
    public void forward(int[] ids, int count, float[] output) {
        checkIds(ids, count);
        Checks.floats("output", output, "[N=%d][D=%d]", count, dimension);
        gather(ids, count, output);
    }

    /**
     * {@code dE[ids[i]] += gradOutput[i]} for {@code i < count}: adds to {@link #parameters()}' gradient, touching
     * only the rows of {@code ids}.
     *
     * @param gradOutput {@code count*D} floats, {@code dL/d(output)} of the forward on these ids
     */
    public void backward(int[] ids, int count, float[] gradOutput) {
        checkIds(ids, count);
        Checks.floats("gradOutput", gradOutput, "[N=%d][D=%d]", count, dimension);
        scatterAdd(ids, count, gradOutput);
    }

    // unchecked: ids were checked by the caller
    void gather(int[] ids, int count, float[] output) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(weight, ids[i] * dimension, output, i * dimension, dimension);
        }
    }

    void scatterAdd(int[] ids, int count, float[] gradOutput) {
        for (int i = 0; i < count; i++) {
            int row = ids[i] * dimension;
            int from = i * dimension;
            for (int j = 0; j < dimension; j++) {
                gradient[row + j] += gradOutput[from + j];
            }
        }
    }

    /**
     * @throws IllegalArgumentException for null, fewer than {@code count} ids, or an id outside {@code [0, V)}
     */
    void checkIds(int[] ids, int count) {
        Checks.nonNull("ids", ids);
        if (count < 0 || ids.length < count) {
            throw new IllegalArgumentException("ids has " + ids.length + " ids, expected at least " + count);
        }
        for (int i = 0; i < count; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw new IllegalArgumentException("ids[" + i + "] = " + ids[i] + ", expected a word id in [0, V=" + vocabulary
                        + ")");
            }
        }
    }

    /** The table as one parameter, {@code "weight" [V][D]}, with its gradient. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The live table {@code [V][D]}, trained in place. */
    public float[] weight() {
        return weight;
    }

    /** {@code V}. */
    public int vocabularySize() {
        return vocabulary;
    }

    /** {@code D}, the width of a row. */
    public int dimension() {
        return dimension;
    }
}
