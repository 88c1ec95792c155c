package org.rnnkernels.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentState;

/**
 * What {@link TrainingModel} asks of a layer of its stack, over the two kinds of training layer: each
 * record holds one and forwards the calls with its own state type (made by {@link #newState}, so the
 * casts hold). An adapter rather than an interface the layers implement: the layers are public, so
 * the methods of an interface they implement would be public API, and these calls (a state typed as
 * {@link RecurrentState}, draws that a dense layer ignores) are the model's business only.
 */
sealed interface StackedLayer permits StackedLayer.Dense, StackedLayer.Ternary {
    TrainableLayer layer();

    /** The layer's state for {@code batch} streams: a part of {@code whole}, closed with it. */
    RecurrentState newState(int batch, RecurrentState whole);

    /** The {@link TrainingState} holding {@code state}'s {@code h}, {@code c} and trace. */
    TrainingState core(RecurrentState state);

    /** Drops {@code state}'s workspace and marks it closed (its owner is closing). */
    void release(RecurrentState state);

    ParameterGradients newGradients();

    /** The live parameters paired with {@code gradients}, named without layer suffix ({@code weight_ih}, ...). */
    List<Parameter> parameters(ParameterGradients gradients);

    /** Training forward from {@code state}; a ternary layer draws its stochastic activations from {@code draws}. */
    void forward(float[] input, int steps, RecurrentState state, float[] output, SplittableRandom draws);

    /** Throws IllegalStateException when a backward of {@code state} cannot run (checked before the model writes anything). */
    void requireTrace(RecurrentState state);

    /** BPTT of {@code state}'s last forward (see {@link TrainingLayer#backward}; no final or initial cell state). */
    void backward(RecurrentState state, float[] dOutputs, float[] dFinalH, float[] dInput, ParameterGradients gradients);

    void parametersChanged();

    /** The inference layer of the current weights; the caller closes it. */
    RecurrentLayer toLayer();

    static StackedLayer of(TrainableLayer layer) {
        return switch (layer) {
            case TrainingLayer dense -> new Dense(dense);
            case TernaryTrainingLayer ternary -> new Ternary(ternary);
        };
    }

    record Dense(TrainingLayer layer) implements StackedLayer {
        @Override
        public RecurrentState newState(int batch, RecurrentState whole) {
            TrainingState state = layer.newState(batch);
            state.ownedBy(whole);
            return state;
        }

        @Override
        public TrainingState core(RecurrentState state) {
            return (TrainingState) state;
        }

        @Override
        public void release(RecurrentState state) {
            ((TrainingState) state).release();
        }

        @Override
        public ParameterGradients newGradients() {
            return layer.newGradients();
        }

        @Override
        public List<Parameter> parameters(ParameterGradients gradients) {
            return layer.parameters(gradients);
        }

        @Override
        public void forward(float[] input, int steps, RecurrentState state, float[] output, SplittableRandom draws) {
            layer.forward(input, steps, (TrainingState) state, output);
        }

        @Override
        public void requireTrace(RecurrentState state) {
        }

        @Override
        public void backward(RecurrentState state, float[] dOutputs, float[] dFinalH, float[] dInput,
                             ParameterGradients gradients) {
            layer.backward((TrainingState) state, dOutputs, dFinalH, null, dInput, null, null, gradients);
        }

        @Override
        public void parametersChanged() {
            layer.parametersChanged();
        }

        @Override
        public RecurrentLayer toLayer() {
            return layer.toLayer();
        }
    }

    /**
     * A HitNet layer. Its forward quantises the master weights itself, so {@link #parametersChanged()} has
     * nothing to refresh. Its parameters carry PyTorch's layer suffix {@code _l0} as a lone layer's do; the
     * model names them by their place in the stack, so the suffix is dropped here.
     */
    record Ternary(TernaryTrainingLayer layer) implements StackedLayer {
        private static final String LONE_LAYER = "_l0";

        @Override
        public RecurrentState newState(int batch, RecurrentState whole) {
            TernaryTrainingState state = layer.newState(batch);
            state.ownedBy(whole);
            return state;
        }

        @Override
        public TrainingState core(RecurrentState state) {
            return ((TernaryTrainingState) state).core;
        }

        @Override
        public void release(RecurrentState state) {
            ((TernaryTrainingState) state).release();
        }

        @Override
        public ParameterGradients newGradients() {
            return layer.newGradients();
        }

        @Override
        public List<Parameter> parameters(ParameterGradients gradients) {
            List<Parameter> named = new ArrayList<>();
            for (Parameter p : layer.parameters(gradients)) {
                String name = p.name();
                if (!name.endsWith(LONE_LAYER)) {
                    throw new IllegalStateException("ternary parameter " + name + " does not end in " + LONE_LAYER);
                }
                named.add(new Parameter(name.substring(0, name.length() - LONE_LAYER.length()), p.value(), p.gradient()));
            }
            return named;
        }

        @Override
        public void forward(float[] input, int steps, RecurrentState state, float[] output, SplittableRandom draws) {
            layer.forward(input, steps, (TernaryTrainingState) state, output, draws);
        }

        @Override
        public void requireTrace(RecurrentState state) {
            layer.requireCurrentTrace((TernaryTrainingState) state);
        }

        @Override
        public void backward(RecurrentState state, float[] dOutputs, float[] dFinalH, float[] dInput,
                             ParameterGradients gradients) {
            layer.backward((TernaryTrainingState) state, dOutputs, dFinalH, null, dInput, null, null, gradients);
        }

        @Override
        public void parametersChanged() {
        }

        @Override
        public RecurrentLayer toLayer() {
            return layer.toInference();
        }
    }
}
