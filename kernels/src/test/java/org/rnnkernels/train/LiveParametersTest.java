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
    void refreshingAfterAnUpdateAllocatesNothing() {
        for (CellType type : new CellType[] {CellType.LSTM, CellType.GRU}) {
            TrainFixture f = TrainingVsReferenceTest.fixture(type, INPUT, 64, BATCH, STEPS, 3);
            try (RecurrentLayer layer = f.layer()) {
                TrainingLayer training = TrainingLayer.of(layer);
                training.parametersChanged();
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10; i++) {
                    training.parametersChanged();
                }
                long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 10;
                // W_hh is 4 * 64 * 64 floats = 64 KiB (LSTM): a transpose or a new packing would allocate that.
                assertTrue(perCall < 1024, type + ": parametersChanged allocated " + perCall + " bytes a call");
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

    /**
     * EGRU: every parameter including the thresholds moves; after the refresh the layer is the one built
     * from the moved values, and toLayer exports them (with the thresholds). A threshold pushed to or below
     * 0 is raised to {@link TrainingLayer#MIN_THRESHOLD}; a NaN one is refused before anything changes.
     */
    @Test
    void egruThresholdsAreAParameter() {
        TrainFixture f = TrainFixture.egru(INPUT, HIDDEN, BATCH, STEPS, 78, 0.7, 1);
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = f.training(layer);
            ParameterGradients gradients = training.newGradients();
            List<Parameter> parameters = training.parameters(gradients);
            assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh", "egru_theta"),
                    parameters.stream().map(Parameter::name).toList());
            assertEquals(gradients.theta(), parameters.get(4).gradient(), "the live dtheta");
            float[] before = new float[STEPS * BATCH * HIDDEN];
            training.forward(f.x, STEPS, f.state(training), before);
            move(parameters);
            float[] theta = parameters.get(4).value();
            theta[3] = -0.2f;
            theta[5] = 0f;
            training.parametersChanged();
            assertEquals(TrainingLayer.MIN_THRESHOLD, theta[3]);
            assertEquals(TrainingLayer.MIN_THRESHOLD, theta[5]);
            float[] changed = sameAsExported(training, f);
            assertTrue(!java.util.Arrays.equals(before, changed), "the moved parameters change the outputs");
            try (RecurrentLayer exported = training.toLayer()) {
                assertArrayEquals(theta, exported.thresholds(), "toLayer exports the thresholds");
                assertArrayEquals(parameters.get(1).value(), exported.weightHh());
            }
            float kept = theta[7];
            theta[2] = Float.NaN;
            theta[3] = -1f;
            IllegalStateException e = assertThrows(IllegalStateException.class, training::parametersChanged);
            assertTrue(e.getMessage().contains("egru_theta[2]"), e.getMessage());
            assertEquals(-1f, theta[3], "nothing is clamped when the refresh is refused");
            assertEquals(kept, theta[7]);
        }
    }

    /**
     * A restricted layer's parameters are its pool and bias pool: moved in place, the refresh expands them
     * into the dense matrices (the refreshed layer is the one built from the moved pool), and toLayer exports
     * a restricted layer with that pool.
     */
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RNN_TANH", "GRU", "LSTM"})
    void restrictedPoolIsTheParameter(CellType type) {
        for (double rate : new double[] {0, 0.5, 1}) {
            TrainFixture f = TrainFixture.restricted(type, INPUT, HIDDEN, BATCH, STEPS, 79, rate);
            try (RecurrentLayer layer = f.layer()) {
                TrainingLayer training = f.training(layer);
                ParameterGradients gradients = training.newGradients();
                List<Parameter> parameters = training.parameters(gradients);
                assertEquals(List.of("pool", "bias_pool"), parameters.stream().map(Parameter::name).toList());
                assertEquals(gradients.pool(), parameters.get(0).gradient());
                assertEquals(gradients.biasPool(), parameters.get(1).gradient());
                float[] before = new float[STEPS * BATCH * HIDDEN];
                training.forward(f.x, STEPS, f.state(training), before);
                move(parameters);
                training.parametersChanged();
                float[] changed = sameAsExported(training, f);
                assertTrue(!java.util.Arrays.equals(before, changed), "the moved pool changes the outputs");
                try (RecurrentLayer exported = training.toLayer()) {
                    assertTrue(exported.restrictedWeights() != null, "toLayer exports a restricted layer");
                    assertArrayEquals(parameters.get(0).value(), exported.restrictedWeights().pool());
                    assertArrayEquals(parameters.get(1).value(), exported.restrictedWeights().biasPool());
                    assertEquals(rate, exported.restrictedWeights().rate());
                }
            }
        }
    }

    // Every parameter moves, as an optimiser step would move it.
    private static void move(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] += 0.01f * (float) Math.sin(3 * i + v.length);
            }
        }
    }

    // The refreshed layer's outputs, asserted equal to those of a training layer built from its export
    private static float[] sameAsExported(TrainingLayer training, TrainFixture f) {
        float[] changed = new float[STEPS * BATCH * HIDDEN];
        training.forward(f.x, STEPS, f.state(training), changed);
        try (RecurrentLayer exported = training.toLayer()) {
            TrainingLayer fresh = f.training(exported);
            float[] expected = new float[changed.length];
            fresh.forward(f.x, STEPS, f.state(fresh), expected);
            assertArrayEquals(expected, changed, f + ": the refreshed layer differs from one built from its values");
        }
        return changed;
    }
}
