package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.product.PanelProduct;

/** Calls shared by a team of threads give one thread's result ({@link SameResult}: bit for bit with the Java BLAS). */
class ThreadedStepTest {

    static Stream<Arguments> cases() {
        return Stream.of(CellType.values()).flatMap(type -> Stream.of("java", "default").flatMap(blas -> Stream.of(
                Arguments.of(type, 17, 1, 2, blas), Arguments.of(type, 33, 5, 2, blas), Arguments.of(type, 256, 1, 2, blas),
                Arguments.of(type, 40, 3, 3, blas), Arguments.of(type, 19, PanelProduct.MAX_BATCH + 1, 2, blas),
                // split by samples (4 or more a member): even and odd shares, a share that is not a whole quad
                Arguments.of(type, 29, 16, 2, blas), Arguments.of(type, 21, 17, 3, blas),
                Arguments.of(type, 37, 2 * RecurrentLayer.MIN_SAMPLES_PER_MEMBER, 2, blas),
                Arguments.of(type, 37, 2 * RecurrentLayer.MIN_SAMPLES_PER_MEMBER - 1, 2, blas))));
    }

    @ParameterizedTest(name = "{0} H={1} B={2} threads={3} {4} BLAS")
    @MethodSource("cases")
    void teamEqualsOneThread(CellType type, int hidden, int batch, int threads, String blas) {
        boolean exact = SameResult.exact(blas, batch);
        float scale = KernelVsReferenceTest.isRag(type) ? KernelVsReferenceTest.RAG_CONTRACTIVE_SCALE : 1f;
        CellFixture f = new CellFixture(type, 13, hidden, batch, 30, hidden * 7L + batch, scale);
        try (RecurrentLayer layer = f.layer(SameResult.blas(blas))) {
            float[] one = new float[f.steps * batch * hidden];
            LayerState single = f.initialState(layer);
            layer.forward(f.x, f.steps, single, one);

            float[] shared = new float[one.length];
            try (LayerState team = layer.newState(batch, threads)) {
                team.setHidden(f.h0);
                if (f.c0 != null) {
                    team.setCell(f.c0);
                }
                assertEquals(threads, team.threads());
                layer.forward(f.x, f.steps, team, shared);
                SameResult.assertSame(exact, one, shared, f + " outputs");
                SameResult.assertSame(exact, single.hidden(), team.hidden(), f + " final h");
            }
        }
    }

    /**
     * A two-layer bidirectional stack over sequences of different lengths (packed: later steps run fewer
     * samples, the reverse direction starts each sample at its own last step), called twice so the second call
     * continues from the states the first left: a team of two splitting the 11 samples gives one thread's
     * outputs and final states, and EGRU's activity counts every sample once.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = CellType.class, names = {"GRU", "LSTM", "EGRU", "MI_GRU"})
    void teamSplittingSamplesOfAPackedBidirectionalStackEqualsOneThread(CellType type) {
        int batch = 11, steps = 9, input = 6, hidden = 20;
        int[] lengths = {9, 9, 8, 7, 7, 5, 4, 3, 2, 1, 1};
        CellFixture first = new CellFixture(type, input, hidden, batch, steps, 41);
        CellFixture upper = new CellFixture(type, 2 * hidden, hidden, batch, steps, 43);
        List<RecurrentLayer> layers = List.of(first.layer(), new CellFixture(type, input, hidden, batch, steps, 42).layer(),
                upper.layer(), new CellFixture(type, 2 * hidden, hidden, batch, steps, 44).layer());
        try (RecurrentModel model = RecurrentModel.of(true, layers)) {
            float[] one = new float[steps * batch * 2 * hidden];
            float[] shared = new float[one.length];
            try (ModelState single = model.newState(batch); ModelState team = model.newState(batch, 2)) {
                for (int call = 0; call < 2; call++) {
                    model.forward(first.x, steps, lengths, single, one);
                    model.forward(first.x, steps, lengths, team, shared);
                    boolean exact = SameResult.exact("default", batch);
                    SameResult.assertSame(exact, one, shared, type + " call " + call + " outputs");
                    for (int k = 0; k < 2; k++) {
                        for (int d = 0; d < 2; d++) {
                            SameResult.assertSame(exact, single.layer(k, d).hidden(), team.layer(k, d).hidden(),
                                    type + " call " + call + " layer " + k + " direction " + d + " final h");
                            if (type.hasCellState()) {
                                SameResult.assertSame(exact, single.layer(k, d).cell(), team.layer(k, d).cell(),
                                        type + " final c");
                            }
                            assertEquals(single.layer(k, d).activity(), team.layer(k, d).activity(), 1e-12,
                                    type + " activity of layer " + k + " direction " + d);
                        }
                    }
                }
            }
        }
    }

    @Test
    void closedTeamRefusesWork() {
        CellFixture f = new CellFixture(CellType.GRU, 4, 8, 1, 2, 3L);
        try (RecurrentLayer layer = f.layer()) {
            LayerState state = layer.newState(1, 2);
            state.close();
            assertThrows(IllegalStateException.class, () -> layer.forward(f.x, 2, state, new float[16]));
        }
    }
}
