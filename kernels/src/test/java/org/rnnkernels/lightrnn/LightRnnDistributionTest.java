package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.reference.LightRnnReference;

/**
 * The model as a distribution over the next word, by brute force over all V words: it sums to
 * 1, and {@link LightRnn#topK} returns its k largest entries (ranked as the reference ranks them,
 * near-ties aside) without moving the stream.
 */
class LightRnnDistributionTest {

    static Stream<Arguments> vocabularies() {
        return Stream.of(1, 2, 10, 99, 1000).flatMap(v -> Stream.of(
                Arguments.of(CellType.GRU, v, 1f), Arguments.of(CellType.LSTM, v, 6f)));
    }

    /** log P of every word as the next one, each from the same state (every layer's, restored after every word). */
    static float[] bruteForce(LightRnn model, LightRnnState state) {
        int layers = state.numLayers();
        float[][] h = new float[layers][];
        float[][] c = new float[layers][];
        for (int k = 0; k < layers; k++) {
            h[k] = state.layerState(k).hidden();
            c[k] = model.layer(k).cellType().hasCellState() ? state.layerState(k).cell() : null;
        }
        float[] all = new float[model.vocabularySize()];
        float[] one = new float[1];
        for (int w = 0; w < all.length; w++) {
            model.logProbabilities(new int[] {w}, state, one);
            all[w] = one[0];
            for (int k = 0; k < layers; k++) {
                LayerState layer = state.layerState(k);
                layer.setHidden(h[k]);
                if (c[k] != null) {
                    layer.setCell(c[k]);
                }
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} V={1} outputScale={2}")
    @MethodSource("vocabularies")
    void probabilitiesOfAllWordsSumToOne(CellType type, int vocabulary, float outputScale) {
        WordTable table = WordTable.sequential(vocabulary);
        LightRnnFixture f = new LightRnnFixture(type, table, 12, 20, 3L + vocabulary, 1f, outputScale);
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            int[] history = f.words(5, 11);
            for (int t = 0; t <= history.length; t++) {
                float[] all = bruteForce(model, state);
                double sum = 0;
                for (float logP : all) {
                    assertTrue(Float.isFinite(logP) && logP <= 0, f + ": log P = " + logP);
                    sum += Math.exp(logP);
                }
                // float softmaxes, each normalised to a few ulps
                assertEquals(1.0, sum, 1e-5, f + " after " + t + " words");
                if (t < history.length) {
                    model.logProbabilities(new int[] {history[t]}, state, new float[1]);
                }
            }
        }
    }

    @Test
    void emptyCellsAnywhereTakeNoProbability() {
        WordTable table = LightRnnFixture.shuffled(37, 8, 7, 5);     // 19 empty cells, some rows empty or partial
        LightRnnFixture f = new LightRnnFixture(CellType.GRU, table, 9, 17, 21, 1f, 3f);
        try (LightRnn model = f.model()) {
            double sum = 0;
            for (float logP : bruteForce(model, model.newState())) {
                sum += Math.exp(logP);
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    static Stream<Arguments> topKCases() {
        return Stream.of(
                Arguments.of(CellType.GRU, 1, 1f, 1), Arguments.of(CellType.GRU, 2, 1f, 2),
                Arguments.of(CellType.GRU, 10, 1f, 3), Arguments.of(CellType.LSTM, 99, 1f, 10),
                Arguments.of(CellType.GRU, 1000, 1f, 10), Arguments.of(CellType.LSTM, 1000, 8f, 10),
                Arguments.of(CellType.RAG_GRU, 1000, 8f, 25), Arguments.of(CellType.GRU, 99, 4f, 99));
    }

    @ParameterizedTest(name = "{0} V={1} outputScale={2} k={3}")
    @MethodSource("topKCases")
    void topKIsTheBruteForceRanking(CellType type, int vocabulary, float outputScale, int k) {
        LightRnnFixture f = new LightRnnFixture(type, WordTable.sequential(vocabulary), 14, 24, 17L * vocabulary + k, 1f, outputScale);
        LightRnnReference reference = f.reference();
        LightRnnReference.State referenceState = reference.newState();
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            int[] words = new int[k];
            float[] logProbs = new float[k];
            for (int word : f.words(6, 5)) {
                model.topK(state, k, words, logProbs);
                float[] all = bruteForce(model, state);
                assertExactTopK(all, k, words, logProbs, f.toString());
                assertMatchesReferenceRanking(reference, referenceState, k, words, logProbs, f.toString());

                model.logProbabilities(new int[] {word}, state, new float[1]);
                reference.next(referenceState, word);
            }
        }
    }

    // Against the kernel's own brute force: the same top k values (equal up to float rounding of
    // another batch size), and every word returned scores what the brute force gives it.
    static void assertExactTopK(float[] all, int k, int[] words, float[] logProbs, String what) {
        Integer[] order = IntStream.range(0, all.length).boxed()
                .sorted(Comparator.comparingDouble((Integer w) -> -all[w]).thenComparingInt(w -> w))
                .toArray(Integer[]::new);
        assertEquals(k, Arrays.stream(words, 0, k).distinct().count(), what + ": distinct words");
        for (int i = 0; i < k; i++) {
            assertEquals(all[order[i]], logProbs[i], 1e-5f, what + ": rank " + i + " value");
            assertEquals(all[words[i]], logProbs[i], 1e-5f, what + ": score of word " + words[i] + " at rank " + i);
            if (i > 0) {
                assertTrue(logProbs[i] <= logProbs[i - 1], what + ": not descending at " + i);
            }
        }
    }

    // Against the reference: rank i's word is the reference's rank i, unless the two are within
    // the tolerance of each other (a tie at float precision).
    static void assertMatchesReferenceRanking(LightRnnReference reference, LightRnnReference.State state, int k,
                                              int[] words, float[] logProbs, String what) {
        double[] all = new double[reference.vocabularySize()];
        for (int w = 0; w < all.length; w++) {
            all[w] = reference.logProbability(state, w);
        }
        Integer[] order = IntStream.range(0, all.length).boxed()
                .sorted(Comparator.comparingDouble((Integer w) -> -all[w]))
                .toArray(Integer[]::new);
        for (int i = 0; i < k; i++) {
            double tolerance = LightRnnVsReferenceTest.TOLERANCE * Math.max(1, Math.abs(all[order[i]]));
            assertEquals(all[order[i]], logProbs[i], tolerance, what + ": rank " + i + " vs reference");
            assertTrue(words[i] == order[i] || Math.abs(all[words[i]] - all[order[i]]) <= 2 * tolerance,
                    what + ": rank " + i + " is word " + words[i] + ", the reference says " + order[i]);
        }
    }

    /** Stacks: EGRU under LSTM (H = 1 on top), a restricted GRU under MI-GRU, three layers of H = 7, 1, 17. */
    static Stream<Arguments> stacks() {
        return Stream.of(
                Arguments.of(List.of(LightRnnLayer.Spec.of(CellType.EGRU, 17), LightRnnLayer.Spec.of(CellType.LSTM, 1)), 1f, 3),
                Arguments.of(List.of(LightRnnLayer.Spec.of(CellType.GRU, 7).restricted(0.5), LightRnnLayer.Spec.of(CellType.MI_GRU, 17)),
                        6f, 10),
                Arguments.of(List.of(LightRnnLayer.Spec.of(CellType.GRU, 7), LightRnnLayer.Spec.of(CellType.RNN_TANH, 1),
                        LightRnnLayer.Spec.of(CellType.LSTM, 17)), 8f, 25));
    }

    @ParameterizedTest(name = "{0} outputScale={1} k={2}")
    @MethodSource("stacks")
    void stacksSumToOneAndTopKIsTheBruteForceRanking(List<LightRnnLayer.Spec> stack, float outputScale, int k) {
        LightRnnFixture f = new LightRnnFixture(stack, WordTable.sequential(200), 11, 5L * k, outputScale);
        LightRnnReference reference = f.reference();
        LightRnnReference.State referenceState = reference.newState();
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            int[] words = new int[k];
            float[] logProbs = new float[k];
            for (int word : f.words(5, 6)) {
                float[] all = bruteForce(model, state);
                double sum = 0;
                for (float logP : all) {
                    assertTrue(Float.isFinite(logP) && logP <= 0, f + ": log P = " + logP);
                    sum += Math.exp(logP);
                }
                assertEquals(1.0, sum, 1e-5, f.toString());
                model.topK(state, k, words, logProbs);
                assertExactTopK(all, k, words, logProbs, f.toString());
                assertMatchesReferenceRanking(reference, referenceState, k, words, logProbs, f.toString());

                model.logProbabilities(new int[] {word}, state, new float[1]);
                reference.next(referenceState, word);
            }
        }
    }

    static Stream<LightRnnFixture> topKDoesNotAdvanceTheStream() {
        return Stream.of(new LightRnnFixture(CellType.LSTM, 200, 10, 16, 9),
                new LightRnnFixture(List.of(LightRnnLayer.Spec.of(CellType.LSTM, 16), LightRnnLayer.Spec.of(CellType.EGRU, 7),
                        LightRnnLayer.Spec.of(CellType.GRU, 9)), WordTable.sequential(200), 10, 9, 1f));
    }

    @ParameterizedTest
    @MethodSource
    void topKDoesNotAdvanceTheStream(LightRnnFixture f) {
        int[] words = f.words(40, 3);
        try (LightRnn model = f.model()) {
            LightRnnState plain = model.newState();
            LightRnnState probed = model.newState();
            float[] expected = new float[words.length];
            float[] actual = new float[words.length];
            float[] one = new float[1];
            int[] top = new int[7];
            float[] topLogP = new float[7];
            for (int t = 0; t < words.length; t++) {
                model.logProbabilities(new int[] {words[t]}, plain, one);
                expected[t] = one[0];
                model.topK(probed, 7, top, topLogP);
                model.logProbabilities(new int[] {words[t]}, probed, one);
                actual[t] = one[0];
            }
            assertArrayEquals(expected, actual);
            for (int k = 0; k < model.numLayers(); k++) {
                assertArrayEquals(plain.layerState(k).hidden(), probed.layerState(k).hidden());
                if (model.layer(k).cellType().hasCellState()) {
                    assertArrayEquals(plain.layerState(k).cell(), probed.layerState(k).cell());
                }
            }
        }
    }

    @Test
    void branchAndBoundVisitsLittleMoreThanTheRowsItMust() {
        // Rows a search must visit: those whose probability is above the k-th best word. From the
        // zero state every logit is 0 and all rows tie, so the count starts after one word. A
        // peaked model (as after training) needs few rows, a flat one most.
        assertTrue(averageRowsExamined(40f) < 8, "peaked model");
        assertTrue(averageRowsExamined(1f) > 8, "flat model");
    }

    // Rows examined by topK(k = 5) of a 30 x 30 table, on average over 10 words after the first;
    // never more than twice the rows that must be visited, plus one.
    private static double averageRowsExamined(float outputScale) {
        int side = 30;
        LightRnnFixture f = new LightRnnFixture(CellType.GRU, WordTable.sequential(side * side), 16, 32, 4, 1f, outputScale);
        LightRnnReference reference = f.reference();
        LightRnnReference.State referenceState = reference.newState();
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            int[] words = f.words(11, 8);
            model.logProbabilities(new int[] {words[0]}, state, new float[1]);
            reference.next(referenceState, words[0]);
            long total = 0;
            for (int t = 1; t < words.length; t++) {
                float[] logProbs = new float[5];
                model.topK(state, 5, new int[5], logProbs);
                int examined = state.rowsExaminedByLastTopK();
                int needed = 0;
                for (int r = 0; r < side; r++) {
                    double rowP = 0;
                    for (int c = 0; c < side; c++) {
                        rowP += Math.exp(reference.logProbability(referenceState, r * side + c));
                    }
                    needed += Math.log(rowP) > logProbs[4] + 1e-4 ? 1 : 0;
                }
                assertTrue(examined <= 2 * needed + 1, "outputScale " + outputScale + " word " + t + ": examined "
                        + examined + " rows where " + needed + " must be");
                total += examined;
                model.logProbabilities(new int[] {words[t]}, state, new float[1]);
                reference.next(referenceState, words[t]);
            }
            return total / (words.length - 1.0);
        }
    }
}
