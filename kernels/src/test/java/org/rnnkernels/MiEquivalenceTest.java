package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnnkernels.train.TorchInit;

/** CELLS.md: with alpha = 0, beta1 = beta2 = 1 each MI cell equals its plain cell exactly. */
class MiEquivalenceTest {

    @ParameterizedTest
    @CsvSource({"MI_RNN, RNN_TANH", "MI_LSTM, LSTM", "MI_GRU, GRU"})
    void neutralParametersGiveThePlainCellBitForBit(CellType mi, CellType plain) {
        for (int hidden : new int[] {1, 17, 64}) {
            CellFixture f = new CellFixture(plain, 9, hidden, 3, 60, hidden);
            Fixtures.Weights w = f.weights;
            int rows = plain.gates() * hidden;
            float[] ones = new float[rows];
            Arrays.fill(ones, 1f);
            MiParameters neutral = new MiParameters(new float[rows], ones, ones.clone());
            float[] expected = new float[60 * 3 * hidden];
            float[] actual = new float[expected.length];
            try (RecurrentLayer p = f.layer();
                 RecurrentLayer m = RecurrentLayer.create(LayerWeights.of(mi, 9, hidden)
                         .inputWeights(w.weightIh())
                         .recurrentWeights(w.weightHh())
                         .biases(w.biasIh(), w.biasHh())
                         .mi(neutral)
                         .build(), org.rnnkernels.blas.Blases.get())) {
                p.forward(f.x, 60, f.initialState(p), expected);
                LayerState state = m.newState(3).setHidden(f.h0);
                if (f.c0 != null) {
                    state.setCell(f.c0);
                }
                m.forward(f.x, 60, state, actual);
            }
            assertArrayEquals(expected, actual, mi + " H=" + hidden);
        }
    }

    @Test
    void parametersAreCheckedAgainstTheCell() {
        CellFixture f = new CellFixture(CellType.GRU, 4, 5, 1, 1, 1L);
        Fixtures.Weights w = f.weights;
        assertThrows(IllegalArgumentException.class,
                () -> RecurrentLayer.create(LayerWeights.of(CellType.MI_GRU, 4, 5)
                        .inputWeights(w.weightIh())
                        .recurrentWeights(w.weightHh())
                        .biases(w.biasIh(), w.biasHh())
                        .build()));
        MiParameters wrong = MiParameters.initial(14);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecurrentLayer.create(LayerWeights.of(CellType.MI_GRU, 4, 5)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .mi(wrong)
                .build(), org.rnnkernels.blas.Blases.get()));
        assertArrayEquals(new boolean[] {true}, new boolean[] {e.getMessage().contains("mi.alpha")}, e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RecurrentLayer.create(LayerWeights.of(CellType.GRU, 4, 5)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .mi(MiParameters.initial(15))
                .build(), org.rnnkernels.blas.Blases.get()));
    }
}
