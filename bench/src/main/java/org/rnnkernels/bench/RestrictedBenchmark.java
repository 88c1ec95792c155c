package org.rnnkernels.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import org.rnnkernels.RestrictedWeights;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.TorchInit;

/**
 * Restricted (weight-shared) layers against the sharing rate: the full sequence forward of one layer,
 * B = 1, I = H = 512, T = 100, one thread (OpenBLAS single-threaded, as in {@link CellBenchmark}).
 * Score: microseconds per time step (the call divided by T). {@code r = 0} is the plain cell; the
 * matrix work per step is {@code (s + G*(H - s)) * (I + H)} multiply-adds, {@code s = round(r*H)},
 * so a GRU at r = 0.5 does 2/3 of the plain cell's and an Elman cell (G = 1) the same at every r.
 * The layer's parameter count is printed at set-up (in the fork's output).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OperationsPerInvocation(RestrictedBenchmark.STEPS)
public class RestrictedBenchmark {
    static final int STEPS = 100;
    static final int HIDDEN = 512;

    @Param({"RNN_TANH", "GRU", "LSTM"})
    public String cell;

    @Param({"0", "0.25", "0.5", "0.75", "1"})
    public double rate;

    private RecurrentLayer layer;
    private LayerState state;
    private float[] input;
    private float[] output;

    @Setup(Level.Trial)
    public void setUp() {
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        CellType type = CellType.valueOf(cell);
        SplittableRandom random = new SplittableRandom(42);
        RestrictedWeights weights = TorchInit.restricted(type, HIDDEN, HIDDEN, rate, random);
        layer = RecurrentLayer.createRestricted(weights, Blases.get());
        state = layer.newState(1);
        input = TorchInit.uniform(random, STEPS * HIDDEN, 1);
        output = new float[STEPS * HIDDEN];
        long dense = (long) type.gates() * HIDDEN * (2L * HIDDEN + 2);
        System.out.printf("%n%s r=%s: s=%d shared rows, %d parameters (%.3f of the dense layer's %d)%n",
                type, rate, weights.sharedRows(), weights.parameterCount(), weights.parameterCount() / (double) dense, dense);
    }

    @Benchmark
    public float forward() {
        state.reset();
        layer.forward(input, STEPS, state, output);
        return output[output.length - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
        layer.close();
    }
}
