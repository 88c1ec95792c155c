package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.RecurrentModel.Layout;

/**
 * Real PyTorch: state dicts, inputs, initial states, outputs and final states written by
 * {@code tools/pytorch_fixtures.py} with Debian's PyTorch 1.13 (RNN tanh/relu, GRU, LSTM; 1 and 2
 * layers; uni- and bidirectional; equal and variable lengths). The model loaded from the state
 * dict must match PyTorch within 1e-5, time- and batch-major, on one thread and on two.
 */
class TorchGoldenTest {
    private static final double TOLERANCE = 1e-5;

    static Stream<String> fixtures() throws IOException, URISyntaxException {
        Path dir = Path.of(TorchGoldenTest.class.getResource("/pytorch").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
            assertTrue(names.size() >= 16, "fixtures missing: " + names);
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void matchesPyTorch(String fixture) throws Exception {
        TensorFile file = SafeTensors.read(Path.of(TorchGoldenTest.class.getResource("/pytorch/" + fixture).toURI()));
        CellType type = CellType.valueOf(file.metadata().get("mode"));
        Tensor input = file.get("input");
        int steps = (int) input.dim(0);
        int batch = (int) input.dim(1);
        int[] lengths = null;
        if (file.contains("lengths")) {
            float[] l = file.get("lengths").data();
            lengths = new int[l.length];
            for (int b = 0; b < l.length; b++) {
                lengths[b] = (int) l[b];
            }
        }
        try (RecurrentModel model = TorchRnn.load(file, TorchRnn.options().cell(type))) {
            assertEquals(Integer.parseInt(file.metadata().get("num_layers")), model.numLayers(), "layers inferred");
            assertEquals(Boolean.parseBoolean(file.metadata().get("bidirectional")), model.bidirectional(), "direction inferred");
            for (int threads : new int[] {1, 2}) {
                for (Layout layout : Layout.values()) {
                    try (ModelState state = model.newState(batch, threads)) {
                        state.setHidden(file.get("h0").data());
                        if (type.hasCellState()) {
                            state.setCell(file.get("c0").data());
                        }
                        int outWidth = model.outputSize();
                        float[] x = layout == Layout.TIME_MAJOR ? input.data() : swapFirstTwo(input.data(), steps, batch, model.inputSize());
                        float[] out = new float[steps * batch * outWidth];
                        model.forward(x, layout, steps, lengths, state, out);
                        if (layout == Layout.BATCH_MAJOR) {
                            out = swapFirstTwo(out, batch, steps, outWidth);
                        }
                        String what = fixture + " threads=" + threads + " " + layout;
                        close(what + " output", file.get("output").data(), out);
                        close(what + " h_n", file.get("h_n").data(), state.hidden());
                        if (type.hasCellState()) {
                            close(what + " c_n", file.get("c_n").data(), state.cell());
                        }
                    }
                }
            }
        }
    }

    // [A][B][F] -> [B][A][F]
    private static float[] swapFirstTwo(float[] x, int a, int b, int features) {
        float[] y = new float[x.length];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                System.arraycopy(x, (i * b + j) * features, y, (j * a + i) * features, features);
            }
        }
        return y;
    }

    private static void close(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            assertTrue(Float.isFinite(a), what + " at " + i + ": " + a);
            assertTrue(Math.abs(e - a) <= TOLERANCE, what + " at " + i + ": PyTorch " + e + ", here " + a);
        }
    }
}
