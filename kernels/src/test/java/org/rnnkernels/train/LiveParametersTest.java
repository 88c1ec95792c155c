package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;

/**
 * Training changes the parameters in place: after {@link TrainingLayer#parametersChanged()} the layer
 * computes exactly what a layer built afresh from the changed values computes, and {@link
 * TrainingLayer#toLayer()} exports those values.
 */
class LiveParametersTest {
    static final int INPUT = 5, HIDDEN = 17, BATCH = 3, STEPS = 12;

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "LSTM", "GRU", "RAG_GRU", "MI_GRU"})
    void changedParametersAreUsedAfterRefresh(CellType type) {
        TrainFixture f = TrainingVsReferenceTest.fixture(type, INPUT, HIDDEN, BATCH, STEPS, 77);
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            ParameterGradients gradients = training.newGradients();
            List<Parameter> parameters = training.parameters(gradients);
            // Every parameter moves, as an optimiser step would move it.
            for (Parameter p : parameters) {
                float[] v = p.value();
                for (int i = 0; i < v.length; i++) {
                    v[i] += 0.01f * (float) Math.sin(3 * i + v.length);
                }
            }
            training.parametersChanged();
            float[] changed = new float[STEPS * BATCH * HIDDEN];
            training.forward(f.x, STEPS, f.state(training), changed);

            try (RecurrentLayer exported = training.toLayer()) {
                TrainingLayer fresh = TrainingLayer.of(exported);
                float[] expected = new float[changed.length];
                fresh.forward(f.x, STEPS, f.state(fresh), expected);
                assertArrayEquals(expected, changed, f + ": the refreshed layer differs from one built from its values");
                assertArrayEquals(parameters.get(1).value(), exported.weightHh(), "toLayer exports weight_hh");
            }
        }
    }

    @Test
    void namesFollowPyTorchAndPairWithTheGradients() {
        TrainFixture f = TrainingVsReferenceTest.fixture(CellType.MI_LSTM, INPUT, HIDDEN, BATCH, STEPS, 5);
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.of(layer);
            ParameterGradients gradients = training.newGradients();
            List<Parameter> parameters = training.parameters(gradients);
            assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh", "mi_alpha", "mi_beta1", "mi_beta2"),
                    parameters.stream().map(Parameter::name).toList());
            assertEquals(gradients.weightHh(), parameters.get(1).gradient(), "the gradient array is the live one");
            assertThrows(IllegalArgumentException.class, () -> training.parameters(null));
            try (RecurrentLayer gru = TrainingVsReferenceTest.fixture(CellType.GRU, INPUT, HIDDEN, BATCH, STEPS, 5).layer()) {
                ParameterGradients foreign = TrainingLayer.of(gru).newGradients();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> training.parameters(foreign));
                assertTrue(e.getMessage().contains("expected MI_LSTM"), e.getMessage());
            }
        }
    }
}
