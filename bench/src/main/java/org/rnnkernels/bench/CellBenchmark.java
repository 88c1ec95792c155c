package org.rnnkernels.bench;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.TorchInit;

/**
 * The full sequence forward of one layer (input projection, then per step the recurrent product
 * and the fused gate pass), I = H. Score: microseconds per call; divide by T for time per step.
 * {@code threads} is the number of threads sharing each call ({@link RecurrentLayer#newState(int, int)}:
 * input projection by rows, each step by panels and units); OpenBLAS runs single-threaded under them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CellBenchmark {

    @Param({"GRU", "LSTM", "RNN_TANH", "RNN_RELU", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM", "MI_RNN", "MI_LSTM", "MI_GRU"})
    public String cell;

    /** {@code BxHxT}, I = H. */
    @Param({"1x256x200", "1x512x100", "16x256x100", "64x512x50"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private RecurrentLayer layer;
    private LayerState state;
    private float[] input;
    private float[] output;
    private int steps;

    @Setup(Level.Trial)
    public void setUp() {
        Shape s = Shape.parse(shape);
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        CellType type = CellType.valueOf(cell);
        SplittableRandom random = new SplittableRandom(42);
        layer = TorchInit.layer(type, s.hidden(), s.hidden(), random, Blases.get());
        state = layer.newState(s.batch(), threads);
        steps = s.steps();
        input = TorchInit.uniform(random, steps * s.batch() * s.hidden(), 1);
        output = new float[steps * s.batch() * s.hidden()];
    }

    @Benchmark
    public float forward() {
        state.reset();
        layer.forward(input, steps, state, output);
        return output[output.length - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
        layer.close();
    }

    /** A benchmark shape: batch, hidden size (= input size), sequence length. */
    record Shape(int batch, int hidden, int steps) {
        static Shape parse(String text) {
            String[] p = text.split("x");
            return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }

        /** FLOPs of one step's matrix products: 2 * B * G * H * (I + H), I = H. */
        double flopsPerStep(CellType type) {
            return 2.0 * batch * type.gates() * hidden * (2.0 * hidden);
        }
    }
}
