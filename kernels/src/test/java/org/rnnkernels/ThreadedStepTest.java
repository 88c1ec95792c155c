package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
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
                Arguments.of(type, 40, 3, 3, blas), Arguments.of(type, 19, PanelProduct.MAX_BATCH + 1, 2, blas))));
    }

    @ParameterizedTest(name = "{0} H={1} B={2} threads={3} {4} BLAS")
    @MethodSource("cases")
    void teamEqualsOneThread(CellType type, int hidden, int batch, int threads, String blas) {
        boolean exact = SameResult.exact(blas);
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
