package org.rnnkernels.train;

import org.rnnkernels.internal.Checks;

/**
 * The training loop of a {@link TrainingModel}, written once. Each step trains on one batch of
 * independent sequences:
 * <pre>{@code
 * state.reset();                                  // new sequences, from zero states
 * model.forward(input, steps, state, output);     // the head's outputs
 * loss = objective.compute(output, ..., dOutput); // the loss and dL/doutput
 * model.backward(state, dOutput);                 // every parameter's gradient
 * gradNorm = model.update(optimizer, maxGradNorm); // clip, step, refresh, zero
 * }</pre>
 * {@link #train} runs that over the batches a caller supplies and calls back after each step (with the
 * step's loss, the gradients' norm before clipping and the training time so far) for evaluation,
 * logging or probes; {@link #step} is one step on its own, for callers that drive the loop themselves
 * (a benchmark timing one step, say).
 *
 * <p>A trainer belongs to one thread. It keeps the state and the output and gradient workspaces, so a
 * step allocates nothing beyond what the model's own step does.
 */
public final class Trainer {

    /** The next training batch. */
    @FunctionalInterface
    public interface Batches {
        /**
         * Writes the next batch and returns its inputs {@code [T][B][I]} (time-major; the caller's array,
         * typically the same one every call), having written the targets its {@link Objective} reads.
         */
        float[] next();
    }

    /** The loss of one batch. */
    @FunctionalInterface
    public interface Objective {
        /**
         * The loss of the head's {@code output} against the batch's targets; writes {@code dL/doutput}
         * into {@code gradOutput} (shaped as {@code output}). As {@link MeanSquaredError#compute} and
         * {@link SoftmaxCrossEntropy#compute} take them: {@code output} is {@code [steps][batch][K]} with
         * {@code steps = 1} for a head on the last step ({@link TrainingModel.HeadOn#LAST_STEP}) and the
         * sequence length for a head on every step.
         */
        double compute(float[] output, int steps, int batch, float[] gradOutput);
    }

    /**
     * Where training stands after step {@code step} (1-based) of {@code iterations}.
     *
     * @param loss          the step's loss
     * @param gradNorm      the 2-norm of the step's gradients before clipping
     * @param trainingNanos the time spent in {@link Batches#next} and the steps so far (callbacks excluded)
     */
    public record Progress(int step, int iterations, double loss, double gradNorm, long trainingNanos) {
        /** True every {@code n} steps and at the last one (where to evaluate). */
        public boolean every(int n) {
            return step % n == 0 || step == iterations;
        }

        /** Milliseconds per training step so far. */
        public double millisPerStep() {
            return trainingNanos / 1e6 / step;
        }
    }

    /** Called after every step of {@link #train}. */
    @FunctionalInterface
    public interface Callback {
        void afterStep(Progress progress);
    }

    private final TrainingModel model;
    private final Optimizer optimizer;
    private final double maxGradNorm;
    private final int batch;
    private final int steps;
    private final int lossSteps;     // the loss's T: 1 for a head on the last step
    private final TrainingModel.State state;
    private final float[] output;
    private final float[] gradOutput;
    private double lastGradNorm = Double.NaN;
    private LearningRateSchedule schedule;

    /**
     * A trainer of {@code model} on batches of {@code batch} sequences of {@code steps} steps.
     *
     * @param optimizer   built on {@code model.parameters()}
     * @param maxGradNorm the clip of the gradients' total 2-norm ({@code Double.POSITIVE_INFINITY}: none)
     * @throws IllegalArgumentException for a null model, an optimizer of other parameters, a clip that is not
     *                                  {@code > 0}, or a batch or length below 1
     */
    public Trainer(TrainingModel model, Optimizer optimizer, double maxGradNorm, int batch, int steps) {
        Checks.nonNull("model", model);
        if (optimizer == null || !optimizer.parameters().equals(model.parameters())) {
            throw new IllegalArgumentException("optimizer must be built on the model's parameters()");
        }
        if (!(maxGradNorm > 0)) {
            throw new IllegalArgumentException("maxGradNorm = " + maxGradNorm + ", expected > 0 (infinity for no clipping)");
        }
        Checks.positive("batch", batch);
        Checks.positive("steps", steps);
        this.model = model;
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
        this.batch = batch;
        this.steps = steps;
        this.lossSteps = model.headOn() == TrainingModel.HeadOn.LAST_STEP ? 1 : steps;
        this.state = model.newState(batch);
        this.output = new float[Math.multiplyExact(Math.multiplyExact(lossSteps, batch), model.head().outputs())];
        this.gradOutput = new float[output.length];
    }

    /**
     * One training step on {@code input} {@code [T][B][I]} (see the class comment).
     *
     * @return the loss {@code objective} computed
     * @throws IllegalArgumentException for input of the wrong shape (before anything changes)
     */
    public double step(float[] input, Objective objective) {
        Checks.nonNull("objective", objective);
        state.reset();
        model.forward(input, steps, state, output);
        double loss = objective.compute(output, lossSteps, batch, gradOutput);
        model.backward(state, gradOutput);
        lastGradNorm = model.update(optimizer, maxGradNorm);
        return loss;
    }

    /**
     * From the next {@link #train} on, step {@code i} of it runs at {@code schedule.rate(i)} (set on the
     * optimiser before the step); null keeps the optimiser's rate as it is.
     */
    public Trainer schedule(LearningRateSchedule schedule) {
        this.schedule = schedule;
        return this;
    }

    /**
     * {@code iterations} steps, each on the next of {@code batches}, calling {@code callback} after each;
     * with a {@link #schedule}, step {@code i} runs at its rate.
     *
     * @return the progress after the last step
     */
    public Progress train(int iterations, Batches batches, Objective objective, Callback callback) {
        Checks.positive("iterations", iterations);
        Checks.nonNull("batches", batches);
        Checks.nonNull("objective", objective);
        Checks.nonNull("callback", callback);
        long nanos = 0;
        Progress progress = null;
        for (int it = 1; it <= iterations; it++) {
            long start = System.nanoTime();
            if (schedule != null) {
                optimizer.setLearningRate(schedule.rate(it));
            }
            double loss = step(batches.next(), objective);
            nanos += System.nanoTime() - start;
            progress = new Progress(it, iterations, loss, lastGradNorm, nanos);
            callback.afterStep(progress);
        }
        return progress;
    }

    /** The 2-norm of the last step's gradients before clipping (NaN before the first step). */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    public TrainingModel model() {
        return model;
    }

    /** {@code B}, the sequences of a batch. */
    public int batch() {
        return batch;
    }

    /** {@code T}, the steps of a sequence. */
    public int steps() {
        return steps;
    }
}
