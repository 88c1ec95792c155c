package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
        chunksEqualOneCall(List.of(LightRnnLayer.Spec.of(type, 21).scaled(recurrentScale)), which);
    }

    /**
     * Stacks: every layer's state carries from chunk to chunk (the layers above the first run their own
     * forward). EGRU with the Java BLAS only: a float rounding apart (OpenBLAS) may flip a unit that sits
     * on its threshold, and the two runs would then differ by far more than rounding.
     */
    @ParameterizedTest(name = "stack with {0}, {1} BLAS")
    @CsvSource({"MI_GRU, java", "MI_GRU, default", "EGRU, java"})
    void stackChunksEqualOneCall(CellType middle, String which) {
        chunksEqualOneCall(List.of(LightRnnLayer.Spec.of(CellType.LSTM, 21), LightRnnLayer.Spec.of(middle, 9),
                LightRnnLayer.Spec.of(CellType.GRU, 17).restricted(0.5)), which);
    }

    private static void chunksEqualOneCall(List<LightRnnLayer.Spec> stack, String which) {
        Blas blas = which.equals("java") ? Blases.java() : Blases.get();
        boolean exact = which.equals("java") || blas.info().implementation().startsWith("java");
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
