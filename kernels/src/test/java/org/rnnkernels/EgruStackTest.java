package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.product.BlasProjection;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.Scratch;
import org.rnnkernels.product.SparseInputProjection;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.train.TorchInit;

/**
 * A stack of EGRU layers, whose layers above the first read the sparse output of the layer below through
 * {@link SparseInputProjection}: each layer against the double reference fed the kernel's own input to that
 * layer (the output of the stack one layer shorter), adopting float-ambiguous firing decisions as
 * {@link EgruTest} does; and the sparse projection alone against a double product, at tile and lane edges,
 * 0 to 100% nonzero inputs, split among team members. Vector and scalar: the surefire executions.
 */
class EgruStackTest {
    static final int LAYERS = 3;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (int hidden : new int[] {1, 7, 8, 9, 15, 16, 17, 31, 33, 257}) {
            for (int batch : new int[] {1, 3}) {
                for (long seed = 1; seed <= 2; seed++) {
                    cases.add(Arguments.of(hidden + 3, hidden, batch, 300, seed * 131 + hidden));
                }
            }
        }
        cases.add(Arguments.of(100, 345, 2, 40, 7L));   // G*H = 1035: the input projection spans two column tiles
        return cases.stream();
    }

    @ParameterizedTest(name = "I={0} H={1} B={2} T={3} seed={4}")
    @MethodSource("cases")
    void everyLayerMatchesReference(int input, int hidden, int batch, int steps, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Fixtures.Weights> weights = new ArrayList<>();
        List<ReferenceCell> references = new ArrayList<>();
        List<float[]> thresholds = new ArrayList<>();
        for (int k = 0; k < LAYERS; k++) {
            int in = k == 0 ? input : hidden;
            Fixtures.Weights w = Fixtures.weights(CellType.EGRU, in, hidden, random, 1f);
            float[] theta = Fixtures.randomThresholds(random, hidden);
            if (k > 0) {
                // fed a sparse y, a layer with the first's scales would fall silent: W_ih larger, thresholds lower
                float[] wIh = w.weightIh();
                for (int i = 0; i < wIh.length; i++) {
                    wIh[i] *= 4;
                }
                for (int j = 0; j < hidden; j++) {
                    theta[j] *= 0.5f;
                }
            }
            weights.add(w);
            references.add(Fixtures.referenceCell(CellType.EGRU, in, hidden, w, null, theta));
            thresholds.add(theta);
        }
        float[] x = TorchInit.uniform(random, steps * batch * input, 1f);
        float[] below = x;
        for (int depth = 1; depth <= LAYERS; depth++) {
            // a model closes its layers: each depth gets layers of its own, of the same weights
            List<RecurrentLayer> layers = new ArrayList<>();
            for (int k = 0; k < depth; k++) {
                layers.add(Fixtures.layer(CellType.EGRU, k == 0 ? input : hidden, hidden, weights.get(k), null,
                        thresholds.get(k), org.rnnkernels.blas.Blases.get()));
            }
            float[] out = new float[steps * batch * hidden];
            try (RecurrentModel model = RecurrentModel.of(false, layers);
                 ModelState state = model.newState(batch)) {
                model.forward(x, steps, null, state, out);
            }
            int k = depth - 1;
            checkLayer("layer " + k, references.get(k), thresholds.get(k), below, k == 0 ? input : hidden, out, hidden,
                    batch, steps);
            if (k > 0 && steps * batch * hidden >= 1000) {
                double activity = activity(below);
                assertTrue(activity > 0.02 && activity < 0.9, "layer " + k + "'s input activity " + activity);
            }
            below = out;
        }
    }

    // One layer step by step from the zero state, fed the kernel's own input to it
    private static void checkLayer(String what, ReferenceCell reference, float[] theta, float[] in, int inputSize, float[] out,
                                   int hidden, int batch, int steps) {
        double[][] y = new double[batch][hidden];
        double[][] c = new double[batch][hidden];
        int adopted = 0;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                double[] yNew = new double[hidden];
                double[] cNew = new double[hidden];
                reference.step(Fixtures.toDouble(in, (t * batch + b) * inputSize, inputSize), y[b], c[b], yNew, cNew);
                int row = (t * batch + b) * hidden;
                adopted += EgruTest.adoptAmbiguous(theta, yNew, cNew, out, row);
                EgruTest.compare(what + " t=" + t + " b=" + b + " y", yNew, out, row);
                y[b] = yNew;
                c[b] = cNew;
            }
        }
        long unitSteps = (long) steps * batch * hidden;
        assertTrue(adopted <= 1 + unitSteps / 1000, what + ": " + adopted + " ambiguous decisions in " + unitSteps);
    }

    private static double activity(float[] y) {
        long nonzero = 0;
        for (float v : y) {
            nonzero += v != 0 ? 1 : 0;
        }
        return (double) nonzero / y.length;
    }

    /**
     * The sparse projection against a double product: sizes at lane and tile edges, densities 0 to 1, teams of 1-3;
     * wrapping BLAS (every call walks the columns) and the layer's own dense projection (with AVX-512 the panels,
     * which take the calls dense enough): the two give the same values.
     */
    @Test
    void sparseProjectionMatchesDoubleProduct() {
        SplittableRandom random = new SplittableRandom(17);
        for (int inputSize : new int[] {1, 7, 8, 9, 17, 33, 100}) {
            for (int width : new int[] {3, 21, 24, 27, 51, 771, 1035}) {
                float[] w = TorchInit.uniform(random, width * inputSize, 1f);
                try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                    MemorySegment ws = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, w);
                    SparseInputProjection projection = new SparseInputProjection(
                            new BlasProjection(org.rnnkernels.blas.Blases.get(), ws, width, inputSize), ws, width, inputSize);
                    InputProjection.Bound bound = projection.bindSparse(3);
                    InputProjection.Bound layers = new SparseInputProjection(InputProjection.dense(
                            org.rnnkernels.blas.Blases.get(), w, ws, width, inputSize), ws, width, inputSize).bindSparse(3);
                    for (int rows : new int[] {1, 5, 64}) {
                        for (double density : new double[] {0, 0.1, 0.5, 1}) {
                            float[] x = new float[rows * inputSize];
                            for (int i = 0; i < x.length; i++) {
                                x[i] = random.nextDouble() < density ? (float) random.nextDouble(-1, 1) : 0f;
                            }
                            for (int members = 1; members <= 3; members++) {
                                Scratch gi = new Scratch("gi");
                                gi.reserve((long) rows * width);
                                java.util.Arrays.fill(gi.array(), Float.NaN);   // every element must be written
                                bound.prepare(MemorySegment.ofArray(x), rows, gi);
                                for (int m = 0; m < members; m++) {
                                    bound.project(m, members);
                                }
                                bound.finish();
                                String what = "I=" + inputSize + " W=" + width + " rows=" + rows + " density=" + density
                                        + " members=" + members;
                                check(what, w, x, gi.array(), rows, width, inputSize);

                                Scratch layerGi = new Scratch("gi");
                                layerGi.reserve((long) rows * width);
                                java.util.Arrays.fill(layerGi.array(), Float.NaN);
                                layers.prepare(MemorySegment.ofArray(x), rows, layerGi);
                                for (int m = members - 1; m >= 0; m--) {
                                    layers.project(m, members);
                                }
                                layers.finish();
                                for (int i = 0; i < rows * width; i++) {
                                    // == : the same value (a zero's sign may differ: the panels add w * 0 terms)
                                    if (!(layerGi.array()[i] == gi.array()[i])) {
                                        fail(what + ", the layer's projection: gi[" + i + "] = " + layerGi.array()[i]
                                                + ", the column walk's " + gi.array()[i]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void check(String what, float[] w, float[] x, float[] gi, int rows, int width, int inputSize) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                double sum = 0, scale = 0;
                for (int i = 0; i < inputSize; i++) {
                    sum += (double) w[c * inputSize + i] * x[r * inputSize + i];
                    scale += Math.abs((double) w[c * inputSize + i] * x[r * inputSize + i]);
                }
                float a = gi[r * width + c];
                if (!(Math.abs(a - sum) <= 1e-6 * scale + 1e-30)) {
                    fail(what + ": gi[" + r + "][" + c + "] = " + a + ", expected " + sum);
                }
            }
        }
    }

    /** A NaN input reaches its row's projection (it is nonzero, so listed), as the dense product's NaN does. */
    @Test
    void nanInputPropagates() {
        int inputSize = 9, width = 12;
        float[] w = TorchInit.uniform(new SplittableRandom(2), width * inputSize, 1f);
        MemorySegment ws = MemorySegment.ofArray(w);
        InputProjection.Bound bound = new SparseInputProjection(
                new BlasProjection(org.rnnkernels.blas.Blases.java(), ws, width, inputSize), ws, width, inputSize).bindSparse(1);
        float[] x = new float[2 * inputSize];
        x[inputSize + 4] = Float.NaN;
        Scratch gi = new Scratch("gi");
        gi.reserve(2L * width);
        bound.prepare(MemorySegment.ofArray(x), 2, gi);
        bound.project(0, 1);
        for (int c = 0; c < width; c++) {
            assertTrue(gi.array()[c] == 0f, "row 0 is all zeros");
            assertTrue(Float.isNaN(gi.array()[width + c]), "row 1 column " + c);
        }
    }
}
