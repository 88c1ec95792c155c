package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;

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
                f.wIh, 0, f.input, 0f, projected, 0, width);
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
}
