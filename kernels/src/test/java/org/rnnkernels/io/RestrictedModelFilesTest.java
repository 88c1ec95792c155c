package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.train.TorchInit;

/** Restricted layers go to model files as their pool and rate (not dense matrices) and come back bit for bit. */
class RestrictedModelFilesTest {
    @TempDir
    Path dir;

    // Layer 0: restricted GRU r = 0.5, biases, both directions; layer 1: restricted LSTM r = 1/3 (no biases) forward,
    // a dense LSTM in reverse.
    private RecurrentModel model() {
        SplittableRandom random = new SplittableRandom(9);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            layers.add(RecurrentLayer.createRestricted(pool(random, CellType.GRU, 5, 7, 0.5, true)));
        }
        layers.add(RecurrentLayer.createRestricted(pool(random, CellType.LSTM, 14, 7, 1.0 / 3, false)));
        RestrictedWeights dense = pool(random, CellType.LSTM, 14, 7, 0.75, true);
        layers.add(RecurrentLayer.create(LayerWeights.of(CellType.LSTM, 14, 7)
                .inputWeights(dense.weightIh())
                .recurrentWeights(dense.weightHh())
                .biases(dense.biasIh(), dense.biasHh())
                .build()));
        return RecurrentModel.of(true, layers);
    }

    private static RestrictedWeights pool(SplittableRandom random, CellType type, int in, int hidden, double rate, boolean biases) {
        int rows = RestrictedWeights.poolRows(type, hidden, rate);
        return RestrictedWeights.of(type, in, hidden, rate, TorchInit.uniform(random, rows * Math.max(in, hidden), 0.4),
                biases ? TorchInit.uniform(random, rows, 0.4) : null);
    }

    /**
     * {@code s} is stored: a layer of any rounding comes back with its own {@code s}; a file written before
     * {@code s} was stored (no {@code restricted_shared_rows}) loads with the rounding it was written with,
     * half up on {@code r*H}: at H = 5, r = 0.5 that is 3 shared rows where the current rule shares 2.
     */
    @Test
    void theSharedRowsAreStoredAndOldFilesKeepTheirRounding() throws Exception {
        SplittableRandom random = new SplittableRandom(4);
        int hidden = 5, in = 3;
        assertEquals(2, RestrictedWeights.sharedRows(0.5, hidden));
        int legacyRows = RestrictedWeights.poolRowsFor(CellType.GRU, hidden, 3);
        RestrictedWeights legacy = RestrictedWeights.of(CellType.GRU, in, hidden, 0.5, 3,
                TorchInit.uniform(random, legacyRows * hidden, 0.4), TorchInit.uniform(random, legacyRows, 0.4));
        Path file = dir.resolve("legacy.safetensors");
        float[] input = TorchInit.uniform(random, 4 * in, 1);
        float[] expected = new float[4 * hidden];
        try (RecurrentModel model = RecurrentModel.of(false, List.of(RecurrentLayer.createRestricted(legacy)));
             ModelState state = model.newState(1)) {
            model.forward(input, 4, null, state, expected);
            ModelFiles.save(model, file);
        }
        TensorFile stored = SafeTensors.read(file);
        assertEquals("3", stored.metadata().get("restricted_shared_rows_l0"));
        try (RecurrentModel loaded = ModelFiles.load(file)) {
            assertEquals(3, loaded.layer(0, 0).restrictedWeights().sharedRows());
        }
        // The same file as the earlier version wrote it: no restricted_shared_rows.
        Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
        metadata.remove("restricted_shared_rows_l0");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : stored.names()) {
            tensors.put(name, stored.get(name));
        }
        Path old = dir.resolve("old.safetensors");
        SafeTensors.write(old, tensors, metadata);
        try (RecurrentModel loaded = ModelFiles.load(old); ModelState state = loaded.newState(1)) {
            assertEquals(3, loaded.layer(0, 0).restrictedWeights().sharedRows(), "half up on r*H, as written");
            float[] again = new float[expected.length];
            loaded.forward(input, 4, null, state, again);
            assertArrayEquals(expected, again);
        }
        metadata.put("restricted_shared_rows_l0", "6");
        Path bad = dir.resolve("bad.safetensors");
        SafeTensors.write(bad, tensors, metadata);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertTrue(e.getMessage().contains("restricted_shared_rows_l0 = 6, expected 0..5"), e.getMessage());
    }

    @Test
    void saveThenLoadKeepsThePoolsAndRunsIdentically() throws Exception {
        Path file = dir.resolve("restricted.safetensors");
        float[] input = TorchInit.uniform(new SplittableRandom(10), 6 * 2 * 5, 0.4);
        try (RecurrentModel original = model()) {
            ModelFiles.save(original, file);
            TensorFile stored = SafeTensors.read(file);
            assertFalse(stored.contains("weight_ih_l0"), "a restricted layer is stored as its pool");
            assertArrayEquals(new long[] {4 + 2 * 3 * 3, 7}, stored.get("restricted_pool_l0_reverse").shape());
            assertFalse(stored.contains("restricted_bias_pool_l1"));
            assertTrue(stored.contains("weight_ih_l1_reverse"), "the dense layer stays dense");
            try (RecurrentModel loaded = ModelFiles.load(file)) {
                for (int k = 0; k < 2; k++) {
                    for (int d = 0; d < 2; d++) {
                        RestrictedWeights a = original.layer(k, d).restrictedWeights();
                        RestrictedWeights b = loaded.layer(k, d).restrictedWeights();
                        if (a == null) {
                            assertNull(b);
                            continue;
                        }
                        assertEquals(a.rate(), b.rate());
                        assertEquals(a.cellType(), b.cellType());
                        assertArrayEquals(a.pool(), b.pool());
                        assertArrayEquals(a.biasPool(), b.biasPool());
                        assertEquals(a.parameterCount(), b.parameterCount());
                    }
                }
                assertArrayEquals(run(original, input), run(loaded, input));
            }
        }
    }

    @Test
    void poolOfTheWrongShapeIsRejectedNamingTheTensor() throws Exception {
        Path good = dir.resolve("good.safetensors");
        try (RecurrentModel original = model()) {
            ModelFiles.save(original, good);
        }
        TensorFile stored = SafeTensors.read(good);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : stored.names()) {
            tensors.put(name, stored.get(name));
        }
        Path bad = dir.resolve("bad.safetensors");

        tensors.put("restricted_pool_l0", new Tensor(new long[] {21, 7}, new float[21 * 7]));
        SafeTensors.write(bad, tensors, stored.metadata());
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertEquals("restricted_pool_l0", e.tensor());
        assertTrue(e.getMessage().contains("[22, 7]") && e.getMessage().contains("[21, 7]"), e.getMessage());

        tensors.put("restricted_pool_l0", stored.get("restricted_pool_l0"));
        tensors.put("restricted_bias_pool_l0_reverse", new Tensor(new long[] {17}, new float[17]));
        SafeTensors.write(bad, tensors, stored.metadata());
        e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertEquals("restricted_bias_pool_l0_reverse", e.tensor());
        assertTrue(e.getMessage().contains("[22]"), e.getMessage());

        tensors.put("restricted_bias_pool_l0_reverse", stored.get("restricted_bias_pool_l0_reverse"));
        Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
        metadata.put("restricted_rate_l1", "1.5");
        SafeTensors.write(bad, tensors, metadata);
        e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertTrue(e.getMessage().contains("rate = 1.5"), e.getMessage());

        metadata.put("restricted_rate_l1", "0.5");
        metadata.put("restricted_shared_rows_l1", "4");    // valid, but not the pool's: d_r = 28, the pool has 42 rows
        SafeTensors.write(bad, tensors, metadata);
        e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertEquals("restricted_pool_l1", e.tensor());
    }

    /** A restricted layer before an EGRU: the loader's per-layer lists (pools, MI vectors, thresholds) stay in step. */
    @Test
    void restrictedLayerThenEgruRoundTrips() throws Exception {
        SplittableRandom random = new SplittableRandom(12);
        List<RecurrentLayer> layers = new ArrayList<>();
        layers.add(RecurrentLayer.createRestricted(pool(random, CellType.GRU, 5, 7, 0.5, true)));
        float[] theta = {0.1f, 0.2f, 0.3f, 0.15f, 0.25f, 0.05f, 0.4f};
        layers.add(RecurrentLayer.create(LayerWeights.of(CellType.EGRU, 7, 7)
                .inputWeights(TorchInit.uniform(random, 21 * 7, 0.4))
                .recurrentWeights(TorchInit.uniform(random, 21 * 7, 0.4))
                .biases(TorchInit.uniform(random, 21, 0.4), TorchInit.uniform(random, 21, 0.4))
                .thresholds(theta)
                .build()));
        Path file = dir.resolve("restricted-egru.safetensors");
        float[] input = TorchInit.uniform(new SplittableRandom(13), 6 * 2 * 5, 0.4);
        try (RecurrentModel original = RecurrentModel.of(false, layers)) {
            ModelFiles.save(original, file);
            try (RecurrentModel loaded = ModelFiles.load(file)) {
                assertEquals(CellType.EGRU, loaded.layer(1, 0).cellType());
                assertArrayEquals(theta, loaded.layer(1, 0).thresholds());
                assertArrayEquals(run(original, input), run(loaded, input));
            }
        }
    }

    private static float[] run(RecurrentModel model, float[] input) {
        try (ModelState state = model.newState(2)) {
            float[] out = new float[6 * 2 * model.outputSize()];
            model.forward(input, 6, new int[] {6, 4}, state, out);
            return out;
        }
    }

}
