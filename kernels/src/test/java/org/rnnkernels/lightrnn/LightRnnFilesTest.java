package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.io.SafeTensors;
import org.rnnkernels.io.Tensor;
import org.rnnkernels.io.TensorFile;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Gradients;

/**
 * {@link LightRnnFiles}: a saved model loads as the same model (word table, every layer of the stack, the
 * tables: the same log-probabilities bit for bit), the stack alone loads with {@link ModelFiles#load}, a
 * trained model goes through a file into a trainer again, and a broken file is refused naming the file and
 * what is wrong.
 */
class LightRnnFilesTest {
    @TempDir
    Path dir;

    static Stream<List<LightRnnLayer.Spec>> stacks() {
        return Stream.of(
                List.of(LightRnnLayer.Spec.of(CellType.GRU, 7)),
                List.of(LightRnnLayer.Spec.of(CellType.LSTM, 9), LightRnnLayer.Spec.of(CellType.MI_GRU, 5)),
                List.of(LightRnnLayer.Spec.of(CellType.EGRU, 8), LightRnnLayer.Spec.of(CellType.GRU, 17).restricted(0.5),
                        LightRnnLayer.Spec.of(CellType.RNN_TANH, 1)));
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void saveThenLoadScoresIdentically(List<LightRnnLayer.Spec> stack) throws IOException {
        LightRnnFixture f = new LightRnnFixture(stack, LightRnnFixture.shuffled(37, 8, 7, 5), 6, 11, 3f);
        Path file = dir.resolve("lightrnn.safetensors");
        int[] words = f.words(40, 2);
        try (LightRnn original = f.model()) {
            LightRnnFiles.save(original, file);
            try (LightRnn loaded = LightRnnFiles.load(file)) {
                assertEquals(original.wordTable(), loaded.wordTable());
                assertEquals(stack.size(), loaded.numLayers());
                for (int k = 0; k < stack.size(); k++) {
                    RecurrentLayer a = original.layer(k);
                    RecurrentLayer b = loaded.layer(k);
                    assertEquals(a.cellType(), b.cellType());
                    assertEquals(a.hiddenSize(), b.hiddenSize());
                    assertEquals(a.restrictedWeights() != null, b.restrictedWeights() != null);
                    assertArrayEquals(a.weightHh(), b.weightHh());
                }
                assertArrayEquals(scores(original, words), scores(loaded, words));
                int[] top = new int[5];
                int[] topLoaded = new int[5];
                original.topK(original.newState(), 5, top, new float[5]);
                loaded.topK(loaded.newState(), 5, topLoaded, new float[5]);
                assertArrayEquals(top, topLoaded);
            }
            // The stack alone is a model file of the library's; the rest are tensors PyTorch reads too.
            try (RecurrentModel model = ModelFiles.load(file)) {
                assertEquals(stack.size(), model.numLayers());
                assertEquals(f.hidden, model.outputSize());
            }
            TensorFile tensors = SafeTensors.read(file);
            assertArrayEquals(new long[] {8, 6}, tensors.get("lightrnn.xr").shape());
            assertArrayEquals(f.yc, tensors.get("lightrnn.yc").data());
            assertEquals(original.wordTable().row(36), (int) tensors.get("lightrnn.row_of").data()[36]);
        }
    }

    private static float[] scores(LightRnn model, int[] words) {
        float[] out = new float[words.length];
        model.logProbabilities(words, model.newState(), out);
        return out;
    }

    @Test
    void aTrainedStackGoesThroughAFileAndTrainsOn() throws IOException {
        LightRnnTrainer trainer = LightRnnTrainer.create(List.of(CellType.LSTM, CellType.GRU), WordTable.sequential(20), 4, 6, 2, 9);
        int[] words = LightRnnTrainingTest.corpus(20, 2, 8, 0);
        Adam adam = new Adam(trainer.parameters(), 0.05);
        for (int i = 0; i < 3; i++) {
            Gradients.zero(trainer.parameters());
            trainer.forwardBackward(words, 8);
            adam.step();
        }
        trainer.resetState();
        double loss = trainer.evaluate(words, 8, null);
        Path file = dir.resolve("trained.safetensors");
        try (LightRnn model = trainer.export()) {
            LightRnnFiles.save(model, file);
        }
        try (LightRnn loaded = LightRnnFiles.load(file)) {
            LightRnnTrainer again = LightRnnTrainer.of(loaded, 2);
            assertEquals(2, again.numLayers());
            assertEquals(loss, again.evaluate(words, 8, null), 1e-6 * loss);
            Gradients.zero(again.parameters());
            assertTrue(Double.isFinite(again.forwardBackward(words, 8)));
        }
    }

    @Test
    void brokenFilesAreRefusedNamingWhatIsWrong() throws IOException {
        LightRnnFixture f = new LightRnnFixture(List.of(LightRnnLayer.Spec.of(CellType.GRU, 5), LightRnnLayer.Spec.of(CellType.LSTM, 4)),
                WordTable.sequential(10, 3, 4), 3, 1, 1f);
        Path good = dir.resolve("good.safetensors");
        try (LightRnn model = f.model()) {
            LightRnnFiles.save(model, good);
        }
        assertRefused(good, "no-metadata", (t, m) -> m.remove("lightrnn.format"), "not a LightRNN model file");
        assertRefused(good, "version", (t, m) -> m.put("lightrnn.version", "2"), "lightrnn.version = 2, this library reads version 1");
        assertRefused(good, "rows", (t, m) -> m.put("lightrnn.rows", "x"), "metadata lightrnn.rows = x is not a number");
        assertRefused(good, "missing", (t, m) -> t.remove("lightrnn.xc"), "tensor 'lightrnn.xc': missing: expected [C, E] = [4, 3]");
        assertRefused(good, "shape", (t, m) -> t.put("lightrnn.yr", new Tensor(new long[] {3, 5}, new float[15])),
                "tensor 'lightrnn.yr': shape [3, 5], expected [R, H] = [3, 4]");
        assertRefused(good, "places", (t, m) -> t.put("lightrnn.col_of", new Tensor(new long[] {9}, new float[9])),
                "tensor 'lightrnn.col_of': shape [9], expected [V] = [10]");
        assertRefused(good, "fraction", (t, m) -> t.get("lightrnn.row_of").data()[4] = 0.5f,
                "tensor 'lightrnn.row_of': word 4 is at 0.5, expected a whole number");
        assertRefused(good, "two-in-a-cell", (t, m) -> t.get("lightrnn.row_of").data()[1] = 1f,
                "not a word table: cell (1, 1) holds two words: 1 and 5");
        assertRefused(good, "the-stack", (t, m) -> t.remove("weight_hh_l1"), "weight_hh_l1");
        assertThrows(IOException.class, () -> LightRnnFiles.load(dir.resolve("absent.safetensors")));
    }

    @Test
    void aFileOfABidirectionalStackIsRefused() throws IOException {
        LightRnnFixture f = new LightRnnFixture(CellType.GRU, WordTable.sequential(4), 3, 5, 1, 1f, 1f);
        Path good = dir.resolve("good.safetensors");
        try (LightRnn model = f.model()) {
            LightRnnFiles.save(model, good);
        }
        TensorFile tensors = SafeTensors.read(good);
        Map<String, Tensor> extra = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String name : tensors.names()) {
            if (name.startsWith("lightrnn.")) {
                extra.put(name, tensors.get(name));
            }
        }
        tensors.metadata().forEach((key, value) -> {
            if (key.startsWith("lightrnn.")) {
                metadata.put(key, value);
            }
        });
        Path file = dir.resolve("bidirectional.safetensors");
        try (RecurrentLayer forward = f.layers.get(0).layer(Blases.get()); RecurrentLayer reverse = f.layers.get(0).layer(Blases.get());
             RecurrentModel stack = RecurrentModel.of(true, List.of(forward, reverse))) {
            // the output tables of the file do not fit 2H either: the direction is refused first
            ModelFiles.save(stack, extra, metadata, file);
        }
        IOException e = assertThrows(IOException.class, () -> LightRnnFiles.load(file));
        assertTrue(e.getMessage().contains("stack is bidirectional"), e.getMessage());
    }

    @Test
    void saveChecksItsArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LightRnnFiles.save(null, dir.resolve("x")));
        assertEquals("model is null", e.getMessage());
    }

    /** Writes {@code good} with a change to its tensors or metadata, and expects the load to fail naming it. */
    private void assertRefused(Path good, String name, Change change, String expected) throws IOException {
        TensorFile tensors = SafeTensors.read(good);
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String tensor : tensors.names()) {
            all.put(tensor, tensors.get(tensor));
        }
        Map<String, String> metadata = new LinkedHashMap<>(tensors.metadata());
        change.apply(all, metadata);
        Path file = dir.resolve(name + ".safetensors");
        SafeTensors.write(file, all, metadata);
        IOException e = assertThrows(IOException.class, () -> LightRnnFiles.load(file), name);
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), name + ": the message names the file: " + e.getMessage());
    }

    private interface Change {
        void apply(Map<String, Tensor> tensors, Map<String, String> metadata);
    }
}
