package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentModel;

/**
 * Model files written by the library before its redesign (issue 11; commit 4897707, by
 * {@code tools/WriteLegacyModels.java.txt}) still load, and compute what they computed then: a
 * bidirectional RAG-GRU / MI-GRU stack and an EGRU, with the outputs the old code wrote beside them.
 * The tolerance is the reference's for sigm/tanh cells: the redesign changed how GRU-like gates
 * evaluate {@code tanh} (then 2 sigm(2a) - 1, one exp call site; since, a rational function), not what they compute.
 */
class LegacyModelFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"rag_mi_bi", "egru"})
    void oldModelFilesLoadAndComputeTheSame(String name, @TempDir Path dir) throws Exception {
        Path file = dir.resolve(name + ".rnk.safetensors");
        try (InputStream in = LegacyModelFilesTest.class.getResourceAsStream("/legacy/" + name + ".rnk.safetensors")) {
            Files.copy(in, file);
        }
        ByteBuffer data;
        try (InputStream in = LegacyModelFilesTest.class.getResourceAsStream("/legacy/" + name + ".out")) {
            data = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        float[] x = floats(data);
        float[] expected = floats(data);
        int batch = 2, steps = 4;
        try (RecurrentModel model = ModelFiles.load(file); ModelState state = model.newState(batch)) {
            assertEquals(steps * batch * model.inputSize(), x.length);
            float[] out = new float[expected.length];
            model.forward(x, steps, null, state, out);
            for (int i = 0; i < out.length; i++) {
                assertEquals(expected[i], out[i], 1e-5, name + " output " + i);
            }
        }
    }

    private static float[] floats(ByteBuffer data) {
        float[] a = new float[data.getInt()];
        for (int i = 0; i < a.length; i++) {
            a[i] = data.getFloat();
        }
        return a;
    }
}
