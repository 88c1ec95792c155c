package org.rnnkernels.bench;

import java.util.Arrays;
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
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.quant.Int8Layer;
import org.rnnkernels.train.TorchInit;

/**
 * The int8-weight GRU and LSTM ({@link Int8Layer}: int8 weights, a float scale per row, float activations)
 * beside the float layers of the same cells, issue 13's target (int8 GRU at B = 1, H = 512, 1 thread: at least
 * 1.5x faster than the float GRU). I = H, one thread (OpenBLAS single-threaded). Scores in microseconds per time
 * step:
 * <ul>
 *   <li>{@link #forward}: a whole sequence of {@value #STEPS} steps (the input projection of all steps at once
 *       included), as PyTorch's peers are timed ({@code torch_int8.py});</li>
 *   <li>{@link #step}: one streaming step ({@code T = 1}), which reads all of {@code W_ih} and {@code W_hh};</li>
 *   <li>{@link #weightBytes}: the floor of a streaming step, the time to read as many bytes as its weights
 *       take at the variant's precision ({@code G*H*(I+H)} bytes for int8, 4x that for float32), from where
 *       they stay between steps (a JDK-intrinsic vectorised compare of two equal halves).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Int8Benchmark {
    static final int STEPS = 100;

    @Param({"GRU/float32", "GRU/int8", "LSTM/float32", "LSTM/int8"})
    public String variant;

    /** {@code BxH}, I = H. */
    @Param({"1x256", "1x512", "16x256"})
    public String shape;

    private RecurrentLayer layer;
    private LayerState state;
    private float[] input;
    private float[] output;
    private float[] stepInput;
    private float[] stepOutput;
    private byte[] bytesA;
    private byte[] bytesB;

    @Setup(Level.Trial)
    public void setUp() {
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        String[] parts = variant.split("/");
        CellType type = CellType.valueOf(parts[0]);
        String[] dims = shape.split("x");
        int batch = Integer.parseInt(dims[0]);
        int hidden = Integer.parseInt(dims[1]);
        SplittableRandom random = new SplittableRandom(42);
        LayerWeights weights = TorchInit.weights(type, hidden, hidden, random);
        input = TorchInit.uniform(random, STEPS * batch * hidden, 1);
        output = new float[STEPS * batch * hidden];
        stepInput = Arrays.copyOf(input, batch * hidden);
        stepOutput = new float[batch * hidden];
        boolean int8 = parts[1].equals("int8");
        layer = int8 ? Int8Layer.quantize(weights) : RecurrentLayer.create(weights, Blases.get());
        state = layer.newState(batch);
        long weightCount = (long) type.gates() * hidden * 2L * hidden;
        int half = (int) (weightCount * (int8 ? 1 : Float.BYTES) / 2);
        bytesA = new byte[half];
        random.nextBytes(bytesA);
        bytesB = bytesA.clone();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public float forward() {
        state.reset();
        layer.forward(input, STEPS, state, output);
        return output[output.length - 1];
    }

    @Benchmark
    public float step() {
        layer.step(stepInput, state, stepOutput);
        return stepOutput[0];
    }

    @Benchmark
    public boolean weightBytes() {
        return Arrays.equals(bytesA, bytesB);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
        layer.close();
    }
}
