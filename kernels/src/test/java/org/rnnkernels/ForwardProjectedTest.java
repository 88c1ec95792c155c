package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.train.TorchInit;

/** {@link RecurrentLayer#forwardProjected} with {@code W_ih x} made by the caller is {@link RecurrentLayer#forward}. */
class ForwardProjectedTest {

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"GRU", "LSTM", "MI_GRU", "RAG_MINIMAL"})
    void equalsForwardOnTheSameInputs(CellType type) {
        // The Java BLAS computes a row of a product the same way whatever the call: bit for bit.
        Blas blas = Blases.java();
        CellFixture f = new CellFixture(type, 7, 19, 3, 9, 41);
        int width = type.gates() * f.hidden;
        float[] projected = new float[f.steps * f.batch * width];
        blas.sgemm(Transpose.NO, Transpose.YES, f.steps * f.batch, width, f.input, 1f, f.x, 0, f.input,
                f.weights.weightIh(), 0, f.input, 0f, projected, 0, width);
        try (RecurrentLayer layer = f.layer(blas)) {
            float[] expected = new float[f.steps * f.batch * f.hidden];
            LayerState expectedState = f.initialState(layer);
            layer.forward(f.x, f.steps, expectedState, expected);
            float[] actual = new float[expected.length];
            LayerState state = f.initialState(layer);
            layer.forwardProjected(projected, f.steps, state, actual);
            assertArrayEquals(expected, actual, f.toString());
            assertArrayEquals(expectedState.hidden(), state.hidden());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> layer.forwardProjected(new float[f.steps * f.batch * f.input], f.steps, state, actual));
            assertTrue(e.getMessage().contains("projected has " + f.steps * f.batch * f.input + " floats, expected [T=9][B=3][G*H="
                    + width + "]"), e.getMessage());
            assertArrayEquals(expectedState.hidden(), state.hidden(), "state changed by a refused call");
        }
    }

    /** A restricted layer given its projection from outside: its recurrent scratch must exist all the same. */
    @org.junit.jupiter.api.Test
    void restrictedLayerOnAFreshState() {
        Blas blas = Blases.java();
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        int in = 6, hidden = 9, batch = 2, steps = 5;
        int poolRows = RestrictedWeights.poolRows(CellType.GRU, hidden, 0.5);
        RestrictedWeights weights = RestrictedWeights.of(CellType.GRU, in, hidden, 0.5,
                TorchInit.uniform(random, poolRows * Math.max(in, hidden), 0.3f), TorchInit.uniform(random, poolRows, 0.3f));
        float[] x = TorchInit.uniform(random, steps * batch * in, 1f);
        int width = 3 * hidden;
        float[] projected = new float[steps * batch * width];
        blas.sgemm(Transpose.NO, Transpose.YES, steps * batch, width, in, 1f, x, 0, in, weights.weightIh(), 0, in,
                0f, projected, 0, width);
        try (RecurrentLayer layer = RecurrentLayer.createRestricted(weights, blas)) {
            float[] expected = new float[steps * batch * hidden];
            layer.forward(x, steps, layer.newState(batch), expected);
            float[] actual = new float[expected.length];
            layer.forwardProjected(projected, steps, layer.newState(batch), actual);
            // The dense W_ih x in one sum against the compact one spread: equal to float rounding.
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5, "output " + i);
            }
        }
    }
}
