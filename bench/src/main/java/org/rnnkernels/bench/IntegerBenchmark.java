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
import org.rnnkernels.quant.IntegerLayer;
import org.rnnkernels.train.TorchInit;

/**
 * The integer RAG-minimal layer (int8 weights, F = 12, int32 products of the library's own kernel) beside the
 * float GRU and the float RAG-minimal, issue 13's plaintext target (integer RAG-minimal at most 0.5x the float
 * GRU step): a whole sequence forward, B = 1, I = H, T = 100, one thread (OpenBLAS single-threaded). Score:
 * microseconds per time step, the step's share of the input projection included for all.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class IntegerBenchmark {
    private static final int STEPS = 100;

    @Param({"GRU/float32", "RAG_MINIMAL/float32", "RAG_MINIMAL/int8"})
    public String variant;

    @Param({"256", "512"})
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
        String[] parts = variant.split("/");
        CellType type = CellType.valueOf(parts[0]);
        SplittableRandom random = new SplittableRandom(42);
        LayerWeights weights = TorchInit.weights(type, hidden, hidden, random);
        input = TorchInit.uniform(random, STEPS * hidden, 1);
        output = new float[STEPS * hidden];
        layer = parts[1].equals("int8") ? IntegerLayer.quantize(weights) : RecurrentLayer.create(weights, Blases.get());
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
