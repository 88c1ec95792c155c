package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;

/** State dicts that do not fit a recurrent model are refused with the file, the tensor and the problem. */
class TorchRnnLoadTest {
    @TempDir
    Path dir;

    // A 2-layer GRU state dict (I=3, H=2) under "enc.rnn.", plus an unrelated tensor.
    private Map<String, Tensor> gru() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int k = 0; k < 2; k++) {
            int in = k == 0 ? 3 : 2;
            t.put("enc.rnn.weight_ih_l" + k, new Tensor(new long[] {6, in}, new float[6 * in]));
            t.put("enc.rnn.weight_hh_l" + k, new Tensor(new long[] {6, 2}, new float[12]));
            t.put("enc.rnn.bias_ih_l" + k, new Tensor(new long[] {6}, new float[6]));
            t.put("enc.rnn.bias_hh_l" + k, new Tensor(new long[] {6}, new float[6]));
        }
        t.put("enc.fc.weight", new Tensor(new long[] {1, 2}, new float[2]));
        return t;
    }

    private Path save(Map<String, Tensor> tensors) throws Exception {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, tensors, Map.of());
        return file;
    }

    private SafeTensorsException refused(Map<String, Tensor> tensors, CellType type, String tensor, String problem) throws Exception {
        Path file = save(tensors);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> TorchRnn.load(file, options("enc.rnn.", type)));
        assertEquals(tensor, e.tensor(), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    @Test
    void loadsWithPrefixAndInfersTheCell() throws Exception {
        try (RecurrentModel model = TorchRnn.load(save(gru()), TorchRnn.options().prefix("enc.rnn."))) {
            assertEquals(2, model.numLayers());
            assertEquals(CellType.GRU, model.layer(0, 0).cellType());
            assertEquals(3, model.inputSize());
            assertEquals(2, model.outputSize());
        }
        try (RecurrentModel model = TorchRnn.load(save(gru()), TorchRnn.options().prefix("enc.rnn.").cell(CellType.RAG_GRU))) {
            assertEquals(CellType.RAG_GRU, model.layer(1, 0).cellType());
        }
    }

    @Test
    void refusesWhatDoesNotFit() throws Exception {
        refused(gru(), CellType.LSTM, "enc.rnn.weight_hh_l0", "has 3 gate blocks");

        Map<String, Tensor> missingBias = gru();
        missingBias.remove("enc.rnn.bias_hh_l1");
        refused(missingBias, null, "enc.rnn.bias_hh_l1", "missing");

        Map<String, Tensor> gap = gru();
        gap.put("enc.rnn.weight_ih_l3", new Tensor(new long[] {6, 2}, new float[12]));
        refused(gap, null, "enc.rnn.weight_ih_l3", "not a parameter");

        Map<String, Tensor> projection = gru();
        projection.put("enc.rnn.weight_hr_l0", new Tensor(new long[] {2, 2}, new float[4]));
        refused(projection, null, "enc.rnn.weight_hr_l0", "projections");

        Map<String, Tensor> chain = gru();
        chain.put("enc.rnn.weight_ih_l1", new Tensor(new long[] {6, 5}, new float[30]));
        refused(chain, null, "enc.rnn.weight_ih_l1", "does not chain");

        Map<String, Tensor> rows = gru();
        rows.put("enc.rnn.weight_ih_l0", new Tensor(new long[] {5, 3}, new float[15]));
        refused(rows, null, "enc.rnn.weight_ih_l0", "does not match weight_hh_l0");

        Map<String, Tensor> rank = gru();
        rank.put("enc.rnn.bias_ih_l0", new Tensor(new long[] {2, 3}, new float[6]));
        refused(rank, null, "enc.rnn.bias_ih_l0", "rank");

        refused(gru(), null, "enc.rnn.weight_ih_l0", "not found", "enc.lstm.");
    }

    private void refused(Map<String, Tensor> tensors, CellType type, String tensor, String problem, String prefix) throws Exception {
        Path file = save(tensors);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> TorchRnn.load(file, options(prefix, type)));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    // The options a refusal case asks for; a null type leaves the cell to the gate count.
    private static TorchRnn.Options options(String prefix, CellType type) {
        TorchRnn.Options options = TorchRnn.options().prefix(prefix);
        return type == null ? options : options.cell(type);
    }

    @Test
    void optionsRefuseNullsAndCellsAStateDictCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> TorchRnn.options().prefix(null));
        assertThrows(IllegalArgumentException.class, () -> TorchRnn.options().cell(null));
        IllegalArgumentException mi = assertThrows(IllegalArgumentException.class, () -> TorchRnn.options().cell(CellType.MI_GRU));
        assertTrue(mi.getMessage().contains("ModelFiles"), mi.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TorchRnn.options().cell(CellType.EGRU));
        assertEquals("", TorchRnn.options().prefix());
        assertTrue(TorchRnn.options().cell().isEmpty());
        assertEquals(CellType.RNN_RELU, TorchRnn.options().prefix("a.").cell(CellType.RNN_RELU).cell().orElseThrow());
    }
}
