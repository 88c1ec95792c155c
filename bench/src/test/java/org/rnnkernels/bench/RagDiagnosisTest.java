package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.train.Tasks;
import org.rnnkernels.train.TorchInit;

/**
 * The diagnosis's double recomputation of the gates reproduces the kernel's states (so its saturation
 * fractions describe the cell the library runs), on weights large enough to reach every kink.
 */
class RagDiagnosisTest {

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"RAG_MINIMAL", "RAG_GRU", "GRU"})
    void recomputedGatesReproduceTheKernelStates(CellType type) {
        RagDiagnosis d = new RagDiagnosis();
        d.cell = type;
        d.hidden = 8;
        d.steps = 12;
        d.probeSize = 3;
        d.layout();
        int rows = type.gates() * d.hidden;
        SplittableRandom random = new SplittableRandom(42);
        float[] wIh = TorchInit.uniform(random, rows * Tasks.Adding.INPUT_SIZE, 1.5);
        float[] wHh = TorchInit.uniform(random, rows * d.hidden, 0.8);
        float[] bIh = TorchInit.uniform(random, rows, 0.5);
        float[] bHh = TorchInit.uniform(random, rows, 0.5);
        float[] x = new float[d.steps * d.probeSize * Tasks.Adding.INPUT_SIZE];
        Tasks.adding(d.steps, 7).next(d.probeSize, x, new float[d.probeSize]);
        float[] out = new float[d.steps * d.probeSize * d.hidden];
        try (RecurrentLayer layer = RecurrentLayer.create(LayerWeights.of(type, Tasks.Adding.INPUT_SIZE, d.hidden)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .build(), Blases.get()); LayerState state = layer.newState(d.probeSize)) {
            layer.forward(x, d.steps, state, out);
        }
        RagDiagnosis.Stats s = d.gateStats(wIh, wHh, bIh, bHh, x, out);
        assertTrue(s.check() < 1e-5, "max |recomputed h - kernel h| = " + s.check());
        assertTrue(s.azPositive() > 0 && s.azPositive() < 1, "a_z > 0 on " + s.azPositive());
        if (type != CellType.GRU) {
            // these weights reach both sides of the kinks: the fractions are neither 0 nor 1
            assertTrue(s.phSaturated() > 0 && s.phSaturated() < 1, "|p_h| >= 1 on " + s.phSaturated());
            assertTrue(s.carry() > 0 && s.carry() < 1, "carry " + s.carry());
        }
    }
}
