package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;

/**
 * Streaming gives the sequence call's result, step by step and in chunks of any size: bit for bit
 * with the Java BLAS (row-invariant by construction), within float rounding with OpenBLAS (whose
 * edge kernels sum the last rows of a product in another order; see RecurrentLayer.projectInputs).
 */
class StreamingTest {

    static Stream<Arguments> cases() {
        return Stream.of(CellType.values()).flatMap(type -> Stream.of(
                Arguments.of(type, "java"), Arguments.of(type, "default")));
    }

    private static Blas blas(String which) {
        return which.equals("java") ? Blases.java() : Blases.get();
    }

    private static boolean exact(String which) {
        return which.equals("java") || Blases.get().info().implementation().startsWith("java");
    }

    private static void assertSame(boolean exact, float[] expected, float[] actual, String what) {
        if (exact) {
            assertArrayEquals(expected, actual, what);
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            // a few ulps of the state's scale (states are O(1)); a real bug shows as 1e-3 or more
            assertTrue(Math.abs(e - a) <= 1e-6f * Math.max(1f, Math.abs(e)), what + " at " + i + ": " + e + " vs " + a);
        }
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
        boolean exact = exact(which);
        for (int batch : new int[] {1, 3, 6}) {
            CellFixture f = fixture(type, 11, 19, batch, 50, 5L + batch);
            try (RecurrentLayer layer = f.layer(blas(which))) {
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
                assertSame(exact, whole, streamed, f + ": step-by-step outputs");
                assertSame(exact, sequenceState.hidden(), streamState.hidden(), f + ": final h");
                if (type.hasCellState()) {
                    assertSame(exact, sequenceState.cell(), streamState.cell(), f + ": final c");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} BLAS")
    @MethodSource("cases")
    void chunksOfAnySizeEqualSequenceCall(CellType type, String which) {
        boolean exact = exact(which);
        int batch = 2;
        CellFixture f = fixture(type, 6, 23, batch, 61, 99L);
        try (RecurrentLayer layer = f.layer(blas(which))) {
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
            assertSame(exact, whole, chunked, f + ": chunked outputs");
        }
    }
}
