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
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.ternary.TernaryWeights;

/** Ternary layers go to model files packed (bit planes, scales, biases, settings) and come back bit for bit. */
class TernaryModelFilesTest {
    private static final int I = 29;
    private static final int H = 33;      // 2H = 66 input columns for layer 1: past one 64-bit word, three 24-bit floats

    @TempDir
    Path dir;

    // Layer 0: ternary LSTM, TERNARY activations, per-gate scales; biases and THRESHOLD (delta 0.3) forward,
    // none and STOCHASTIC (deployed at delta 0.5) in reverse.
    // Layer 1: ternary GRU, FLOAT activations, one scale per matrix, forward; a dense GRU in reverse.
    private static RecurrentModel model() {
        SplittableRandom random = new SplittableRandom(21);
        List<RecurrentLayer> layers = new ArrayList<>();
        Ternarizer perGate = Ternarizer.standard();
        for (int d = 0; d < 2; d++) {
            boolean biases = d == 0;
            RecurrentLayer layer = TernaryLayer.create(LayerWeights.of(CellType.LSTM, I, H).inputWeights(random(random, 4 * H * I))
                    .recurrentWeights(random(random, 4 * H * H))
                    .biases(biases ? random(random, 4 * H) : null, biases ? random(random, 4 * H) : null)
                    .build(), TernaryLayer.Activations.TERNARY, perGate, 0.3f, 1.5f);
            if (d == 1) {
                try (RecurrentLayer threshold = layer) {
                    TernaryWeights w = threshold.ternaryWeights();
                    layer = RecurrentLayer.createTernary(new TernaryWeights(w.cellType(), w.activations(),
                            ActivationQuantizer.STOCHASTIC, w.weightIh(), w.weightHh(), w.biasIh(), w.biasHh(),
                            ActivationQuantizer.STOCHASTIC_DELTA, w.lambda()));
                }
            }
            layers.add(layer);
        }
        layers.add(TernaryLayer.create(LayerWeights.of(CellType.GRU, 2 * H, H).inputWeights(random(random, 3 * H * 2 * H))
                .recurrentWeights(random(random, 3 * H * H))
                .biases(random(random, 3 * H), random(random, 3 * H))
                .build(), TernaryLayer.Activations.FLOAT, new Ternarizer(0.5, Ternarizer.Scaling.PER_MATRIX), 0.5f, 0.7f));
        layers.add(RecurrentLayer.create(LayerWeights.of(CellType.GRU, 2 * H, H)
                .inputWeights(random(random, 3 * H * 2 * H))
                .recurrentWeights(random(random, 3 * H * H))
                .biases(random(random, 3 * H), random(random, 3 * H))
                .build()));
        return RecurrentModel.of(true, layers);
    }

    @Test
    void saveThenLoadKeepsTheTernaryWeightsAndRunsIdentically() throws Exception {
        Path file = dir.resolve("ternary.safetensors");
        float[] input = random(new SplittableRandom(22), 6 * 3 * I);
        try (RecurrentModel original = model()) {
            ModelFiles.save(original, file);
            TensorFile stored = SafeTensors.read(file);
            assertFalse(stored.contains("weight_ih_l0"), "a ternary layer is stored as its planes, not as float weights");
            assertArrayEquals(new long[] {4 * H, 2}, stored.get("ternary_plus_ih_l0").shape());        // ceil(29/24)
            assertArrayEquals(new long[] {3 * H, 3}, stored.get("ternary_minus_ih_l1").shape());       // ceil(66/24)
            assertArrayEquals(new long[] {4}, stored.get("ternary_scale_hh_l0_reverse").shape());
            assertArrayEquals(new long[] {1}, stored.get("ternary_scale_hh_l1").shape());
            assertFalse(stored.contains("ternary_bias_ih_l0_reverse"));
            assertEquals("TERNARY", stored.metadata().get("ternary_activations_l0"));
            assertEquals("0.7", stored.metadata().get("ternary_lambda_l1"));
            assertEquals("THRESHOLD", stored.metadata().get("ternary_quantizer_l0"));
            assertEquals("STOCHASTIC", stored.metadata().get("ternary_quantizer_l0_reverse"));
            assertTrue(stored.contains("weight_ih_l1_reverse"), "the dense layer stays dense");
            try (RecurrentModel loaded = ModelFiles.load(file)) {
                for (int k = 0; k < 2; k++) {
                    for (int d = 0; d < 2; d++) {
                        TernaryWeights a = original.layer(k, d).ternaryWeights();
                        TernaryWeights b = loaded.layer(k, d).ternaryWeights();
                        if (a == null) {
                            assertNull(b);
                            assertArrayEquals(original.layer(k, d).weightHh(), loaded.layer(k, d).weightHh());
                            continue;
                        }
                        assertEquals(a, b, "layer " + k + " direction " + d);
                        assertEquals(a.quantizer(), b.quantizer(), "layer " + k + " direction " + d);
                    }
                }
                assertArrayEquals(run(original, input), run(loaded, input));
            }
        }
    }

    @Test
    void badPlanesAreRejectedNamingTheTensor() throws Exception {
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

        // not packed bits: a fraction, a negative value, a bit past the 29 columns (bit 5 of the second float)
        for (float wrong : new float[] {0.5f, -1f, 1 << 5}) {
            float[] plane = stored.get("ternary_plus_ih_l0").data();
            plane[3] = wrong;
            tensors.put("ternary_plus_ih_l0", new Tensor(new long[] {4 * H, 2}, plane));
            SafeTensors.write(bad, tensors, stored.metadata());
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
            assertEquals("ternary_plus_ih_l0", e.tensor(), e.getMessage());
            assertTrue(e.getMessage().contains("element 3"), e.getMessage());
        }
        // a weight both +1 and -1
        float[] plus = stored.get("ternary_plus_hh_l1").data();
        float[] minus = stored.get("ternary_minus_hh_l1").data();
        plus[0] = 1;
        minus[0] = 1;
        tensors.put("ternary_plus_ih_l0", stored.get("ternary_plus_ih_l0"));
        tensors.put("ternary_plus_hh_l1", new Tensor(new long[] {3 * H, 2}, plus));
        tensors.put("ternary_minus_hh_l1", new Tensor(new long[] {3 * H, 2}, minus));
        SafeTensors.write(bad, tensors, stored.metadata());
        SafeTensorsException both = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertTrue(both.getMessage().contains("both"), both.getMessage());
        // planes of the wrong shape, a missing scale, settings out of range
        tensors.put("ternary_plus_hh_l1", new Tensor(new long[] {3 * H, 1}, new float[3 * H]));
        tensors.put("ternary_minus_hh_l1", stored.get("ternary_minus_hh_l1"));
        SafeTensors.write(bad, tensors, stored.metadata());
        SafeTensorsException shape = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
        assertEquals("ternary_plus_hh_l1", shape.tensor());
        assertTrue(shape.getMessage().contains("[99, 2]"), shape.getMessage());
        tensors.put("ternary_plus_hh_l1", stored.get("ternary_plus_hh_l1"));
        tensors.remove("ternary_scale_ih_l0_reverse");
        SafeTensors.write(bad, tensors, stored.metadata());
        assertEquals("ternary_scale_ih_l0_reverse", assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad)).tensor());
        tensors.put("ternary_scale_ih_l0_reverse", stored.get("ternary_scale_ih_l0_reverse"));
        for (String[] setting : new String[][] {{"ternary_delta_l0", "-0.5", "delta"}, {"ternary_lambda_l1", "x", "is not a number"},
                                                 {"ternary_activations_l0_reverse", "BINARY", "TERNARY or FLOAT"},
                                                 {"ternary_quantizer_l0", "RANDOM", "THRESHOLD or STOCHASTIC"},
                                                 {"ternary_quantizer_l0", "STOCHASTIC", "expected 0.5"},
                                                 {"ternary_quantizer_l1", "STOCHASTIC", "TERNARY activations"}}) {
            Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
            metadata.put(setting[0], setting[1]);
            SafeTensors.write(bad, tensors, metadata);
            SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> ModelFiles.load(bad));
            assertTrue(e.getMessage().contains(setting[2]), e.getMessage());
        }
    }

    /**
     * Files written before the activation quantiser was stored (no {@code ternary_quantizer} keys) load with the
     * rule they were deployed with: THRESHOLD at their delta, and run as before.
     */
    @Test
    void filesWithoutTheQuantizerLoadAsThreshold() throws Exception {
        Path file = dir.resolve("current.safetensors");
        Path old = dir.resolve("old.safetensors");
        float[] input = random(new SplittableRandom(23), 6 * 3 * I);
        try (RecurrentModel original = model()) {
            ModelFiles.save(original, file);
            TensorFile stored = SafeTensors.read(file);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : stored.names()) {
                tensors.put(name, stored.get(name));
            }
            Map<String, String> metadata = new LinkedHashMap<>(stored.metadata());
            assertTrue(metadata.keySet().removeIf(key -> key.startsWith("ternary_quantizer")), "the keys were written");
            SafeTensors.write(old, tensors, metadata);
            try (RecurrentModel loaded = ModelFiles.load(old)) {
                assertEquals(ActivationQuantizer.THRESHOLD, loaded.layer(0, 0).ternaryWeights().quantizer());
                assertEquals(0.3f, loaded.layer(0, 0).ternaryWeights().delta());
                assertEquals(ActivationQuantizer.THRESHOLD, loaded.layer(0, 1).ternaryWeights().quantizer());
                assertEquals(0.5f, loaded.layer(0, 1).ternaryWeights().delta());
                assertEquals(ActivationQuantizer.THRESHOLD, loaded.layer(1, 0).ternaryWeights().quantizer());
                assertArrayEquals(run(original, input), run(loaded, input), "the deployed forward is unchanged");
            }
        }
    }

    private static float[] run(RecurrentModel model, float[] input) {
        try (ModelState state = model.newState(3)) {
            float[] out = new float[6 * 3 * model.outputSize()];
            model.forward(input, 6, new int[] {4, 6, 1}, state, out);
            return out;
        }
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-0.4, 0.4);
        }
        return a;
    }
}
