package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnnkernels.train.LossTest.rejects;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.train.Loss.Over;

/** Optimisers and clipping against hand-computed sequences, and a least-squares fit that must converge. */
class OptimizerTest {
    private static final double FLOAT_ROUNDING = 1e-7;

    @Test
    void adamFirstStepsFollowPyTorchsFormulas() {
        // One parameter p = 1, gradients 0.5, -1, 2, defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8.
        // t=1: m = 0.05, v = 0.00025, m/(1-0.9) = 0.5, sqrt(v/(1-0.999)) = 0.5:
        //      p = 1 - 1e-3 * 0.5 / (0.5 + 1e-8) = 0.99900000002
        // t=2: m = 0.9*0.05 - 0.1 = -0.055, v = 0.999*0.00025 + 0.001 = 0.00124975,
        //      p += 1e-3/0.19 * 0.055 / (sqrt(0.00124975)/sqrt(0.001999) + 1e-8) = 0.9993661035424056
        // t=3: m = 0.1505, v = 0.0052485, corrections 0.271 and 0.002997001: p = 0.998946447927181
        float[] p = {1f};
        float[] g = new float[1];
        Adam adam = new Adam(List.of(new Parameter("p", p, g)));
        double[] expected = {0.99900000002, 0.9993661035424056, 0.998946447927181};
        float[] gradients = {0.5f, -1f, 2f};
        for (int t = 0; t < 3; t++) {
            g[0] = gradients[t];
            adam.step();
            assertEquals(expected[t], p[0], FLOAT_ROUNDING, "step " + (t + 1));
        }
        assertEquals(3, adam.steps());

        // Other hyper-parameters, where eps matters: lr 0.1, betas (0.5, 0.9), eps 1e-3.
        // t=1: m = 0.25, v = 0.025, m/(1-0.5) = 0.5, sqrt(v/(1-0.9)) = 0.5: p = 1 - 0.1 * 0.5/0.501 = 0.9001996007984032
        float[] q = {1f};
        float[] gq = new float[1];
        Adam other = new Adam(List.of(new Parameter("q", q, gq)), 0.1, 0.5, 0.9, 1e-3);
        double[] expectedOther = {0.9001996007984032, 0.9623921311476028, 0.8947694995203342};
        for (int t = 0; t < 3; t++) {
            gq[0] = gradients[t];
            other.step();
            assertEquals(expectedOther[t], q[0], FLOAT_ROUNDING, "step " + (t + 1));
        }
    }

    @Test
    void sgdMomentumSequence() {
        // lr 0.1, momentum 0.9, gradient 1 every step: buf = 1, 1.9, 2.71; p = -0.1, -0.29, -0.561
        float[] p = {0f, 2f};
        float[] g = {1f, -2f};
        Sgd sgd = new Sgd(List.of(new Parameter("p", p, g)), 0.1, 0.9);
        double[] expected = {-0.1, -0.29, -0.561};
        for (double e : expected) {
            sgd.step();
            assertEquals(e, p[0], FLOAT_ROUNDING);
            assertEquals(2 - 2 * e, p[1], 2 * FLOAT_ROUNDING, "gradient -2: twice the step, the other way");
        }
        // plain SGD: p -= lr * g
        float[] r = {1f};
        Sgd plain = new Sgd(List.of(new Parameter("r", r, new float[] {3f})), 0.5);
        plain.step();
        plain.step();
        assertEquals(-2f, r[0]);
    }

    @Test
    void clipGradNormScalesOnlyAboveTheMaximum() {
        Parameter a = new Parameter("a", new float[2], new float[] {3, 4});
        Parameter b = new Parameter("b", new float[1], new float[] {12});
        List<Parameter> both = List.of(a, b);
        // total norm sqrt(9 + 16 + 144) = 13
        assertEquals(13, Gradients.clipGradNorm(both, 20), 1e-12);
        assertArrayEquals(new float[] {3, 4}, a.gradient(), "below the maximum: unchanged");
        assertEquals(13, Gradients.clipGradNorm(both, 6.5), 1e-12);
        double coef = 6.5 / (13 + 1e-6);
        assertEquals(3 * coef, a.gradient()[0], FLOAT_ROUNDING);
        assertEquals(4 * coef, a.gradient()[1], FLOAT_ROUNDING);
        assertEquals(12 * coef, b.gradient()[0], 2 * FLOAT_ROUNDING * 12);
        assertEquals(6.5, Gradients.norm(both), 1e-5);
        Gradients.zero(both);
        assertEquals(0, Gradients.norm(both));
        rejects(() -> Gradients.clipGradNorm(both, 0), "maxNorm");
        rejects(() -> Gradients.clipGradNorm(null, 1), "parameters");
    }

    @Test
    void leastSquaresConvergesWithAdamAndSgd() {
        for (boolean adam : new boolean[] {true, false}) {
            float[] first = fit(adam);
            assertArrayEquals(first, fit(adam), "same seed, same bits");
        }
    }

    // y = W* x + b* for random x; a LinearHead trained with MSE must recover it.
    private static float[] fit(boolean adam) {
        int inputs = 5;
        int outputs = 3;
        int rows = 32;
        SplittableRandom random = new SplittableRandom(21);
        float[] trueW = TorchInit.uniform(random, outputs * inputs, 2);
        float[] trueB = TorchInit.uniform(random, outputs, 1);
        LinearHead head = LinearHead.create(inputs, outputs, 3L);
        Optimizer optimizer = adam ? new Adam(head.parameters(), 0.05) : new Sgd(head.parameters(), 0.05, 0.9);
        MeanSquaredError mse = new MeanSquaredError(outputs, Over.EVERY_STEP);
        float[] x = new float[rows * inputs];
        float[] target = new float[rows * outputs];
        float[] y = new float[rows * outputs];
        float[] dy = new float[rows * outputs];
        float[] dx = new float[rows * inputs];
        double loss = Double.NaN;
        double initial = Double.NaN;
        for (int step = 0; step < 600; step++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble(-1, 1);
            }
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < outputs; o++) {
                    float sum = trueB[o];
                    for (int j = 0; j < inputs; j++) {
                        sum += trueW[o * inputs + j] * x[r * inputs + j];
                    }
                    target[r * outputs + o] = sum;
                }
            }
            optimizer.zeroGradients();
            head.forward(x, rows, y);
            loss = mse.compute(y, 1, rows, target, null, dy);
            if (step == 0) {
                initial = loss;
            }
            head.backward(dy, rows, dx);
            Gradients.clipGradNorm(head.parameters(), 10);
            optimizer.step();
        }
        String what = (adam ? "Adam" : "SGD") + ": loss " + initial + " -> " + loss;
        assertTrue(initial > 0.5 && loss < 1e-4, what);
        float[] w = head.weight();
        for (int i = 0; i < w.length; i++) {
            assertEquals(trueW[i], w[i], 0.02, what + ", W[" + i + "]");
        }
        return w;
    }

    @Test
    void badArgumentsAreRejected() {
        List<Parameter> ps = List.of(Parameter.of("p", new float[3]));
        rejects(() -> new Adam(ps, 0), "learningRate");
        rejects(() -> new Adam(ps, 1e-3, 1, 0.999, 1e-8), "beta1", "[0.0, 1.0)");
        rejects(() -> new Adam(ps, 1e-3, 0.9, -0.1, 1e-8), "beta2");
        rejects(() -> new Adam(ps, 1e-3, 0.9, 0.999, Double.NaN), "eps");
        rejects(() -> new Sgd(ps, 0.1, 1.5), "momentum");
        rejects(() -> new Sgd(ps, Double.POSITIVE_INFINITY), "learningRate");
        rejects(() -> new Parameter("w", new float[3], new float[2]), "'w'", "gradient", "3");
        rejects(() -> new Sgd(java.util.Arrays.asList(ps.get(0), null), 0.1), "parameters[1]");
        Sgd sgd = new Sgd(ps, 0.1);
        rejects(() -> sgd.setLearningRate(-1), "learningRate");
        sgd.setLearningRate(0.2);
        assertEquals(0.2, sgd.learningRate());
    }
}
