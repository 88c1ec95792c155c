package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.train.TorchInit;

/** The library's own files keep every cell type (RAG included) and give back the same model, bit for bit. */
class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void saveThenLoadRunsIdentically() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        CellType[] cells = {CellType.RAG_LSTM, CellType.MI_LSTM, CellType.EGRU};   // mixed cells, RAG, MI and EGRU included
        List<RecurrentLayer> layers = new ArrayList<>();
        int[] inputs = {5, 14, 14};
        for (int k = 0; k < 3; k++) {
            for (int d = 0; d < 2; d++) {
                int rows = cells[k].gates() * 7;
                boolean biases = k == 0;
                org.rnnkernels.MiParameters mi = cells[k].multiplicative()
                        ? new org.rnnkernels.MiParameters(TorchInit.uniform(random, rows, 0.4),
                                TorchInit.uniform(random, rows, 0.4), TorchInit.uniform(random, rows, 0.4)) : null;
                float[] wIh = TorchInit.uniform(random, rows * inputs[k], 0.4);
                float[] wHh = TorchInit.uniform(random, rows * 7, 0.4);
                float[] bIh = biases ? TorchInit.uniform(random, rows, 0.4) : null;
                float[] bHh = biases ? TorchInit.uniform(random, rows, 0.4) : null;
                layers.add(cells[k].eventBased()
                        ? RecurrentLayer.create(LayerWeights.of(CellType.EGRU, inputs[k], 7)
                                .inputWeights(wIh)
                                .recurrentWeights(wHh)
                                .biases(bIh, bHh)
                                .thresholds(new float[] {0.1f, 0.2f, 0.05f, 0.3f, 0.1f, 0.4f, 0.2f})
                                .build())
                        : RecurrentLayer.create(LayerWeights.of(cells[k], inputs[k], 7)
                                .inputWeights(wIh)
                                .recurrentWeights(wHh)
                                .biases(bIh, bHh)
                                .mi(mi)
                                .build(), org.rnnkernels.blas.Blases.get()));
            }
        }
        Path file = dir.resolve("model.safetensors");
        float[] input = TorchInit.uniform(random, 6 * 2 * 5, 0.4);
        try (RecurrentModel original = RecurrentModel.of(true, layers)) {
            ModelFiles.save(original, file);
            try (RecurrentModel loaded = ModelFiles.load(file)) {
                assertEquals(CellType.RAG_LSTM, loaded.layer(0, 1).cellType());
                assertEquals(CellType.MI_LSTM, loaded.layer(1, 0).cellType());
                assertEquals(CellType.EGRU, loaded.layer(2, 1).cellType());
                assertArrayEquals(original.layer(2, 1).thresholds(), loaded.layer(2, 1).thresholds());
                assertArrayEquals(run(original, input), run(loaded, input));
            }
        }
    }

    @Test
    void refusesAPyTorchStateDict() throws Exception {
        Path file = dir.resolve("torch.safetensors");
        SafeTensors.write(file, Map.of("weight_ih_l0", new Tensor(new long[] {3, 2}, new float[6])), Map.of());
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(file));
        assertEquals(true, e.getMessage().contains("TorchRnn"), e.getMessage());
    }

    private static float[] run(RecurrentModel model, float[] input) {
        try (ModelState state = model.newState(2)) {
            float[] out = new float[6 * 2 * model.outputSize()];
            model.forward(input, 6, new int[] {6, 3}, state, out);
            return out;
        }
    }

}
