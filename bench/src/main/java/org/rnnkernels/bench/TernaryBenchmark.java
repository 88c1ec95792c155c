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
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.train.TorchInit;

/**
 * HitNet ternary layers against the float32 layer on the same weights: a whole sequence forward,
 * B = 1, I = H = 1024, T = 50, one thread (OpenBLAS single-threaded, as in {@link CellBenchmark}).
 * Score: microseconds per time step (the sequence's time / T), input side included for all.
 * Every variant is a {@link RecurrentLayer}, with other parts: {@code float32} (sgemm input
 * projection, per-step panel product), {@code ternary} (ternary x ternary popcount products, the input
 * projection of all T steps in one batched call), {@code ternaryFloat} (ternary x float: the trits on the int8 x float product).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TernaryBenchmark {
    private static final int STEPS = 50;

    @Param({"GRU", "LSTM"})
    public String cell;

    @Param({"float32", "ternary", "ternaryFloat"})
    public String variant;

    @Param({"1024"})
    public int hidden;

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
        LayerWeights w = TorchInit.weights(type, hidden, hidden, random);
        float[] wIh = w.inputWeights();
        float[] wHh = w.recurrentWeights();
        float[] bIh = w.inputBias();
        float[] bHh = w.recurrentBias();
        input = TorchInit.uniform(random, STEPS * hidden, 1);
        output = new float[STEPS * hidden];
        switch (variant) {
            case "float32" -> layer = RecurrentLayer.create(LayerWeights.of(type, hidden, hidden)
                    .inputWeights(wIh)
                    .recurrentWeights(wHh)
                    .biases(bIh, bHh)
                    .build(), Blases.get());
            case "ternary", "ternaryFloat" -> {
                TernaryLayer.Activations mode = variant.equals("ternary") ? TernaryLayer.Activations.TERNARY
                        : TernaryLayer.Activations.FLOAT;
                layer = TernaryLayer.create(LayerWeights.of(type, hidden, hidden).inputWeights(wIh)
                        .recurrentWeights(wHh)
                        .biases(bIh, bHh)
                        .build(), mode);
            }
            default -> throw new IllegalArgumentException("variant " + variant);
        }
        state = layer.newState(1);
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
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
