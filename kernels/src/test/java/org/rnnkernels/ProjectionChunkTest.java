package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.product.SmallBoundBlas;

/**
 * A call of more rows than its projection makes at once ({@code InputProjection.rowsPerChunk}: the BLAS's row
 * block) is projected in chunks of whole steps, each just before its steps run. A BLAS with a small in-place bound
 * ({@link SmallBoundBlas}: blocks of 256 rows) makes chunks at test sizes; with the Java BLAS, which sums every
 * element alone, the chunked layer must give the unchunked one's bits: forward and reverse, packed lengths whose
 * steps straddle a chunk's edge, one thread and teams splitting by samples and by panels. With the default BLAS
 * (OpenBLAS) it agrees with the reference module within CELLS.md's tolerances.
 */
class ProjectionChunkTest {

    // Blocks (and so chunks) of 256 rows: the bound holds 4.5 x 64 rows at the layer's full width.
    static Blas chunking(Blas inner, CellType type, int input, int hidden) {
        return new SmallBoundBlas(inner, (long) (4.5 * 64 * type.gates() * hidden * input));
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : CellType.values()) {
            // B = 1: 256 steps a chunk; B = 5: 51 steps (255 rows), a chunk's edge inside no step; B = 16: 16 steps
            cases.add(Arguments.of(type, 1, 600, 1));
            cases.add(Arguments.of(type, 5, 130, 1));
            cases.add(Arguments.of(type, 5, 130, 2));     // a team of two by panels (fewer than 4 samples a member)
            cases.add(Arguments.of(type, 16, 40, 2));     // by samples
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} B={1} T={2} threads={3}")
    @MethodSource("cases")
    void chunkedCallGivesTheWholeCallsBits(CellType type, int batch, int steps, int threads) {
        int input = 13, hidden = 37;
        float scale = KernelVsReferenceTest.isRag(type) ? KernelVsReferenceTest.RAG_CONTRACTIVE_SCALE : 1f;
        CellFixture f = new CellFixture(type, input, hidden, batch, steps, 31L * batch + steps, scale);
        try (RecurrentLayer whole = f.layer(Blases.java());
             RecurrentLayer chunked = f.layer(chunking(Blases.java(), type, input, hidden))) {
            if (type != CellType.EGRU) {      // EGRU's sparse-input projection projects whole calls
                assertEquals(256, chunked.projectionRowsPerChunk(), "chunks of 256 rows");
                assertTrue(steps * batch > chunked.projectionRowsPerChunk(), "the call is chunked");
            }
            assertEquals(Integer.MAX_VALUE, whole.projectionRowsPerChunk(), "the Java BLAS alone: whole calls");
            float[] expected = new float[steps * batch * hidden];
            float[] actual = new float[expected.length];
            try (LayerState one = f.initialState(whole); LayerState team = chunked.newState(batch, threads)) {
                team.setHidden(f.h0);
                if (f.c0 != null) {
                    team.setCell(f.c0);
                }
                for (int call = 0; call < 2; call++) {    // the second call continues from the first's state
                    whole.forward(f.x, steps, one, expected);
                    chunked.forward(f.x, steps, team, actual);
                    assertArrayEquals(expected, actual, f + " call " + call + " outputs");
                    assertArrayEquals(one.hidden(), team.hidden(), f + " call " + call + " final h");
                    if (f.c0 != null) {
                        assertArrayEquals(one.cell(), team.cell(), f + " call " + call + " final c");
                    }
                }
            }
        }
    }

    /**
     * A bidirectional two-layer stack over packed sequences of different lengths: the reverse direction's chunks
     * run from the last rows back, each sample starting at its own last step; one thread and a team of two.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CellType.class, names = {"GRU", "LSTM", "RAG_GRU", "MI_LSTM"})
    void chunkedPackedBidirectionalStackGivesTheWholeCallsBits(CellType type) {
        int batch = 11, steps = 97, input = 6, hidden = 20;
        int[] lengths = {97, 97, 90, 71, 64, 50, 33, 32, 9, 2, 1};
        List<RecurrentLayer> whole = new ArrayList<>(), chunked = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int in = k < 2 ? input : 2 * hidden;
            CellFixture f = new CellFixture(type, in, hidden, batch, steps, 50 + k);
            whole.add(f.layer(Blases.java()));
            chunked.add(f.layer(chunking(Blases.java(), type, in, hidden)));
        }
        float[] x = new CellFixture(type, input, hidden, batch, steps, 49).x;
        try (RecurrentModel a = RecurrentModel.of(true, whole); RecurrentModel b = RecurrentModel.of(true, chunked)) {
            for (int threads = 1; threads <= 2; threads++) {
                float[] expected = new float[steps * batch * 2 * hidden];
                float[] actual = new float[expected.length];
                try (ModelState one = a.newState(batch); ModelState team = b.newState(batch, threads)) {
                    for (int call = 0; call < 2; call++) {
                        a.forward(x, steps, lengths, one, expected);
                        b.forward(x, steps, lengths, team, actual);
                        assertArrayEquals(expected, actual, type + " threads=" + threads + " call " + call);
                        for (int k = 0; k < 2; k++) {
                            for (int d = 0; d < 2; d++) {
                                assertArrayEquals(one.layer(k, d).hidden(), team.layer(k, d).hidden(),
                                        type + " threads=" + threads + " layer " + k + " direction " + d + " final h");
                            }
                        }
                    }
                }
            }
        }
    }

    /** The real path: the default BLAS (OpenBLAS where loaded), chunked, against the double-precision reference. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(CellType.class)
    void chunkedCallAgreesWithTheReference(CellType type) {
        int input = 13, hidden = 37, batch = 5, steps = 130;
        float scale = KernelVsReferenceTest.isRag(type) ? KernelVsReferenceTest.RAG_CONTRACTIVE_SCALE : 1f;
        CellFixture f = new CellFixture(type, input, hidden, batch, steps, 77, scale);
        var expected = f.runReference();
        double tolerance = KernelVsReferenceTest.tolerance(type);
        try (RecurrentLayer layer = f.layer(chunking(Blases.get(), type, input, hidden));
             LayerState state = f.initialState(layer)) {
            float[] out = new float[steps * batch * hidden];
            layer.forward(f.x, steps, state, out);
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < batch; b++) {
                    KernelVsReferenceTest.compare(f + " output t=" + t + " b=" + b, expected.outputs()[t][b], out,
                            (t * batch + b) * hidden, tolerance);
                }
            }
        }
    }
}
