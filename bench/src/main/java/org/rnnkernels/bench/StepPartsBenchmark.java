package org.rnnkernels.bench;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.CellType;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.cell.Biases;
import org.rnnkernels.cell.CellDescription;
import org.rnnkernels.cell.CellPasses;
import org.rnnkernels.cell.GatePass;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.PanelProduct;
import org.rnnkernels.product.Scratch;
import org.rnnkernels.train.TorchInit;

/**
 * Where a step's time goes, one thread: the two matrix products of a layer's forward timed alone, on the
 * operands a layer gives them, so that {@code CellBenchmark.forward} minus these two is the gate passes and
 * the driver. {@code projection}: the input projection of a whole call, {@code gi[T*B, G*H] = X[T*B, I]
 * W_ih^T}, the one a layer chooses ({@code InputProjection.dense}: the panel product on AVX-512, else BLAS sgemm
 * on the heap arrays, whose large calls copy their operands off-heap, see {@code OpenBlas}); score per call,
 * divide by T. {@code recurrent}: one step's {@code gh[B, G*H] =
 * h[B, H] W_hh^T} by the panel product (the layers' product up to {@link PanelProduct#maxBatch()} samples
 * with the Vector API), per step. {@code gates}: one step's gate pass (the cell's {@code GatePass}, oneDNN's
 * "postgemm") over all B samples, reading its step's slice of a whole call's {@code gi} (steps taken in turn, so
 * {@code gi} comes from as far as in a layer) and the step's {@code gh}, per step. I = H.
 *
 * <p>Five warm-up seconds (the main job's parts run too): GRU's and LSTM's unit-by-unit gate passes are one large
 * loop each, which C2 compiled 2-5 s into a fork that times nothing else (until then C1's code, every vector boxed,
 * takes 15-20 ms a step); with 3 x 0.7 s some forks measured a second of it and read 5-7 ms a step (Zen 5, 2026-12-07).
 *
 * <pre>java ... -cp bench/target/benchmarks.jar org.openjdk.jmh.Main 'StepPartsBenchmark|CellBenchmark.forward'
 *     -p cell=GRU,LSTM -p shape=16x256x100,64x512x50 -p threads=1</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class StepPartsBenchmark {

    @Param({"GRU", "LSTM"})
    public String cell;

    @Param({"1x256x200", "16x256x100", "64x512x50"})
    public String shape;

    private Blas blas;
    private PanelProduct panels;
    private int rows;
    private int width;
    private int hidden;
    private int batch;
    private MemorySegment x;
    private Scratch gi;
    private InputProjection.Bound projection;
    private float[] packedHh;
    private float[] h;
    private float[] gh;
    private GatePass gatePass;
    private float[] bias;
    private float[] hNext;
    private float[] c;
    private int step;

    @Setup(Level.Trial)
    public void setUp() {
        CellBenchmark.Shape s = CellBenchmark.Shape.parse(shape);
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        blas = Blases.get();
        panels = PanelProduct.get();
        if (panels == null) {
            throw new IllegalStateException("the panel product needs the Vector API");
        }
        SplittableRandom random = new SplittableRandom(42);
        hidden = s.hidden();
        batch = s.batch();
        width = CellType.valueOf(cell).gates() * hidden;
        rows = s.steps() * batch;
        x = MemorySegment.ofArray(TorchInit.uniform(random, rows * hidden, 1));
        gi = new Scratch("gi");
        gi.reserve((long) rows * width);
        float[] w = TorchInit.uniform(random, width * hidden, 1 / Math.sqrt(hidden));
        MemorySegment wIh = java.lang.foreign.Arena.global().allocate((long) w.length * Float.BYTES, 64);
        MemorySegment.copy(w, 0, wIh, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, w.length);
        projection = InputProjection.dense(blas, w, wIh, width, hidden).bind(1);
        packedHh = panels.pack(w, width, hidden);
        h = TorchInit.uniform(random, batch * hidden, 1);
        gh = new float[batch * width];
        CellDescription cellDescription = CellType.valueOf(cell).description();
        gatePass = CellPasses.gatePass(cellDescription.kernel());
        bias = TorchInit.uniform(random, Biases.length(cellDescription.gates(), hidden, cellDescription.splitCandidate()), 1);
        hNext = new float[batch * hidden];
        c = cellDescription.cellState() ? new float[batch * hidden] : null;
        projection.prepare(x, rows, gi);
        projection.project(0, 1);
        projection.finish();
        recurrent();
    }

    /** The input projection of one call (all T steps), as a one-thread layer runs it. */
    @Benchmark
    public float projection() {
        projection.prepare(x, rows, gi);
        projection.project(0, 1);
        projection.finish();
        return gi.array()[rows * width - 1];
    }

    /** One step's recurrent product by the panel product. */
    @Benchmark
    public float recurrent() {
        panels.multiply(packedHh, width, hidden, batch, h, 0, gh, 0, 0, panels.panels(width));
        return gh[gh.length - 1];
    }

    /**
     * One step's gate pass, all units of all B samples, on the next step's slice of {@code gi}. {@code gh} is the
     * pass's scratch: the block loops sum into it in place, so from the second call on it holds activated values of
     * the call before, and the unit-by-unit passes (GRU's and LSTM's with the Vector API) leave it as it was (but for
     * the last {@code H mod lanes} units); bounded either way, like real pre-activations, and the work is the same
     * whatever the values.
     */
    @Benchmark
    public float gates() {
        int giOffset = step * batch * width;
        step = step + 1 == rows / batch ? 0 : step + 1;
        gatePass.apply(batch, hidden, 0, hidden, gi.array(), giOffset, gh, bias, null, h, 0, hNext, 0, c);
        return hNext[hNext.length - 1];
    }
}
