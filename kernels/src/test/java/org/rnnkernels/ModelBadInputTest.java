package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.train.TorchInit;

/** A model refuses bad input before it touches any state. */
class ModelBadInputTest {
    private final SplittableRandom random = new SplittableRandom(8);

    private RecurrentLayer layer(CellType type, int in, int hidden) {
        int rows = type.gates() * hidden;
        return RecurrentLayer.create(LayerWeights.of(type, in, hidden)
                .inputWeights(TorchInit.uniform(random, rows * in, 0.3f))
                .recurrentWeights(TorchInit.uniform(random, rows * hidden, 0.3f))
                .build());
    }

    @Test
    void layersThatDoNotFitAreRefused() {
        RecurrentLayer gru = layer(CellType.GRU, 4, 5);
        RecurrentLayer rag = layer(CellType.RAG_GRU, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecurrentModel.of(true, List.of(gru, rag)));
        assertTrue(e.getMessage().contains("one cell type"), e.getMessage());
        RecurrentLayer next = layer(CellType.GRU, 7, 5);
        e = assertThrows(IllegalArgumentException.class, () -> RecurrentModel.of(false, List.of(gru, next)));
        assertTrue(e.getMessage().contains("expected 1 * H of layer 0 = 5"), e.getMessage());
        gru.close();
        rag.close();
        next.close();
    }

    @Test
    void badCallsLeaveTheStateAlone() {
        try (RecurrentModel model = RecurrentModel.of(false, List.of(layer(CellType.LSTM, 3, 4), layer(CellType.LSTM, 4, 4)));
             ModelState state = model.newState(2)) {
            state.setHidden(TorchInit.uniform(random, 2 * 2 * 4, 1f));
            float[] before = state.hidden();
            float[] out = new float[5 * 2 * 4];
            assertThrows(IllegalArgumentException.class, () -> model.forward(new float[5 * 2 * 3 - 1], 5, null, state, out));
            assertThrows(IllegalArgumentException.class, () -> model.forward(new float[5 * 2 * 3], 5, new int[] {5, 6}, state, out));
            assertThrows(IllegalArgumentException.class, () -> model.forward(new float[5 * 2 * 3], 5, new int[] {5}, state, out));
            assertThrows(IllegalArgumentException.class, () -> state.layer(2, 0));
            assertThrows(IllegalArgumentException.class, () -> state.setCell(new float[3]));
            assertArrayEquals(before, state.hidden());
        }
    }

    @Test
    void aClosedModelRefusesWork() {
        RecurrentModel model = RecurrentModel.of(false, List.of(layer(CellType.GRU, 3, 4)));
        ModelState state = model.newState(1, 2);
        model.close();
        assertThrows(IllegalStateException.class, () -> model.forward(new float[3], 1, null, state, new float[4]));
        state.close();
    }
}
