package org.rnnkernels.train;

import java.util.random.RandomGenerator;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.internal.Checks;

/**
 * PyTorch's default initialisation, in one place. {@code nn.RNN}, {@code nn.GRU} and {@code nn.LSTM}
 * ({@code RNNBase.reset_parameters}) draw every weight and bias uniform in {@code [-stdv, stdv]},
 * {@code stdv = 1/sqrt(H)}; {@code nn.Linear} draws its weight and bias uniform in
 * {@code [-1/sqrt(fan_in), 1/sqrt(fan_in)]}. Here every value is {@code (float) random.nextDouble(-b, b)},
 * drawn from the caller's generator in the order the methods name, so that one seed gives one model.
 *
 * <p>Two details are kept as the library's earlier copies of this code had them, so that seeded runs
 * ({@code bench train}, the tests, the benchmarks' inputs) draw the same values: a recurrent layer's
 * bound is {@code 1/sqrt(H)} rounded to float ({@link #bound}), a linear head's is the double
 * {@code 1/sqrt(H)} ({@link #linear}).
 *
 * <p>Parameters that PyTorch's recurrent modules do not have get their usual starting values: the
 * multiplicative-integration vectors {@link MiParameters#initial} ({@code alpha = 1, beta1 = beta2 = 0.5},
 * no draws), EGRU's thresholds {@link #thresholds} (EvNN's "random-vector" option; or as EvNN's {@code EGRU}
 * module draws them, {@link #evnnThresholds}, by {@link #egru}) and a restricted
 * layer's pool and bias pool, drawn like the weights they expand to ({@link #restricted}).
 */
public final class TorchInit {
    private TorchInit() {
    }

    /** {@code 1/sqrt(hiddenSize)} rounded to float: the bound of a recurrent layer's weights and biases. */
    public static float bound(int hiddenSize) {
        Checks.positive("hiddenSize", hiddenSize);
        return (float) stdv(hiddenSize);
    }

    /** {@code n} values {@code (float) random.nextDouble(-bound, bound)}, in order. */
    public static float[] uniform(RandomGenerator random, int n, double bound) {
        Checks.nonNull("random", random);
        if (n < 0) {
            throw new IllegalArgumentException("n = " + n + ", expected >= 0");
        }
        if (!(bound > 0) || bound == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("bound = " + bound + ", expected finite and > 0");
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    /**
     * One layer's weights as PyTorch initialises them: {@code W_ih, W_hh, b_ih, b_hh} drawn in that order
     * (row by row) uniform in {@code [-}{@link #bound}{@code (H), }{@link #bound}{@code (H)]} ({@code G} is
     * the cell's number of gate blocks); then, for EGRU, its {@link #thresholds} (drawn after the weights);
     * a multiplicative-integration cell gets {@link MiParameters#initial} (no draws).
     */
    public static LayerWeights weights(CellType type, int inputSize, int hiddenSize, RandomGenerator random) {
        return weights(type, inputSize, hiddenSize, random, Double.NaN);
    }

    /**
     * An EGRU layer's weights as {@link #weights} draws them, but its thresholds drawn as EvNN's {@code EGRU}
     * initialises them ({@link #evnnThresholds}, mean {@code thresholdMean}), after the weights.
     */
    public static LayerWeights egru(int inputSize, int hiddenSize, double thresholdMean, RandomGenerator random) {
        checkThresholdMean(thresholdMean);
        return weights(CellType.EGRU, inputSize, hiddenSize, random, thresholdMean);
    }

    // thresholdMean NaN: uniform thresholds
    private static LayerWeights weights(CellType type, int inputSize, int hiddenSize, RandomGenerator random,
                                        double thresholdMean) {
        Checks.nonNull("type", type);
        Checks.positive("inputSize", inputSize);
        float bound = bound(hiddenSize);
        int rows = Math.multiplyExact(type.gates(), hiddenSize);
        float[] wIh = uniform(random, Math.multiplyExact(rows, inputSize), bound);
        float[] wHh = uniform(random, Math.multiplyExact(rows, hiddenSize), bound);
        float[] bIh = uniform(random, rows, bound);
        float[] bHh = uniform(random, rows, bound);
        return LayerWeights.of(type, inputSize, hiddenSize)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .thresholds(!type.eventBased() ? null
                        : Double.isNaN(thresholdMean) ? thresholds(hiddenSize, random)
                        : evnnThresholds(hiddenSize, thresholdMean, random))
                .mi(type.multiplicative() ? MiParameters.initial(rows) : null)
                .build();
    }

    /**
     * EGRU's thresholds {@code theta [H]} uniform in {@code [0, 1)} (EvNN's "random-vector" option), each
     * raised to at least {@link TrainingLayer#MIN_THRESHOLD}, the least training keeps.
     */
    public static float[] thresholds(int hiddenSize, RandomGenerator random) {
        Checks.positive("hiddenSize", hiddenSize);
        Checks.nonNull("random", random);
        float[] theta = new float[hiddenSize];
        for (int j = 0; j < hiddenSize; j++) {
            theta[j] = Math.max(TrainingLayer.MIN_THRESHOLD, (float) random.nextDouble());
        }
        return theta;
    }

    /** EvNN's default mean threshold ({@code thr_mean = 0.3} of its {@code EGRU} module). */
    public static final double EVNN_THRESHOLD_MEAN = 0.3;

    /**
     * EGRU's thresholds as EvNN's {@code EGRU} module initialises them: {@code theta_j ~ Beta(alpha, beta)} with
     * {@code beta = 3} and {@code alpha = beta * m / (1 - m)}, so that the mean is {@code m} ({@code thr_mean},
     * default {@value #EVNN_THRESHOLD_MEAN}; {@code frameworks/pytorch/egru.py} of
     * github.com/Efficient-Scalable-Machine-Learning/EvNN: "initialize thresholds according to the beta
     * distribution with mean 'thr_mean'"). Each is raised to at least {@link TrainingLayer#MIN_THRESHOLD}.
     * Drawn as {@code X / (X + Y)} with {@code X ~ Gamma(alpha)}, {@code Y ~ Gamma(beta)} (Marsaglia and Tsang's
     * method), from {@code random} in unit order.
     *
     * @param mean {@code m}, in {@code (0, 1)} as EvNN asserts
     */
    public static float[] evnnThresholds(int hiddenSize, double mean, RandomGenerator random) {
        Checks.positive("hiddenSize", hiddenSize);
        Checks.nonNull("random", random);
        checkThresholdMean(mean);
        double beta = 3, alpha = beta * mean / (1 - mean);
        float[] theta = new float[hiddenSize];
        for (int j = 0; j < hiddenSize; j++) {
            double x = gamma(alpha, random), y = gamma(beta, random);
            theta[j] = Math.max(TrainingLayer.MIN_THRESHOLD, (float) (x / (x + y)));
        }
        return theta;
    }

    private static void checkThresholdMean(double mean) {
        if (!(mean > 0 && mean < 1)) {
            throw new IllegalArgumentException("thresholdMean = " + mean + ", expected in (0, 1)");
        }
    }

    // Gamma(k, 1) by Marsaglia and Tsang (2000); k < 1 as Gamma(k + 1) * U^(1/k).
    private static double gamma(double k, RandomGenerator random) {
        if (k < 1) {
            return gamma(k + 1, random) * Math.pow(random.nextDouble(), 1 / k);
        }
        double d = k - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian(), v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** A dense layer of any cell as PyTorch initialises one: the layer of {@link #weights}. */
    public static RecurrentLayer layer(CellType type, int inputSize, int hiddenSize, RandomGenerator random, Blas blas) {
        return RecurrentLayer.create(weights(type, inputSize, hiddenSize, random), blas);
    }

    /**
     * A restricted layer's weights at sharing rate {@code rate}: the pool {@code [d_r][max(I, H)]} and then the
     * bias pool {@code [d_r]}, each entry uniform in {@code [-}{@link #bound}{@code (H), }{@link #bound}{@code (H)]}
     * like the dense weights they expand to.
     *
     * @throws IllegalArgumentException as {@link RestrictedWeights#of} (before anything is drawn)
     */
    public static RestrictedWeights restricted(CellType type, int inputSize, int hiddenSize, double rate,
                                               RandomGenerator random) {
        Checks.nonNull("random", random);
        int poolRows = RestrictedWeights.poolRows(type, hiddenSize, rate);
        int poolSize = Math.multiplyExact(poolRows, RestrictedWeights.poolColumns(inputSize, hiddenSize));
        // The cell and the sizes checked on a zero pool first, so that a refused call draws nothing.
        RestrictedWeights.of(type, inputSize, hiddenSize, rate, new float[poolSize], null);
        float bound = bound(hiddenSize);
        float[] pool = uniform(random, poolSize, bound);
        float[] biasPool = uniform(random, poolRows, bound);
        return RestrictedWeights.of(type, inputSize, hiddenSize, rate, pool, biasPool);
    }

    /**
     * A linear head as {@code nn.Linear(H, K)} initialises one: {@code W [K][H]} (row by row), then
     * {@code b [K]}, uniform in {@code [-1/sqrt(H), 1/sqrt(H)]}.
     */
    public static LinearHead linear(int hiddenSize, int outputs, RandomGenerator random) {
        Checks.positive("hiddenSize", hiddenSize);
        Checks.positive("outputs", outputs);
        double bound = stdv(hiddenSize);
        float[] w = uniform(random, Math.multiplyExact(outputs, hiddenSize), bound);
        float[] b = uniform(random, outputs, bound);
        return LinearHead.wrap(hiddenSize, outputs, w, b);
    }

    // PyTorch's stdv: 1/sqrt(fan_in), the fan-in of a recurrent layer's weights being H.
    private static double stdv(int fanIn) {
        return 1 / Math.sqrt(fanIn);
    }
}
