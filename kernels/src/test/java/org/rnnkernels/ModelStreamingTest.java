package org.rnnkernels;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnnkernels.train.TorchInit;

/**
 * A unidirectional stack fed in chunks of any size, carrying its state, gives the result of one
 * call ({@link SameResult}: bit for bit with the Java BLAS, to rounding with OpenBLAS).
 */
class ModelStreamingTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void chunksEqualOneCall(CellType type) {
        for (String blas : new String[] {"java", "default"}) {
            SplittableRandom random = new SplittableRandom(21);
            List<RecurrentLayer> layers = new ArrayList<>();
            float scale = KernelVsReferenceTest.isRag(type) ? KernelVsReferenceTest.RAG_CONTRACTIVE_SCALE : 1f;
            for (int k = 0; k < 3; k++) {
                int in = k == 0 ? 5 : 11;
                Fixtures.Weights w = Fixtures.weights(type, in, 11, random, scale);
                float[] theta = type.eventBased() ? Fixtures.randomThresholds(random, 11) : null;
                MiParameters mi = type.multiplicative() ? Fixtures.randomMi(random, type.gates() * 11) : null;
                layers.add(Fixtures.layer(type, in, 11, w, mi, theta, SameResult.blas(blas)));
            }
            int batch = 3;
            int steps = 40;
            float[] input = TorchInit.uniform(random, steps * batch * 5, 1f);
            try (RecurrentModel model = RecurrentModel.of(false, layers);
                 ModelState whole = model.newState(batch);
                 ModelState chunked = model.newState(batch)) {
                float[] expected = new float[steps * batch * 11];
                model.forward(input, steps, null, whole, expected);
                float[] actual = new float[expected.length];
                int t = 0;
                for (int size : new int[] {1, 13, 0, 2, 24}) {
                    float[] x = new float[size * batch * 5];
                    float[] out = new float[size * batch * 11];
                    System.arraycopy(input, t * batch * 5, x, 0, x.length);
                    model.forward(x, size, null, chunked, out);
                    System.arraycopy(out, 0, actual, t * batch * 11, out.length);
                    t += size;
                }
                boolean exact = SameResult.exact(blas, batch);
                SameResult.assertSame(exact, expected, actual, type + " " + blas + " outputs");
                SameResult.assertSame(exact, whole.hidden(), chunked.hidden(), type + " " + blas + " final h");
            }
        }
    }
}
