package org.rnnkernels.bench;

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
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.MeanSquaredError;
import org.rnnkernels.train.Tasks;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingModel;

/**
 * One whole training step of the adding problem, as issue 6's speed target and PyTorch's
 * {@code tools/torch_train_step.py} time it: one layer with a linear head on the last step, 2 inputs,
 * forward + MSE + backward + gradient-norm clip + Adam, one thread (OpenBLAS single-threaded).
 * Score: milliseconds per step. Shapes {@code BxHxT}: the anchors are GRU and LSTM at
 * {@code 64x64x100} and GRU at {@code 16x256x100}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TrainingStepBenchmark {

    @Param({"GRU", "LSTM", "RAG_GRU", "RAG_MINIMAL", "RAG_LSTM"})
    public String cell;

    /** {@code BxHxT}, I = 2. */
    @Param({"64x64x100", "16x256x100"})
    public String shape;

    private Trainer trainer;
    private Trainer.Objective mse;
    private float[] input;

    @Setup(Level.Trial)
    public void setUp() {
        CellBenchmark.Shape s = CellBenchmark.Shape.parse(shape);
        if (OpenBlas.load().isPresent()) {
            OpenBlas.setThreads(1);
        }
        CellType type = CellType.valueOf(cell);
        int in = Tasks.Adding.INPUT_SIZE;
        SplittableRandom random = new SplittableRandom(42);
        TrainingModel model;
        try (RecurrentModel layers = RecurrentModel.of(false,
                List.of(TorchInit.layer(type, in, s.hidden(), random, Blases.get())))) {
            model = TrainingModel.of(layers, LinearHead.create(s.hidden(), 1, 7), TrainingModel.HeadOn.LAST_STEP);
        }
        trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), 1, s.batch(), s.steps());
        input = new float[s.steps() * s.batch() * in];
        float[] target = new float[s.batch()];
        Tasks.adding(s.steps(), 3).next(s.batch(), input, target);
        MeanSquaredError loss = new MeanSquaredError(1, Loss.Over.EVERY_STEP);
        mse = (prediction, t, b, dPrediction) -> loss.compute(prediction, t, b, target, null, dPrediction);
    }

    /** One step of {@link Trainer}: reset, forward, MSE, backward, clip + Adam. */
    @Benchmark
    public double trainingStep() {
        return trainer.step(input, mse);
    }
}
