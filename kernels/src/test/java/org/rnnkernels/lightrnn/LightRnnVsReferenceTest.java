package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.reference.LightRnnReference;

/**
 * {@code log P(w_t)} of the kernels against the double reference over whole word sequences
 * (T = 150, so 300 half-steps of every layer of the shared stack): within 1e-4 of {@code max(1, |reference|)} (CELLS.md, "Numerical
 * agreement": sequence outputs of cells with an approximated exp), never NaN.
 */
class LightRnnVsReferenceTest {
    static final double TOLERANCE = 1e-4;
    // RAG at full initialisation scale is chaotic (see KernelVsReferenceTest): contract its dynamics.
    static final float RAG_RECURRENT_SCALE = 0.25f;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : new CellType[] {CellType.GRU, CellType.LSTM, CellType.RAG_GRU}) {
            for (int vocabulary : new int[] {1, 2, 10, 99, 1000}) {
                for (long seed = 1; seed <= 2; seed++) {
                    cases.add(Arguments.of(type, vocabulary, "sequential", 1f, seed * 31 + vocabulary));
                }
            }
            // empty cells anywhere, and peaked softmaxes
            cases.add(Arguments.of(type, 99, "shuffled", 1f, 7L));
            cases.add(Arguments.of(type, 1000, "shuffled", 6f, 8L));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} V={1} {2} outputScale={3} seed={4}")
    @MethodSource("cases")
    void logProbabilitiesMatchReference(CellType type, int vocabulary, String allocation, float outputScale, long seed) {
        WordTable table = allocation.equals("shuffled")
                ? LightRnnFixture.shuffled(vocabulary, WordTable.ceilSqrt(vocabulary) + 1, WordTable.ceilSqrt(vocabulary), seed)
                : WordTable.sequential(vocabulary);
        float recurrentScale = type == CellType.RAG_GRU ? RAG_RECURRENT_SCALE : 1f;
        // E != H, neither a multiple of the vector length: the vector tails run
        LightRnnFixture f = new LightRnnFixture(type, table, 19, 33, seed, recurrentScale, outputScale);
        int[] words = f.words(150, seed + 1);
        LightRnnReference reference = f.reference();
        double[] expected = reference.logProbabilities(words, reference.newState());
        float[] actual = new float[words.length];
        try (LightRnn model = f.model()) {
            model.logProbabilities(words, model.newState(), actual);
        }
        assertClose(f.toString(), expected, actual);
    }

    /**
     * Stacks of 1 to 3 layers of mixed cells and awkward sizes (H = 1, 7, 17; E = 19): GRU under RAG-GRU,
     * LSTM and MI-GRU above an H = 1 layer, an EGRU and a restricted GRU in a stack, an H = 1 layer on top
     * (output tables of one column), each on a sequential and a shuffled table, two seeds.
     */
    static Stream<Arguments> stackCases() {
        LightRnnLayer.Spec gru7 = LightRnnLayer.Spec.of(CellType.GRU, 7);
        LightRnnLayer.Spec rag17 = LightRnnLayer.Spec.of(CellType.RAG_GRU, 17).scaled(RAG_RECURRENT_SCALE);
        List<List<LightRnnLayer.Spec>> stacks = List.of(
                List.of(LightRnnLayer.Spec.of(CellType.MI_GRU, 17)),
                List.of(LightRnnLayer.Spec.of(CellType.GRU, 17).restricted(0.5)),
                List.of(gru7, rag17),
                List.of(LightRnnLayer.Spec.of(CellType.RNN_TANH, 1), LightRnnLayer.Spec.of(CellType.LSTM, 17)),
                List.of(LightRnnLayer.Spec.of(CellType.LSTM, 17), LightRnnLayer.Spec.of(CellType.EGRU, 7)),
                List.of(LightRnnLayer.Spec.of(CellType.LSTM, 1), gru7, LightRnnLayer.Spec.of(CellType.MI_GRU, 17)),
                List.of(LightRnnLayer.Spec.of(CellType.GRU, 17).restricted(0.5), rag17, LightRnnLayer.Spec.of(CellType.GRU, 1)));
        List<Arguments> cases = new ArrayList<>();
        for (List<LightRnnLayer.Spec> stack : stacks) {
            for (long seed = 1; seed <= 2; seed++) {
                cases.add(Arguments.of(stack, seed == 1 ? "sequential" : "shuffled", 40 * seed + stack.size()));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} seed={2}")
    @MethodSource("stackCases")
    void stacksMatchReference(List<LightRnnLayer.Spec> stack, String allocation, long seed) {
        int vocabulary = 99;
        WordTable table = allocation.equals("shuffled")
                ? LightRnnFixture.shuffled(vocabulary, WordTable.ceilSqrt(vocabulary) + 1, WordTable.ceilSqrt(vocabulary), seed)
                : WordTable.sequential(vocabulary);
        LightRnnFixture f = new LightRnnFixture(stack, table, 19, seed, 3f);
        int[] words = f.words(150, seed + 1);
        LightRnnReference reference = f.reference();
        double[] expected = reference.logProbabilities(words, reference.newState());
        float[] actual = new float[words.length];
        try (LightRnn model = f.model()) {
            assertEquals(stack.size(), model.numLayers());
            model.logProbabilities(words, model.newState(), actual);
        }
        assertClose(f.toString(), expected, actual);
    }

    static void assertClose(String what, double[] expected, float[] actual) {
        for (int t = 0; t < expected.length; t++) {
            double error = Math.abs(actual[t] - expected[t]) / Math.max(1, Math.abs(expected[t]));
            assertTrue(Float.isFinite(actual[t]) && error <= TOLERANCE,
                    what + " word " + t + ": " + actual[t] + " vs reference " + expected[t] + " (error " + error + ")");
        }
    }
}
