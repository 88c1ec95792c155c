package org.rnnkernels.bench;

import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.TorchInit;

/**
 * What a stack costs beyond its layers, and what variable lengths save. A 2-layer bidirectional
 * GRU at B=16, H=256, T=100, one thread:
 * <ul>
 *   <li>{@code stack}: one model call;</li>
 *   <li>{@code fourLayerCalls}: the same four layers, each called on its own (same inputs sizes),
 *       the cost the stack must stay within 10% of;</li>
 *   <li>{@code variableLengths}: the stack on lengths uniform in [T/2, T] (to compare with
 *       {@code stack}, the padded batch: target at most 80% of it).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ModelBenchmark {
    private static final int B = 16;
    private static final int H = 256;
    private static final int T = 100;

    @Param({"GRU"})
    public String cell;

    private RecurrentModel model;
    private ModelState state;
    private LayerState[] layerStates;
    private float[] input;
    private float[] layer1Input;
    private float[] output;
    private float[] layerOutput;
    private int[] lengths;

    @Setup(Level.Trial)
    public void setUp() {
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        CellType type = CellType.valueOf(cell);
        SplittableRandom random = new SplittableRandom(1);
        List<RecurrentLayer> layers = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            int in = k == 0 ? H : 2 * H;
            for (int d = 0; d < 2; d++) {
                layers.add(TorchInit.layer(type, in, H, random, Blases.get()));
            }
        }
        model = RecurrentModel.of(true, layers);
        state = model.newState(B);
        layerStates = new LayerState[4];
        for (int i = 0; i < 4; i++) {
            layerStates[i] = model.layer(i / 2, i % 2).newState(B);
        }
        input = TorchInit.uniform(random, T * B * H, 1);
        layer1Input = TorchInit.uniform(random, T * B * 2 * H, 1);
        output = new float[T * B * 2 * H];
        layerOutput = new float[T * B * H];
        lengths = new int[B];
        for (int b = 0; b < B; b++) {
            lengths[b] = T / 2 + random.nextInt(T / 2 + 1);
        }
    }

    @Benchmark
    public float stack() {
        state.reset();
        model.forward(input, T, null, state, output);
        return output[output.length - 1];
    }

    @Benchmark
    public void fourLayerCalls(Blackhole sink) {
        for (int i = 0; i < 4; i++) {
            layerStates[i].reset();
            model.layer(i / 2, i % 2).forward(i < 2 ? input : layer1Input, T, layerStates[i], layerOutput);
            sink.consume(layerOutput[layerOutput.length - 1]);
        }
    }

    @Benchmark
    public float variableLengths() {
        state.reset();
        model.forward(input, T, lengths, state, output);
        return output[output.length - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
        model.close();
    }
}
