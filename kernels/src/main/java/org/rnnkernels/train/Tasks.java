package org.rnnkernels.train;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.rnnkernels.internal.Checks;

/**
 * Seeded generators of the two synthetic long-memory tasks, batch by batch into the caller's arrays
 * (time-major, as the layers take them). The same seed gives the same batches on every JVM
 * ({@link SplittableRandom}'s sequence is fixed by its seed); a generator is not thread-safe.
 */
public final class Tasks {
    private Tasks() {
    }

    /** The adding problem over {@code steps} steps (at least 2), drawn from {@code seed}. */
    public static Adding adding(int steps, long seed) {
        return new Adding(steps, seed);
    }

    /**
     * The copy-memory task: {@code symbols} symbols from an alphabet of {@code alphabet}, to be
     * reproduced after {@code delay} steps (see {@link CopyMemory} for the layout), drawn from {@code seed}.
     */
    public static CopyMemory copyMemory(int symbols, int alphabet, int delay, long seed) {
        return new CopyMemory(symbols, alphabet, delay, seed);
    }

    /**
     * The adding problem (Hochreiter and Schmidhuber 1997; in this form Le, Jaitly and Hinton 2015).
     * Input: two channels per step, {@code [value, marker]}, the value uniform in {@code [0, 1)}, the
     * marker 1 at exactly two steps, one drawn uniformly from the first half {@code [0, T/2)} and one
     * from the second {@code [T/2, T)} ({@code T/2} rounded down), 0 elsewhere. Target: the sum of
     * the two marked values, in {@code [0, 2)}.
     *
     * <p>The sum of two independent uniforms has variance {@code 2/12}, so always predicting its mean
     * 1 gives an MSE of {@link #BASELINE_MSE} = 1/6 = 0.167; a model that solves the task goes below 0.01.
     *
     * <p>Draws per sample, in order: the {@code T} values, the first marker's step, the second's.
     */
    public static final class Adding {
        /** The MSE of always predicting 1, the mean target. */
        public static final double BASELINE_MSE = 1.0 / 6.0;
        /** Channels per step: value and marker. */
        public static final int INPUT_SIZE = 2;

        private final int steps;
        private final SplittableRandom random;

        private Adding(int steps, long seed) {
            Checks.atLeast("steps", steps, 2);
            this.steps = steps;
            this.random = new SplittableRandom(seed);
        }

        /** {@code T}. */
        public int steps() {
            return steps;
        }

        /** 2: value and marker. */
        public int inputSize() {
            return INPUT_SIZE;
        }

        /**
         * The next batch.
         *
         * @param inputs  receives {@code [T][B][2]}: {@code inputs[(t*B + b)*2]} is the value,
         *                {@code inputs[(t*B + b)*2 + 1]} the marker
         * @param targets receives {@code [B]}
         */
        public void next(int batch, float[] inputs, float[] targets) {
            Checks.positive("batch", batch);
            Checks.floats("inputs", inputs, "[T=%d][B=%d][%d]", steps, batch, INPUT_SIZE);
            Checks.floats("targets", targets, "[B=%d]", batch);
            int half = steps / 2;
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    int at = (t * batch + b) * INPUT_SIZE;
                    inputs[at] = (float) random.nextDouble();
                    inputs[at + 1] = 0f;
                }
                int first = random.nextInt(half);
                int second = half + random.nextInt(steps - half);
                inputs[(first * batch + b) * INPUT_SIZE + 1] = 1f;
                inputs[(second * batch + b) * INPUT_SIZE + 1] = 1f;
                targets[b] = inputs[(first * batch + b) * INPUT_SIZE] + inputs[(second * batch + b) * INPUT_SIZE];
            }
        }
    }

    /**
     * The copy-memory task in its standard form (Hochreiter and Schmidhuber 1997; Arjovsky, Shah and
     * Bengio 2016, whose {@code T} is {@code delay} here). With {@code K} symbols, alphabet size
     * {@code A} and delay {@code D}, a sequence has {@code S = D + 2K} steps:
     * <pre>
     *   step:    0 .. K-1      K .. K+D-2    K+D-1        K+D .. 2K+D-1
     *   input:   s_1 .. s_K    blank         delimiter    blank
     *   target:  blank         blank         blank        s_1 .. s_K
     * </pre>
     * Symbols {@code s_i} are uniform over the alphabet. Inputs are one-hot over {@code A + 2} channels:
     * 0 = blank, {@code 1..A} = the symbols, {@code A + 1} = the delimiter. Targets are class indices
     * over {@code A + 1} classes: 0 = blank, {@code 1..A} = the symbols (the delimiter is never a target).
     *
     * <p>The loss is {@link SoftmaxCrossEntropy} over every step (the standard score, whose
     * memoryless baseline is {@link #baselineLoss()}), or over the answer steps only with the mask of
     * {@link #answerMask}, where the memoryless baseline is {@code ln A}.
     *
     * <p>Draws per sample, in order: the {@code K} symbols.
     */
    public static final class CopyMemory {
        private final int symbols;
        private final int alphabet;
        private final int delay;
        private final SplittableRandom random;

        private CopyMemory(int symbols, int alphabet, int delay, long seed) {
            Checks.positive("symbols", symbols);
            Checks.atLeast("alphabet", alphabet, 2);
            Checks.positive("delay", delay);
            if (delay + 2L * symbols > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("delay + 2 * symbols = " + (delay + 2L * symbols) + ", expected <= " + Integer.MAX_VALUE);
            }
            this.symbols = symbols;
            this.alphabet = alphabet;
            this.delay = delay;
            this.random = new SplittableRandom(seed);
        }

        /** {@code S = D + 2K}, the steps of a sequence. */
        public int steps() {
            return delay + 2 * symbols;
        }

        /** {@code A + 2}: blank, the {@code A} symbols, the delimiter. */
        public int inputSize() {
            return alphabet + 2;
        }

        /** {@code A + 1}: blank and the {@code A} symbols. */
        public int classes() {
            return alphabet + 1;
        }

        /** {@code K}. */
        public int symbols() {
            return symbols;
        }

        /** {@code A}. */
        public int alphabet() {
            return alphabet;
        }

        /** {@code D}. */
        public int delay() {
            return delay;
        }

        /** Index of the delimiter channel, {@code A + 1}. */
        public int delimiter() {
            return alphabet + 1;
        }

        /**
         * Cross-entropy over every step of the best memoryless model (blank where the target is
         * blank, uniform over the alphabet at the {@code K} answer steps): {@code K ln A / (D + 2K)}.
         */
        public double baselineLoss() {
            return symbols * Math.log(alphabet) / steps();
        }

        /**
         * The next batch.
         *
         * @param inputs  receives {@code [S][B][A+2]}, one-hot
         * @param targets receives {@code [S][B]}, class indices in {@code [0, A]}
         */
        public void next(int batch, float[] inputs, int[] targets) {
            Checks.positive("batch", batch);
            int steps = steps();
            int width = inputSize();
            Checks.floats("inputs", inputs, "[S=%d][B=%d][A+2=%d]", steps, batch, width);
            Checks.ints("targets", targets, "[S=%d][B=%d]", steps, batch);
            Arrays.fill(inputs, 0f);
            Arrays.fill(targets, 0);
            int answer = symbols + delay;
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    inputs[(t * batch + b) * width] = 1f;     // blank unless set below
                }
                for (int i = 0; i < symbols; i++) {
                    int symbol = 1 + random.nextInt(alphabet);
                    inputs[(i * batch + b) * width] = 0f;
                    inputs[(i * batch + b) * width + symbol] = 1f;
                    targets[(answer + i) * batch + b] = symbol;
                }
                int mark = answer - 1;
                inputs[(mark * batch + b) * width] = 0f;
                inputs[(mark * batch + b) * width + delimiter()] = 1f;
            }
        }

        /** Fills {@code mask [S][B]} with 1 at the {@code K} answer steps and 0 elsewhere. */
        public void answerMask(int batch, float[] mask) {
            Checks.positive("batch", batch);
            int steps = steps();
            Checks.floats("mask", mask, "[S=%d][B=%d]", steps, batch);
            Arrays.fill(mask, 0f);
            Arrays.fill(mask, (symbols + delay) * batch, steps * batch, 1f);
        }
    }
}
