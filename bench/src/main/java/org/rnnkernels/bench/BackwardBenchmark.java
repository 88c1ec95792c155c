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
import org.rnnkernels.train.ParameterGradients;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.TrainingLayer;
import org.rnnkernels.train.TrainingState;

/**
 * Backward through time against the forward, one layer, one thread (OpenBLAS single-threaded), I = H.
 * Score: microseconds per call of the whole sequence.
 * <ul>
 *   <li>{@code inferenceForward}: {@link RecurrentLayer#forward}, the library's forward;</li>
 *   <li>{@code trainingForward}: {@link TrainingLayer#forward}, which also keeps the trace;</li>
 *   <li>{@code trainingForwardBackward}: that forward, then {@link TrainingLayer#backward} with the gradients
 *       of the inputs, the initial state and every parameter.</li>
 * </ul>
 * The backward's own cost is {@code trainingForwardBackward - trainingForward}; the target is at
 * most 2.5x the forward step ({@code inferenceForward}) at B = 16, H = 256 for GRU and the RAG cells.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BackwardBenchmark {

    @Param({"GRU", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM", "LSTM"})
    public String cell;

    /** {@code BxHxT}, I = H. */
    @Param({"16x256x100"})
    public String shape;

    private RecurrentLayer layer;
    private LayerState inferenceState;
    private TrainingLayer training;
    private TrainingState state;
    private ParameterGradients gradients;
    private float[] input;
    private float[] output;
    private float[] dOutputs;
    private float[] dInput;
    private float[] dInitialH;
    private float[] dInitialC;
    private int steps;

    @Setup(Level.Trial)
    public void setUp() {
        CellBenchmark.Shape s = CellBenchmark.Shape.parse(shape);
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        CellType type = CellType.valueOf(cell);
        SplittableRandom random = new SplittableRandom(42);
        layer = TorchInit.layer(type, s.hidden(), s.hidden(), random, Blases.get());
        inferenceState = layer.newState(s.batch());
        training = TrainingLayer.of(layer);
        state = training.newState(s.batch());
        gradients = training.newGradients();
        steps = s.steps();
        input = TorchInit.uniform(random, steps * s.batch() * s.hidden(), 1);
        output = new float[steps * s.batch() * s.hidden()];
        dOutputs = TorchInit.uniform(random, output.length, 1);
        dInput = new float[input.length];
        dInitialH = new float[s.batch() * s.hidden()];
        dInitialC = type.hasCellState() ? new float[s.batch() * s.hidden()] : null;
    }

    @Benchmark
    public float inferenceForward() {
        inferenceState.reset();
        layer.forward(input, steps, inferenceState, output);
        return output[output.length - 1];
    }

    @Benchmark
    public float trainingForward() {
        state.reset();
        training.forward(input, steps, state, output);
        return output[output.length - 1];
    }

    @Benchmark
    public float trainingForwardBackward() {
        state.reset();
        training.forward(input, steps, state, output);
        training.backward(state, dOutputs, null, null, dInput, dInitialH, dInitialC, gradients);
        return dInput[0] + gradients.weightHh()[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        inferenceState.close();
        layer.close();
    }
}
