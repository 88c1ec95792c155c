package org.rnnkernels;

import java.util.SplittableRandom;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.train.TorchInit;

/**
 * What the kernels' test fixtures share ({@link CellFixture}, {@code TrainFixture}, {@code LightRnnFixture},
 * {@code TernaryFixture}, {@link RestrictedFixture} and the tests that draw their own cells): random cells
 * as PyTorch initialises them with the extra parameters drawn around their usual values, the float
 * arrays as the double reference takes them, and the layer and reference cell of given weights. Random
 * arrays come from {@link TorchInit#uniform}. Each fixture keeps the order of its own draws, which its
 * seeds were chosen with.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** A layer's drawn float arrays, {@code W_ih, W_hh, b_ih, b_hh} (PyTorch's layout), for tests that pass them on one by one. */
    public record Weights(float[] weightIh, float[] weightHh, float[] biasIh, float[] biasHh) {
        /** The arrays of {@code w} (copies, as {@link LayerWeights} hands them out). */
        public static Weights of(LayerWeights w) {
            return new Weights(w.inputWeights(), w.recurrentWeights(), w.inputBias(), w.recurrentBias());
        }
    }

    /**
     * A layer's weights drawn as {@link TorchInit#weights} draws them, but {@code W_hh} uniform in
     * {@code +-recurrentScale/sqrt(H)} (below 1: more contractive dynamics; 1: exactly {@code TorchInit}'s).
     */
    public static Weights weights(CellType type, int input, int hidden, SplittableRandom random,
                                            float recurrentScale) {
        int rows = type.gates() * hidden;
        float bound = TorchInit.bound(hidden);
        float[] wIh = TorchInit.uniform(random, rows * input, bound);
        float[] wHh = TorchInit.uniform(random, rows * hidden, bound * recurrentScale);
        return new Weights(wIh, wHh, TorchInit.uniform(random, rows, bound), TorchInit.uniform(random, rows, bound));
    }

    /** alpha in [0.5, 1.5], beta1 and beta2 in [0.2, 1]: around the usual initialisation, all terms live. */
    public static MiParameters randomMi(SplittableRandom random, int rows) {
        float[] alpha = new float[rows];
        float[] beta1 = new float[rows];
        float[] beta2 = new float[rows];
        for (int i = 0; i < rows; i++) {
            alpha[i] = (float) random.nextDouble(0.5, 1.5);
            beta1[i] = (float) random.nextDouble(0.2, 1.0);
            beta2[i] = (float) random.nextDouble(0.2, 1.0);
        }
        return new MiParameters(alpha, beta1, beta2);
    }

    /** EGRU thresholds in [0.05, 0.5]: with states in (-1, 1), units fire now and then, neither never nor always. */
    public static float[] randomThresholds(SplittableRandom random, int hidden) {
        float[] theta = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            theta[j] = (float) random.nextDouble(0.05, 0.5);
        }
        return theta;
    }

    /** The dense layer of {@code w}: {@code mi} for the MI cells, {@code thresholds} for EGRU, null otherwise. */
    public static RecurrentLayer layer(CellType type, int input, int hidden, Weights w, MiParameters mi,
                                       float[] thresholds, Blas blas) {
        return type.eventBased()
                ? RecurrentLayer.create(LayerWeights.of(CellType.EGRU, input, hidden)
                        .inputWeights(w.weightIh())
                        .recurrentWeights(w.weightHh())
                        .biases(w.biasIh(), w.biasHh())
                        .thresholds(thresholds)
                        .build(), blas)
                : RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                        .inputWeights(w.weightIh())
                        .recurrentWeights(w.weightHh())
                        .biases(w.biasIh(), w.biasHh())
                        .mi(mi)
                        .build(), blas);
    }

    /** The double reference of the same cell ({@link #layer}'s twin). */
    public static ReferenceCell referenceCell(CellType type, int input, int hidden, Weights w, MiParameters mi,
                                              float[] thresholds) {
        if (type.eventBased()) {
            return ReferenceCell.egru(input, hidden, toDouble(w.weightIh()), toDouble(w.weightHh()), toDouble(w.biasIh()),
                    toDouble(w.biasHh()), toDouble(thresholds));
        }
        return new ReferenceCell(RefCellType.valueOf(type.name()), input, hidden,
                toDouble(w.weightIh()), toDouble(w.weightHh()), toDouble(w.biasIh()), toDouble(w.biasHh()),
                mi == null ? null : toDouble(mi.alpha()), mi == null ? null : toDouble(mi.beta1()),
                mi == null ? null : toDouble(mi.beta2()));
    }

    public static double[] toDouble(float[] a) {
        return toDouble(a, 0, a.length);
    }

    /** {@code length} floats of {@code a} from {@code offset}, as doubles. */
    public static double[] toDouble(float[] a, int offset, int length) {
        double[] d = new double[length];
        for (int i = 0; i < length; i++) {
            d[i] = a[offset + i];
        }
        return d;
    }

    /** {@code [rows][width]} of a row-major array (a state {@code [B][H]}, say). */
    public static double[][] rows(float[] flat, int rows, int width) {
        double[][] r = new double[rows][];
        for (int b = 0; b < rows; b++) {
            r[b] = toDouble(flat, b * width, width);
        }
        return r;
    }

    /** {@code [T][B][width]} of a time-major sequence. */
    public static double[][][] sequence(float[] flat, int steps, int batch, int width) {
        double[][][] s = new double[steps][batch][];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                s[t][b] = toDouble(flat, (t * batch + b) * width, width);
            }
        }
        return s;
    }

    /** The numbers of {@code a} in order. */
    public static double[] flatten(double[][][] a) {
        int n = 0;
        for (double[][] m : a) {
            for (double[] row : m) {
                n += row.length;
            }
        }
        double[] out = new double[n];
        int k = 0;
        for (double[][] m : a) {
            for (double[] row : m) {
                System.arraycopy(row, 0, out, k, row.length);
                k += row.length;
            }
        }
        return out;
    }

    public static double[] flatten(double[][] a) {
        return flatten(new double[][][] {a});
    }
}
