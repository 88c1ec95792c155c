package org.rnnkernels.cell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * Every cell's training forward computes its inference step to the bit: the same pre-activations
 * {@code gi, gh}, packed biases and extra parameters, the same {@code h} (and {@code c}) entering the step,
 * through the cell's {@link GatePass} (in place, as a layer runs it) and through its {@link TrainingPass}
 * at step 1 of a two-step trace; {@code h'} (and {@code c'}) compared bit for bit. Where the two share
 * their loops this holds by construction; where a cell has two (GRU's and LSTM's unit-by-unit vector
 * inference passes against their block loops, the RAG cells' vector forms, the leaky cell's plain training rows
 * against its vector gate pass) it holds only if they make the same
 * operations in the same order, which is what this pins. Runs in every surefire execution, so in each
 * way the kernels run: vector at the preferred width, at 256 and 128 bits, and scalar; the sizes are
 * 1, lane counts +-1 and primes, so that vector bodies and plain tails both meet.
 */
class TrainingForwardMatchesInferenceTest {
    private static final int[] HIDDEN = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 37, 64, 65};
    private static final int STEP = 1;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : CellType.values()) {
            for (int hidden : HIDDEN) {
                for (int batch : new int[] {1, 3}) {
                    cases.add(Arguments.of(type, hidden, batch, 1000L * hidden + batch));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} H={1} B={2}")
    @MethodSource("cases")
    void trainingForwardIsTheGatePassBitForBit(CellType type, int n, int batch, long seed) {
        CellDescription cell = type.description();
        SplittableRandom random = new SplittableRandom(seed);
        int width = cell.gates() * n, rows = (STEP + 1) * batch;
        // Pre-activations of a few units' scale, so that sigmoids saturate and RAG's S and hardtanh meet
        // every side of their kinks; states in [-1.5, 1.5] (beyond hardtanh's range, as a held state may be)
        float[] gi = uniform(random, rows * width, 3f);
        float[] gh = uniform(random, batch * width, 3f);
        float[] hPrev = uniform(random, batch * n, 1.5f);
        float[] cPrev = cell.cellState() ? uniform(random, batch * n, 1.5f) : null;
        GateParameters p = parameters(cell, n, random);

        float[] h = hPrev.clone();
        float[] c = cPrev == null ? null : cPrev.clone();
        CellPasses.gatePass(cell.kernel()).apply(batch, n, 0, n, gi, STEP * batch * width, gh.clone(), p.bias, p.extra,
                h, 0, h, 0, c);

        TrainingTrace trace = new TrainingTrace(batch, n, width, cell.cacheBlocks() * n, gh.clone(),
                new float[batch * n], new float[batch * n], new float[batch * n]);
        float[] hs = new float[(rows + batch) * n];
        float[] cs = cPrev == null ? null : new float[(rows + batch) * n];
        System.arraycopy(hPrev, 0, hs, STEP * batch * n, batch * n);
        if (cs != null) {
            System.arraycopy(cPrev, 0, cs, STEP * batch * n, batch * n);
        }
        trace.grown(gi, hs, cs, new float[rows * trace.cacheWidth], null, null, null, null);
        CellPasses.trainingPass(cell.kernel()).forward(p, trace, STEP);

        int next = (STEP + 1) * batch * n;
        assertArrayEquals(h, Arrays.copyOfRange(hs, next, next + batch * n), type + ": h' of the training forward");
        if (c != null) {
            assertArrayEquals(c, Arrays.copyOfRange(cs, next, next + batch * n), type + ": c' of the training forward");
        }
        assertEquals(List.of(), ImplementationLoader.fallbacks(), "a vector class failed to load under " + Simd.kind());
    }

    // Random biases, MI vectors around their usual values, EGRU thresholds in the range its outputs reach
    private static GateParameters parameters(CellDescription cell, int n, SplittableRandom random) {
        int width = cell.gates() * n;
        float[] bIh = uniform(random, width, 0.5f), bHh = uniform(random, width, 0.5f);
        if (cell.multiplicative()) {
            float[] alpha = uniform(random, width, 1f), beta1 = uniform(random, width, 1f), beta2 = uniform(random, width, 1f);
            return new GateParameters(cell, n, bIh, bHh, alpha, beta1, beta2, null, 0f, 0f);
        }
        if (cell.eventBased()) {
            float[] theta = new float[n];
            for (int j = 0; j < n; j++) {
                theta[j] = (float) random.nextDouble(0.01, 0.6);
            }
            return new GateParameters(cell, n, bIh, bHh, null, null, null, theta, 0.7f, 1f);
        }
        return new GateParameters(cell, n, bIh, bHh);
    }

    private static float[] uniform(SplittableRandom random, int count, float bound) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }
}
