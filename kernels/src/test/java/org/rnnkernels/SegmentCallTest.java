package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.train.TorchInit;

/**
 * The {@code MemorySegment} calls compute what the {@code float[]} calls compute, bit for bit, on native
 * memory read and written where it is: every cell, ternary and restricted layers, stacks in both
 * directions with variable lengths and batch-first layout, a thread team; and they refuse a segment of
 * the wrong size, alignment, access or lifetime before any state is touched.
 */
class SegmentCallTest {
    private static final int BATCH = 3;
    private static final int STEPS = 9;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void layerCallsAgreeBitForBit(CellType type) {
        CellFixture f = new CellFixture(type, 13, 17, BATCH, STEPS, 5);
        try (RecurrentLayer layer = f.layer()) {
            assertLayerCallsAgree(layer, f.x, f.h0, f.c0, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(TernaryLayer.Activations.class)
    void ternaryLayerCallsAgree(TernaryLayer.Activations mode) {
        CellFixture f = new CellFixture(CellType.LSTM, 13, 17, BATCH, STEPS, 6);
        try (RecurrentLayer layer = StepAllocation.layer(f, mode)) {
            assertLayerCallsAgree(layer, f.x, f.h0, f.c0, 1);
        }
    }

    @Test
    void restrictedLayerCallsAgreeWithATeam() {
        RestrictedFixture f = new RestrictedFixture(CellType.GRU, 13, 40, 0.5, BATCH, STEPS, 7);
        try (RecurrentLayer layer = f.layer(org.rnnkernels.blas.Blases.get())) {
            assertLayerCallsAgree(layer, f.x, f.h0, f.c0, 2);
        }
    }

    // forward(float[]) and forward(MemorySegment) on native copies of the same input, from the same state
    private static void assertLayerCallsAgree(RecurrentLayer layer, float[] x, float[] h0, float[] c0, int threads) {
        int hidden = layer.hiddenSize();
        float[] expected = new float[STEPS * BATCH * hidden];
        try (Arena arena = Arena.ofShared();
             LayerState arrays = start(layer.newState(BATCH, threads), h0, c0);
             LayerState segments = start(layer.newState(BATCH, threads), h0, c0)) {
            layer.forward(x, STEPS, arrays, expected);
            MemorySegment input = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment output = arena.allocate(ValueLayout.JAVA_FLOAT, expected.length);
            layer.forward(input, STEPS, segments, output);
            String what = layer.cellType() + " " + threads + " thread(s)";
            assertArrayEquals(expected, output.toArray(ValueLayout.JAVA_FLOAT), what + ": outputs");
            assertArrayEquals(arrays.hidden(), segments.hidden(), what + ": h");
            // one more step, streamed
            float[] next = new float[BATCH * hidden];
            float[] row = java.util.Arrays.copyOf(x, BATCH * layer.inputSize());
            layer.step(row, arrays, next);
            MemorySegment stepOut = arena.allocate(ValueLayout.JAVA_FLOAT, next.length);
            layer.step(input.asSlice(0, (long) row.length * Float.BYTES), segments, stepOut);
            assertArrayEquals(next, stepOut.toArray(ValueLayout.JAVA_FLOAT), what + ": streamed step");
            if (c0 != null) {
                assertArrayEquals(arrays.cell(), segments.cell(), what + ": c");
            }
        }
    }

    private static LayerState start(LayerState state, float[] h0, float[] c0) {
        state.setHidden(h0);
        if (c0 != null) {
            state.setCell(c0);
        }
        return state;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void modelCallsAgreeWithLengthsAndLayouts(int threads) {
        SplittableRandom random = new SplittableRandom(11);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                int in = k == 0 ? 5 : 2 * 19;
                layers.add(Fixtures.layer(CellType.GRU, in, 19, Fixtures.weights(CellType.GRU, in, 19, random, 1f),
                        null, null, org.rnnkernels.blas.Blases.get()));
            }
        }
        float[] x = TorchInit.uniform(random, STEPS * BATCH * 5, 1f);
        int[] lengths = {4, STEPS, 0};
        try (RecurrentModel model = RecurrentModel.of(true, layers); Arena arena = Arena.ofShared()) {
            for (RecurrentModel.Layout layout : RecurrentModel.Layout.values()) {
                for (int[] lens : new int[][] {null, lengths}) {
                    float[] expected = new float[STEPS * BATCH * model.outputSize()];
                    MemorySegment input = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                    MemorySegment output = arena.allocate(ValueLayout.JAVA_FLOAT, expected.length);
                    output.fill((byte) 0x7f);                 // the call writes every float, zeros past a length
                    try (ModelState arrays = model.newState(BATCH, threads); ModelState segments = model.newState(BATCH, threads)) {
                        model.forward(x, layout, STEPS, lens, arrays, expected);
                        model.forward(input, layout, STEPS, lens, segments, output);
                        String what = layout + (lens == null ? "" : " with lengths") + ", " + threads + " thread(s)";
                        assertArrayEquals(expected, output.toArray(ValueLayout.JAVA_FLOAT), what + ": outputs");
                        assertArrayEquals(arrays.hidden(), segments.hidden(), what + ": h_n");
                    }
                }
            }
        }
    }

    @Test
    void badSegmentsAreRefusedBeforeTheStateChanges() {
        CellFixture f = new CellFixture(CellType.GRU, 4, 6, 2, 3, 8);
        try (RecurrentLayer layer = f.layer();
             LayerState state = f.initialState(layer);
             LayerState teamState = layer.newState(2, 2);
             Arena shared = Arena.ofShared();
             Arena confined = Arena.ofConfined()) {
            MemorySegment input = shared.allocateFrom(ValueLayout.JAVA_FLOAT, f.x);
            MemorySegment output = shared.allocate(ValueLayout.JAVA_FLOAT, 3 * 2 * 6);
            float[] h = state.hidden();
            refuses(() -> layer.forward((MemorySegment) null, 3, state, output), "input is null, expected [T=3][B=2][I=4] = 24 floats");
            refuses(() -> layer.forward(input.asSlice(4), 3, state, output), "input has 92 bytes, expected [T=3][B=2][I=4] = 24 floats = 96 bytes");
            refuses(() -> layer.forward(input, 3, state, output.asSlice(0, 4)), "output has 4 bytes, expected [T=3][B=2][H=6]");
            MemorySegment odd = shared.allocate(24 * 4 + 8, 8).asSlice(2, 24 * 4);
            refuses(() -> layer.forward(odd, 3, state, output), "input is aligned to 2 byte(s)");
            refuses(() -> layer.forward(input, 3, state, output.asReadOnly()), "output is read-only");
            MemorySegment both = shared.allocate(ValueLayout.JAVA_FLOAT, 24 + 36);
            refuses(() -> layer.forward(both.asSlice(0, 96), 3, state, both.asSlice(80, 144)), "input and output overlap");
            MemorySegment heapBytes = MemorySegment.ofArray(new byte[96]);
            refuses(() -> layer.forward(heapBytes, 3, state, output), "input is aligned to 1 byte(s)");
            MemorySegment mine = confined.allocateFrom(ValueLayout.JAVA_FLOAT, f.x);
            refuses(() -> layer.forward(mine, 3, teamState, output), "input: a segment of a confined arena, which this state's worker threads may not read");
            Arena gone = Arena.ofConfined();
            MemorySegment closed = gone.allocate(ValueLayout.JAVA_FLOAT, 24);
            gone.close();
            refuses(() -> layer.forward(closed, 3, state, output), "input: its arena is closed");
            assertArrayEquals(h, state.hidden(), "h after the refused calls");
            layer.forward(mine, 3, state, output);          // a confined segment is fine on its owner thread, alone
        }
    }

    private static void refuses(Runnable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
    }

    @Test
    void modelRefusesBadSegments() {
        CellFixture f = new CellFixture(CellType.LSTM, 4, 6, 2, 3, 9);
        try (RecurrentModel model = RecurrentModel.of(false, List.of(f.layer()));
             ModelState state = model.newState(2);
             Arena arena = Arena.ofConfined()) {
            MemorySegment input = arena.allocateFrom(ValueLayout.JAVA_FLOAT, f.x);
            MemorySegment output = arena.allocate(ValueLayout.JAVA_FLOAT, 3 * 2 * 6);
            Function<String, Runnable> wrongOutput = layout -> () -> model.forward(input, RecurrentModel.Layout.valueOf(layout), 3,
                    null, state, output.asSlice(4));
            refuses(wrongOutput.apply("BATCH_MAJOR"), "output has 140 bytes, expected [B=2][T=3][D*H=6] = 36 floats = 144 bytes");
            refuses(() -> model.forward(input, 3, new int[] {4, 1}, state, output), "lengths[0] = 4, expected 0..3");
            model.forward(input, 3, null, state, output);
        }
    }
}
