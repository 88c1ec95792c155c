package org.rnnkernels;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Streaming gives the sequence call's result, step by step and in chunks of any size ({@link SameResult}). */
class StreamingTest {

    static Stream<Arguments> cases() {
        return Stream.of(CellType.values()).flatMap(type -> Stream.of(
                Arguments.of(type, "java"), Arguments.of(type, "default")));
    }

    // RAG in its chaotic regime would amplify OpenBLAS's last-bit differences past any fixed bound;
    // run it where its dynamics contract, as KernelVsReferenceTest does.
    private static CellFixture fixture(CellType type, int input, int hidden, int batch, int steps, long seed) {
        float scale = KernelVsReferenceTest.isRag(type) ? KernelVsReferenceTest.RAG_CONTRACTIVE_SCALE : 1f;
        return new CellFixture(type, input, hidden, batch, steps, seed, scale);
    }

    @ParameterizedTest(name = "{0} {1} BLAS")
    @MethodSource("cases")
    void stepByStepEqualsSequenceCall(CellType type, String which) {
        for (int batch : new int[] {1, 3, 6}) {
            boolean exact = SameResult.exact(which, batch);
            CellFixture f = fixture(type, 11, 19, batch, 50, 5L + batch);
            try (RecurrentLayer layer = f.layer(SameResult.blas(which))) {
                float[] whole = new float[f.steps * batch * f.hidden];
                LayerState sequenceState = f.initialState(layer);
                layer.forward(f.x, f.steps, sequenceState, whole);

                LayerState streamState = f.initialState(layer);
                float[] x = new float[batch * f.input];
                float[] h = new float[batch * f.hidden];
                float[] streamed = new float[whole.length];
                for (int t = 0; t < f.steps; t++) {
                    System.arraycopy(f.x, t * x.length, x, 0, x.length);
                    layer.step(x, streamState, h);
                    System.arraycopy(h, 0, streamed, t * h.length, h.length);
                }
                SameResult.assertSame(exact, whole, streamed, f + ": step-by-step outputs");
                SameResult.assertSame(exact, sequenceState.hidden(), streamState.hidden(), f + ": final h");
                if (type.hasCellState()) {
                    SameResult.assertSame(exact, sequenceState.cell(), streamState.cell(), f + ": final c");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} BLAS")
    @MethodSource("cases")
    void chunksOfAnySizeEqualSequenceCall(CellType type, String which) {
        int batch = 2;
        boolean exact = SameResult.exact(which, batch);
        CellFixture f = fixture(type, 6, 23, batch, 61, 99L);
        try (RecurrentLayer layer = f.layer(SameResult.blas(which))) {
            float[] whole = new float[f.steps * batch * f.hidden];
            layer.forward(f.x, f.steps, f.initialState(layer), whole);

            LayerState state = f.initialState(layer);
            float[] chunked = new float[whole.length];
            int[] chunkSizes = {1, 7, 2, 30, 0, 21};   // sums to 61
            int t = 0;
            for (int size : chunkSizes) {
                float[] x = new float[size * batch * f.input];
                float[] out = new float[size * batch * f.hidden];
                System.arraycopy(f.x, t * batch * f.input, x, 0, x.length);
                layer.forward(x, size, state, out);
                System.arraycopy(out, 0, chunked, t * batch * f.hidden, out.length);
                t += size;
            }
            SameResult.assertSame(exact, whole, chunked, f + ": chunked outputs");
        }
    }
}
