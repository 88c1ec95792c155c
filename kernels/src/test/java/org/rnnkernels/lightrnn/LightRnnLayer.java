package org.rnnkernels.lightrnn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceBackward;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.reference.RestrictedReference;

/**
 * One random layer of a LightRNN stack (PyTorch's initialisation, U(-1/sqrt(H), 1/sqrt(H)); MI parameters
 * and EGRU thresholds around their usual values; a restricted layer's pool likewise), as a kernel layer and
 * as its double reference cell.
 */
final class LightRnnLayer {
    /**
     * What to draw: the cell, {@code H}, for a restricted layer its sharing rate (NaN for a dense layer), and
     * a factor on {@code W_hh}'s bound (below 1: more contractive dynamics, as RAG cells need in long tests).
     */
    record Spec(CellType type, int hidden, double rate, float recurrentScale) {
        static Spec of(CellType type, int hidden) {
            return new Spec(type, hidden, Double.NaN, 1f);
        }

        Spec restricted(double sharingRate) {
            return new Spec(type, hidden, sharingRate, recurrentScale);
        }

        Spec scaled(float scale) {
            return new Spec(type, hidden, rate, scale);
        }

        boolean isRestricted() {
            return !Double.isNaN(rate);
        }

        @Override
        public String toString() {
            return (isRestricted() ? "restricted(r=" + rate + ") " : "") + type + " H=" + hidden
                    + (recurrentScale != 1f ? " W_hh*" + recurrentScale : "");
        }
    }

    final Spec spec;
    final CellType type;
    final int input;
    final int hidden;
    final float[] wIh, wHh, bIh, bHh;   // dense layers
    final MiParameters mi;              // MI cells
    final float[] thresholds;           // EGRU
    final float[] pool, biasPool;       // restricted layers

    private LightRnnLayer(Spec spec, int input, SplittableRandom random) {
        this.spec = spec;
        this.type = spec.type();
        this.input = input;
        this.hidden = spec.hidden();
        int rows = type.gates() * hidden;
        float bound = (float) (1 / Math.sqrt(hidden));
        if (spec.isRestricted()) {
            pool = LightRnnFixture.uniform(random, RestrictedWeights.poolRows(type, hidden, spec.rate()) * Math.max(input, hidden), bound);
            biasPool = LightRnnFixture.uniform(random, RestrictedWeights.poolRows(type, hidden, spec.rate()), bound);
            wIh = wHh = bIh = bHh = null;
            mi = null;
            thresholds = null;
            return;
        }
        pool = biasPool = null;
        wIh = LightRnnFixture.uniform(random, rows * input, bound);
        wHh = LightRnnFixture.uniform(random, rows * hidden, bound * spec.recurrentScale());
        bIh = LightRnnFixture.uniform(random, rows, bound);
        bHh = LightRnnFixture.uniform(random, rows, bound);
        mi = type.multiplicative() ? randomMi(random, rows) : null;
        thresholds = type.eventBased() ? randomThresholds(random, hidden) : null;
    }

    /** Draws the layer's parameters from {@code random}: W_ih, W_hh, b_ih, b_hh (then MI or EGRU's), or the pools. */
    static LightRnnLayer draw(SplittableRandom random, Spec spec, int input) {
        return new LightRnnLayer(spec, input, random);
    }

    /** EGRU thresholds in [0.05, 0.5]: with states in (-1, 1), units fire now and then, neither never nor always. */
    private static float[] randomThresholds(SplittableRandom random, int hidden) {
        float[] theta = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            theta[j] = (float) random.nextDouble(0.05, 0.5);
        }
        return theta;
    }

    /** alpha in [0.5, 1.5], beta1 and beta2 in [0.2, 1]: around the usual initialisation, all terms live. */
    private static MiParameters randomMi(SplittableRandom random, int rows) {
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

    RecurrentLayer layer(Blas blas) {
        if (spec.isRestricted()) {
            return RecurrentLayer.createRestricted(RestrictedWeights.of(type, input, hidden, spec.rate(), pool, biasPool), blas);
        }
        return type.eventBased() ? RecurrentLayer.create(LayerWeights.of(CellType.EGRU, input, hidden)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .thresholds(thresholds)
                .build(), blas)
                : RecurrentLayer.create(LayerWeights.of(type, input, hidden)
                        .inputWeights(wIh)
                        .recurrentWeights(wHh)
                        .biases(bIh, bHh)
                        .mi(mi)
                        .build(), blas);
    }

    ReferenceCell reference() {
        RefCellType ref = RefCellType.valueOf(type.name());
        if (spec.isRestricted()) {
            return RestrictedReference.cell(ref, input, hidden, spec.rate(), d(pool), d(biasPool));
        }
        if (type.eventBased()) {
            return ReferenceCell.egru(input, hidden, d(wIh), d(wHh), d(bIh), d(bHh), d(thresholds));
        }
        return new ReferenceCell(ref, input, hidden, d(wIh), d(wHh), d(bIh), d(bHh),
                mi == null ? null : d(mi.alpha()), mi == null ? null : d(mi.beta1()), mi == null ? null : d(mi.beta2()));
    }

    /**
     * The reference's gradients of this layer's parameters, under the names {@code TrainingLayer.parameters}
     * gives them: the dense matrices and biases (and MI's, EGRU's), or a restricted layer's pools folded from
     * the dense gradients ({@link RestrictedReference#poolGradients}).
     */
    Map<String, double[]> gradients(ReferenceBackward.Gradients g) {
        Map<String, double[]> named = new LinkedHashMap<>();
        if (spec.isRestricted()) {
            double[][] folded = RestrictedReference.poolGradients(RefCellType.valueOf(type.name()), input, hidden, spec.rate(),
                    g.dWIh(), g.dWHh(), g.dBIh(), g.dBHh());
            named.put("pool", folded[0]);
            named.put("bias_pool", folded[1]);
            return named;
        }
        named.put("weight_ih", g.dWIh());
        named.put("weight_hh", g.dWHh());
        named.put("bias_ih", g.dBIh());
        named.put("bias_hh", g.dBHh());
        if (mi != null) {
            named.put("mi_alpha", g.dAlpha());
            named.put("mi_beta1", g.dBeta1());
            named.put("mi_beta2", g.dBeta2());
        }
        if (thresholds != null) {
            named.put("egru_theta", g.dTheta());
        }
        return named;
    }

    /**
     * A restricted layer's pool entries are sums over the dense entries sliced from them, which may nearly
     * cancel (a shared bias row sums six gate biases); their float rounding is then relative to the terms,
     * not to the sum. This gives, per pool entry, the sum of its terms' magnitudes (the same fold of the
     * absolute dense gradients); null for a dense layer, whose entries are compared as they are.
     */
    Map<String, double[]> termMagnitudes(ReferenceBackward.Gradients g) {
        if (!spec.isRestricted()) {
            return null;
        }
        double[][] folded = RestrictedReference.poolGradients(RefCellType.valueOf(type.name()), input, hidden, spec.rate(),
                abs(g.dWIh()), abs(g.dWHh()), abs(g.dBIh()), abs(g.dBHh()));
        return Map.of("pool", folded[0], "bias_pool", folded[1]);
    }

    private static double[] abs(double[] a) {
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }

    static double[] d(float[] a) {
        return LightRnnFixture.toDouble(a);
    }
}
