package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rnnkernels.CellType;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;

/**
 * Scoring a sequence in chunks of any size (word by word included) gives the one-call result: bit
 * for bit with the Java BLAS, which computes every element of a product the same way whatever the
 * call's shape; with OpenBLAS, which promises no such thing, to float rounding (it has agreed bit
 * for bit here too, since every product is one sgemv of the same shape wherever the word falls).
 */
class LightRnnStreamingTest {

    @ParameterizedTest(name = "{0} {1} BLAS")
    @CsvSource({"GRU, java", "GRU, default", "LSTM, java", "LSTM, default", "RAG_MINIMAL, java"})
    void chunksEqualOneCall(CellType type, String which) {
        float recurrentScale = type == CellType.RAG_MINIMAL ? LightRnnVsReferenceTest.RAG_RECURRENT_SCALE : 1f;
        chunksEqualOneCall(List.of(LightRnnLayer.Spec.of(type, 21).scaled(recurrentScale)), which, true);
    }

    /**
     * Stacks: every layer's state carries from chunk to chunk (the layers above the first run their own
     * forward). To float rounding with either BLAS: with the Java BLAS, about one run in four of a
     * three-layer stack differed from the one call in the last bit of a word (not traced; the same
     * test in another run of the same JVM build agreed, which points at code compiled at different
     * moments, e.g. a Vector API sum whose order the API leaves open). No EGRU here for the same reason:
     * a last-bit difference may flip a unit that sits on its threshold.
     */
    @ParameterizedTest(name = "stack, {0} BLAS")
    @ValueSource(strings = {"java", "default"})
    void stackChunksEqualOneCall(String which) {
        chunksEqualOneCall(List.of(LightRnnLayer.Spec.of(CellType.LSTM, 21), LightRnnLayer.Spec.of(CellType.MI_GRU, 9),
                LightRnnLayer.Spec.of(CellType.GRU, 17).restricted(0.5)), which, false);
    }

    // exactIfJava: bit for bit when the BLAS is the Java one, else to float rounding
    private static void chunksEqualOneCall(List<LightRnnLayer.Spec> stack, String which, boolean exactIfJava) {
        Blas blas = which.equals("java") ? Blases.java() : Blases.get();
        boolean exact = exactIfJava && (which.equals("java") || blas.info().implementation().startsWith("java"));
        LightRnnFixture f = new LightRnnFixture(stack, WordTable.sequential(150), 13, 77, 3f);
        int[] words = f.words(200, 6);   // one call: chunks of 64, 64, 64, 8
        try (LightRnn model = f.model(blas)) {
            float[] whole = new float[words.length];
            LightRnnState wholeState = model.newState();
            model.logProbabilities(words, wholeState, whole);

            float[] chunked = new float[words.length];
            LightRnnState state = model.newState();
            int[] sizes = {1, 1, 3, 0, 70, 5, 64, 2, 31, 23};    // sums to 200
            int t = 0;
            for (int size : sizes) {
                int[] part = new int[size];
                System.arraycopy(words, t, part, 0, size);
                float[] out = new float[size];
                model.logProbabilities(part, state, out);
                System.arraycopy(out, 0, chunked, t, size);
                t += size;
            }
            assertSame(exact, whole, chunked, f + " log P");
            for (int k = 0; k < stack.size(); k++) {
                assertSame(exact, wholeState.layerState(k).hidden(), state.layerState(k).hidden(), f + " final h of layer " + k);
            }
        }
    }

    static void assertSame(boolean exact, float[] expected, float[] actual, String what) {
        if (exact) {
            assertArrayEquals(expected, actual, what);
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            // a few ulps of O(1)..O(10) values; a real difference (another state) is 1e-3 or more
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5f * Math.max(1f, Math.abs(expected[i])),
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
