package org.rnnkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.reference.RestrictedReference;
import org.rnnkernels.product.PanelProduct;
import org.rnnkernels.train.TorchInit;

/**
 * Restricted (weight-shared) layers, CELLS.md "RRNN": against the double reference built from the
 * pool (1e-4 over whole sequences, as every sigm/tanh cell), bit for bit the dense layer at r = 0,
 * inside bidirectional stacks with variable lengths and in multi-thread states; parameter counts
 * and bad input.
 */
class RestrictedLayerTest {
    static final CellType[] CELLS = {CellType.RNN_TANH, CellType.GRU, CellType.LSTM};
    static final double[] RATES = {0, 0.25, 0.5, 0.75, 1};

    // Every cell x H x rate; I == H, I > H and I < H in turn (each cell and H sees all three), B = 1
    // and 3 in turn, a seed per case.
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int n = 0;
        for (CellType type : CELLS) {
            for (int hidden : new int[] {1, 7, 8, 9, 17, 33}) {
                for (double rate : RATES) {
                    n++;
                    int[] inputs = {hidden, hidden + 5, Math.max(1, hidden / 2)};
                    cases.add(Arguments.of(type, inputs[n % 3], hidden, rate, n % 2 == 0 ? 3 : 1, 100, 977L * n));
                }
            }
            // across the pair kernels' batch limit (BLAS above it with 16 vector registers), and two more seeds
            for (double rate : new double[] {0.5, 1}) {
                cases.add(Arguments.of(type, 9, 17, rate, PanelProduct.MAX_BATCH + 1, 100, 5L));
                cases.add(Arguments.of(type, 20, 13, rate, 3, 120, 6L));
                cases.add(Arguments.of(type, 20, 13, rate, 3, 120, 7L));
            }
        }
        // the other cells come for free; one case each
        for (CellType type : new CellType[] {CellType.RNN_RELU, CellType.RAG_GRU, CellType.RAG_MINIMAL, CellType.RAG_LSTM}) {
            cases.add(Arguments.of(type, 11, 9, 0.5, 3, 100, 8L));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} I={1} H={2} r={3} B={4} T={5} seed={6}")
    @MethodSource("cases")
    void sequenceMatchesReference(CellType type, int input, int hidden, double rate, int batch, int steps, long seed) {
        RestrictedFixture f = new RestrictedFixture(type, input, hidden, rate, batch, steps, seed);
        ReferenceCell.Sequence expected = f.runReference();
        float[] out = new float[steps * batch * hidden];
        try (RecurrentLayer layer = f.layer(Blases.get())) {
            LayerState state = f.initialState(layer, 1);
            layer.forward(f.x, steps, state, out);
            // RAG cells pass their state through with slope 1 (see KernelVsReferenceTest): compared on 20 steps
            int compared = KernelVsReferenceTest.isRag(type) ? 20 : steps;
            double tolerance = KernelVsReferenceTest.tolerance(type);
            for (int t = 0; t < compared; t++) {
                for (int b = 0; b < batch; b++) {
                    KernelVsReferenceTest.compare(f + " output t=" + t + " b=" + b, expected.outputs()[t][b], out,
                            (t * batch + b) * hidden, tolerance);
                }
            }
            if (compared == steps) {
                float[] c = type.hasCellState() ? state.cell() : null;
                for (int b = 0; b < batch; b++) {
                    KernelVsReferenceTest.compare(f + " final h b=" + b, expected.finalH()[b], state.hidden(), b * hidden, tolerance);
                    if (c != null) {
                        KernelVsReferenceTest.compare(f + " final c b=" + b, expected.finalC()[b], c, b * hidden, tolerance);
                    }
                }
            }
        }
    }

    /** r = 0 has no shared rows: the compact matrices are the dense ones and the layer is the plain one, bit for bit. */
    @Test
    void rateZeroIsThePlainLayerBitForBit() {
        for (CellType type : CELLS) {
            for (int batch : new int[] {1, 3, PanelProduct.MAX_BATCH + 1}) {
                for (int threads : new int[] {1, 2}) {
                    RestrictedFixture f = new RestrictedFixture(type, 12, 17, 0.0, batch, 30, 40L + batch);
                    try (RecurrentLayer restricted = f.layer(Blases.get());
                         RecurrentLayer dense = f.denseLayer(Blases.get());
                         LayerState a = f.initialState(restricted, threads);
                         LayerState b = f.initialState(dense, threads)) {
                        float[] outA = new float[f.steps * batch * 17];
                        float[] outB = new float[outA.length];
                        restricted.forward(f.x, f.steps, a, outA);
                        dense.forward(f.x, f.steps, b, outB);
                        assertArrayEquals(outB, outA, f + " threads=" + threads);
                        assertArrayEquals(b.hidden(), a.hidden(), f + " final h");
                        if (type.hasCellState()) {
                            assertArrayEquals(b.cell(), a.cell(), f + " final c");
                        }
                    }
                }
            }
        }
    }

    /** The compact product and the spread give the dense equivalent's result (float against float, any rate). */
    @Test
    void everyRateEqualsItsDenseEquivalent() {
        for (CellType type : CELLS) {
            for (double rate : RATES) {
                RestrictedFixture f = new RestrictedFixture(type, 10, 24, rate, 2, 40, 50L);
                try (RecurrentLayer restricted = f.layer(Blases.java());
                     RecurrentLayer dense = f.denseLayer(Blases.java())) {
                    float[] outA = new float[f.steps * 2 * 24];
                    float[] outB = new float[outA.length];
                    restricted.forward(f.x, f.steps, f.initialState(restricted, 1), outA);
                    dense.forward(f.x, f.steps, f.initialState(dense, 1), outB);
                    SameResult.assertSame(false, outB, outA, f.toString());
                }
            }
        }
    }

    /** A team of threads shares the compact product by panels and the spread by units: one thread's result. */
    @Test
    void teamEqualsOneThread() {
        for (String blas : new String[] {"java", "default"}) {
            for (CellType type : CELLS) {
                for (int batch : new int[] {3, PanelProduct.MAX_BATCH + 1}) {
                    RestrictedFixture f = new RestrictedFixture(type, 13, 40, 0.5, batch, 10, 60L + batch);
                    try (RecurrentLayer layer = f.layer(SameResult.blas(blas));
                         LayerState one = f.initialState(layer, 1);
                         LayerState team = f.initialState(layer, 2)) {
                        float[] a = new float[f.steps * batch * 40];
                        float[] b = new float[a.length];
                        layer.forward(f.x, f.steps, one, a);
                        layer.forward(f.x, f.steps, team, b);
                        SameResult.assertSame(SameResult.exact(blas, batch), a, b, f + " " + blas);
                    }
                }
            }
        }
    }

    /** Streaming in chunks carries the state as one call does; a state also serves dense and restricted layers in turn. */
    @Test
    void chunksEqualOneCall() {
        RestrictedFixture f = new RestrictedFixture(CellType.GRU, 6, 16, 0.75, 3, 30, 70L);
        try (RecurrentLayer layer = f.layer(Blases.java()); RecurrentLayer dense = f.denseLayer(Blases.java())) {
            float[] whole = new float[f.steps * 3 * 16];
            layer.forward(f.x, f.steps, f.initialState(layer, 1), whole);
            LayerState state = f.initialState(layer, 1);
            dense.forward(new float[3 * 6], 1, dense.newState(3), new float[3 * 16]);   // another layer's call
            float[] chunked = new float[whole.length];
            int t = 0;
            for (int size : new int[] {1, 11, 0, 18}) {
                float[] x = java.util.Arrays.copyOfRange(f.x, t * 3 * 6, (t + size) * 3 * 6);
                float[] out = new float[size * 3 * 16];
                layer.forward(x, size, state, out);
                System.arraycopy(out, 0, chunked, t * 3 * 16, out.length);
                t += size;
            }
            assertArrayEquals(whole, chunked);
        }
    }

    /** Restricted layers in a bidirectional 2-layer model, variable lengths, one and two threads, against the dense twins. */
    @Test
    void bidirectionalStackWithVariableLengths() {
        CellType[] cells = {CellType.GRU, CellType.LSTM};
        double[] rates = {0.5, 0.25};
        List<RecurrentLayer> restricted = new ArrayList<>();
        List<RecurrentLayer> dense = new ArrayList<>();
        int hidden = 9;
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 2; d++) {
                RestrictedFixture f = new RestrictedFixture(cells[k], k == 0 ? 5 : 2 * hidden, hidden, rates[k], 1, 1, 80L + 2 * k + d);
                restricted.add(f.layer(Blases.get()));
                dense.add(f.denseLayer(Blases.get()));
            }
        }
        int batch = 4;
        int steps = 25;
        int[] lengths = {25, 7, 0, 18};
        float[] input = TorchInit.uniform(new java.util.SplittableRandom(81), steps * batch * 5, 1f);
        try (RecurrentModel a = RecurrentModel.of(true, restricted); RecurrentModel b = RecurrentModel.of(true, dense)) {
            assertSame(CellType.LSTM, a.layer(1, 1).cellType());
            float[] expected = new float[steps * batch * 2 * hidden];
            try (ModelState state = b.newState(batch)) {
                b.forward(input, RecurrentModel.Layout.BATCH_MAJOR, steps, lengths, state, expected);
            }
            for (int threads : new int[] {1, 2}) {
                float[] actual = new float[expected.length];
                try (ModelState state = a.newState(batch, threads)) {
                    a.forward(input, RecurrentModel.Layout.BATCH_MAJOR, steps, lengths, state, actual);
                }
                SameResult.assertSame(false, expected, actual, "threads=" + threads);
            }
        }
    }

    @Test
    void parameterCountsFollowTheFormula() {
        for (CellType type : CELLS) {
            for (double rate : RATES) {
                for (int[] size : new int[][] {{7, 7}, {13, 9}, {4, 33}}) {
                    int in = size[0];
                    int hidden = size[1];
                    RestrictedFixture f = new RestrictedFixture(type, in, hidden, rate, 1, 1, 1L);
                    RestrictedWeights w = f.weights();
                    int s = RestrictedReference.sharedRows(rate, hidden);
                    long formula = (s + 2L * type.gates() * (hidden - s)) * (Math.max(in, hidden) + 1);
                    assertEquals(formula, w.parameterCount(), w.toString());
                    assertEquals(RestrictedReference.parameterCount(RefCellType.valueOf(type.name()), in, hidden, rate),
                            w.parameterCount());
                    assertEquals(s, w.sharedRows());
                    assertEquals((long) w.poolRows() * w.poolColumns(), RestrictedWeights.of(type, in, hidden, rate, f.pool, null)
                            .parameterCount(), "without biases: the pool alone");
                }
            }
        }
        // GRU, I = H = 512: at r = 0 the pool holds exactly the dense layer's 3H(2H + 2) parameters
        // ((6H)(H + 1)); r = 0.5 needs 256 + 6*256 = 1792 rows, 2/3 of them
        assertEquals(3L * 512 * (2 * 512 + 2), RestrictedWeights.poolRows(CellType.GRU, 512, 0) * 513L);
        assertEquals(1792, RestrictedWeights.poolRows(CellType.GRU, 512, 0.5));
        assertEquals(4, RestrictedWeights.sharedRows(0.5, 7), "3.5: half to even");
        assertEquals(2, RestrictedWeights.sharedRows(0.5, 5), "2.5: half to even, as the authors' torch.round");
    }

    /**
     * {@code s} as the RRNN authors' code rounds it ({@code torch.round} on the float32 product: half to even),
     * on every pair {@code H <= 256}, {@code r} in steps of 0.05; 233 of the 5,376 are ties that half up
     * (the library's earlier rule) puts one row higher.
     */
    @Test
    void sharedRowsRoundAsTheAuthorsCode() {
        int ties = 0, pairs = 0;
        for (int i = 0; i <= 20; i++) {
            double rate = i / 20.0;
            for (int hidden = 1; hidden <= 256; hidden++) {
                pairs++;
                int authors = new java.math.BigDecimal((float) rate * (float) hidden)
                        .setScale(0, java.math.RoundingMode.HALF_EVEN).intValueExact();
                assertEquals(authors, RestrictedWeights.sharedRows(rate, hidden), "r = " + rate + ", H = " + hidden);
                if (authors != Math.round(rate * hidden)) {
                    ties++;
                }
            }
        }
        assertEquals(5376, pairs);
        assertEquals(233, ties, "ties where half up would share one row more");
    }

    /** The dense equivalent: shared rows repeat in every block of both matrices, private rows differ. */
    @Test
    void denseEquivalentSharesTheFirstRowsOfEveryBlock() {
        RestrictedFixture f = new RestrictedFixture(CellType.LSTM, 6, 8, 0.25, 1, 1, 2L);
        RestrictedWeights w = f.weights();
        float[] wIh = w.weightIh();
        float[] wHh = w.weightHh();
        float[] bIh = w.biasIh();
        float[] bHh = w.biasHh();
        int k = 8;
        for (int j = 0; j < 4; j++) {
            for (int u = 0; u < 8; u++) {
                int row = j * 8 + u;
                int xRow = u < 2 ? u : 2 + j * 6 + (u - 2);
                int hRow = u < 2 ? u : 2 + 24 + j * 6 + (u - 2);
                for (int c = 0; c < 6; c++) {
                    assertEquals(f.pool[xRow * k + c], wIh[row * 6 + c]);
                }
                for (int c = 0; c < 8; c++) {
                    assertEquals(f.pool[hRow * k + c], wHh[row * 8 + c]);
                }
                assertEquals(f.biasPool[xRow], bIh[row]);
                assertEquals(f.biasPool[hRow], bHh[row]);
            }
        }
        assertNotEquals(wIh[2 * 6], wIh[(8 + 2) * 6], "private rows of blocks 0 and 1 are distinct pool rows");
        try (RecurrentLayer layer = RecurrentLayer.createRestricted(w)) {
            assertArrayEquals(wIh, layer.weightIh());
            assertArrayEquals(bHh, layer.biasHh());
            assertSame(w, layer.restrictedWeights());
        }
        try (RecurrentLayer dense = f.denseLayer(Blases.get())) {
            assertNull(dense.restrictedWeights());
        }
    }

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' does not mention '" + fragment + "'");
        }
    }

    @Test
    void badInputIsRejectedBeforeAnyWork() {
        float[] pool = new float[RestrictedWeights.poolRows(CellType.GRU, 8, 0.5) * 8];   // 28 rows, k = 8
        float[] bias = new float[28];
        for (double rate : new double[] {Double.NaN, -0.25, 1.5, Double.NEGATIVE_INFINITY}) {
            rejects(() -> RestrictedWeights.of(CellType.GRU, 5, 8, rate, pool, bias), "rate", "[0, 1]");
        }
        rejects(() -> RestrictedWeights.of(CellType.GRU, 5, 8, 0.5, new float[pool.length - 1], bias), "pool", "[d_r=28][k=8]", "224");
        rejects(() -> RestrictedWeights.of(CellType.GRU, 5, 8, 0.25, pool, bias), "pool", "[d_r=38][k=8]");
        rejects(() -> RestrictedWeights.of(CellType.GRU, 5, 8, 0.5, null, bias), "pool", "null");
        rejects(() -> RestrictedWeights.of(CellType.GRU, 5, 8, 0.5, pool, new float[27]), "biasPool", "[d_r=28]");
        rejects(() -> RestrictedWeights.of(CellType.MI_GRU, 5, 8, 0.5, pool, bias), "MI_GRU");
        rejects(() -> RestrictedWeights.of(null, 5, 8, 0.5, pool, bias), "type");
        rejects(() -> RestrictedWeights.of(CellType.GRU, 0, 8, 0.5, pool, bias), "inputSize");
        rejects(() -> RecurrentLayer.createRestricted(null), "weights");

        // copied in: changing the caller's array afterwards changes nothing
        float[] mine = pool.clone();
        RestrictedWeights w = RestrictedWeights.of(CellType.GRU, 5, 8, 0.5, mine, bias);
        mine[0] = 9f;
        assertEquals(0f, w.pool()[0]);
    }
}
