package org.rnnkernels.train;

import static org.rnnkernels.train.TrainingVsReferenceTest.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.Fixtures;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.HitNetTrainingReference;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceBackward;
import org.rnnkernels.reference.HitNetTrainingReference.Activations;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer;

/**
 * {@link TernaryTrainingLayer} against {@code HitNetTrainingReference} (double), with the same draws, on
 * awkward sizes: outputs, {@code dX}, {@code dh0}, {@code dc0} and the four master-parameter gradients, to
 * {@link TrainingVsReferenceTest}'s tolerance (1e-4 relative, floored at 1e-2 of the tensor's scale).
 * Seed 1 runs with {@code lambda = 1} and one scale per gate block, seed 2 with {@code lambda = 1.5} and one
 * scale per matrix. Inputs are drawn in (-1.5, 1.5) so that the activation STE {@code [|x| <= 1]} blocks some.
 *
 * <p>Modes: FLOAT activations, TERNARY by {@link ActivationQuantizer#THRESHOLD} (no draws) and by
 * {@link ActivationQuantizer#STOCHASTIC} (the reference's FLOAT, THRESHOLD and STOCHASTIC).
 *
 * <p>Threshold ties. {@code h_t} (t >= 1) within rounding of {@code +-delta} could be ternarised differently
 * by float and double, and the runs would part: when a state of the reference lies within {@value #TIE} of
 * {@code +-delta}, {@code delta} (of both) moves up by {@code 3 * TIE} and the reference runs again.
 *
 * <p>Draws near a tie. A stochastic ternarisation compares a draw {@code u} with {@code min(|v|, 1)}; for
 * {@code x} and {@code h0} both sides see the same float values, but {@code h_t} (t >= 1) differs between
 * float and double by rounding, so a draw within rounding of {@code |h_t|} could go either way and the two
 * runs would part. Such draws are moved off the tie before the comparison, using the reference alone: every
 * draw closer than {@value #TIE} to its threshold is moved {@code 2 * TIE} away (the earliest step holding
 * one first, then the reference runs again, since later values change).
 */
class TernaryTrainingVsReferenceTest {
    static final double TIE = 1e-4;
    static final float DELTA = 0.5f;
    static final int MAX_DELTA_MOVES = 50;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CellType type : List.of(CellType.LSTM, CellType.GRU)) {
            for (Activations mode : Activations.values()) {
                for (int hidden : new int[] {1, 7, 8, 9, 17, 33}) {
                    for (int batch : new int[] {1, 3}) {
                        for (int steps : new int[] {1, 50}) {
                            for (int seed = 1; seed <= 2; seed++) {
                                cases.add(Arguments.of(type, mode, hidden + 3, hidden, batch, steps, seed));
                            }
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    /** A random ternary layer's masters, inputs, initial state, upstream gradients and draws. */
    static final class Case {
        final CellType type;
        final Activations mode;
        final int input, hidden, batch, steps;
        final float lambda;
        float delta = DELTA;
        final Ternarizer ternarizer;
        final Fixtures.Weights weights;
        final float[] x, h0, c0, dOutputs, dFinalH, dFinalC, uniforms;

        Case(CellType type, Activations mode, int input, int hidden, int batch, int steps, int seed) {
            this.type = type;
            this.mode = mode;
            this.input = input;
            this.hidden = hidden;
            this.batch = batch;
            this.steps = steps;
            this.lambda = seed == 1 ? 1f : 1.5f;
            this.ternarizer = seed == 1 ? Ternarizer.standard()
                    : new Ternarizer(Ternarizer.DEFAULT_FACTOR, Ternarizer.Scaling.PER_MATRIX);
            SplittableRandom random = new SplittableRandom(seed * 7919L + hidden * 31L + batch * 7L + steps);
            weights = Fixtures.Weights.of(TorchInit.weights(type, input, hidden, random));
            x = TorchInit.uniform(random, steps * batch * input, 1.5f);
            h0 = TorchInit.uniform(random, batch * hidden, 0.5f);
            c0 = type == CellType.LSTM ? TorchInit.uniform(random, batch * hidden, 0.5f) : null;
            dOutputs = TorchInit.uniform(random, steps * batch * hidden, 1f);
            dFinalH = TorchInit.uniform(random, batch * hidden, 1f);
            dFinalC = type == CellType.LSTM ? TorchInit.uniform(random, batch * hidden, 1f) : null;
            uniforms = new float[steps * batch * (input + hidden)];
            for (int i = 0; i < uniforms.length; i++) {
                uniforms[i] = random.nextFloat();
            }
        }

        HitNetTrainingReference reference() {
            return new HitNetTrainingReference(RefCellType.valueOf(type.name()), mode, delta, input, hidden,
                    weights.weightIh(), weights.weightHh(), Fixtures.toDouble(weights.biasIh()),
                    Fixtures.toDouble(weights.biasHh()), ternarizer.factor(),
                    ternarizer.scaling() == Ternarizer.Scaling.PER_MATRIX ? 1 : type.gates(), lambda);
        }

        HitNetTrainingReference.Trace trace(HitNetTrainingReference reference) {
            double[][][] u = mode == Activations.STOCHASTIC ? Fixtures.sequence(uniforms, steps, batch, input + hidden) : null;
            return reference.forward(Fixtures.sequence(x, steps, batch, input), rows(h0), c0 == null ? null : rows(c0), u);
        }

        double[][] rows(float[] flat) {
            return Fixtures.rows(flat, batch, hidden);
        }

        /** True when a state h_t (t >= 1) of the trace lies within TIE of +-delta. */
        boolean nearThreshold(HitNetTrainingReference.Trace trace) {
            for (int t = 1; t < steps; t++) {
                for (double[] row : trace.h()[t]) {
                    for (double v : row) {
                        if (Math.abs(Math.abs(v) - delta) < TIE) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        /** Moves the draws of h_t (t >= 1) within TIE of their threshold, earliest step first; true if any moved. */
        boolean moveOffTies(HitNetTrainingReference.Trace trace) {
            int draws = input + hidden;
            for (int t = 1; t < steps; t++) {
                boolean moved = false;
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < hidden; j++) {
                        double threshold = Math.min(Math.abs(trace.h()[t][b][j]), 1);
                        int at = (t * batch + b) * draws + input + j;
                        double u = uniforms[at];
                        if (Math.abs(u - threshold) < TIE) {
                            double away = u < threshold ? threshold - 2 * TIE : threshold + 2 * TIE;
                            if (away < 0 || away >= 1) {
                                away = u < threshold ? threshold + 2 * TIE : threshold - 2 * TIE;
                            }
                            uniforms[at] = (float) away;
                            moved = true;
                        }
                    }
                }
                if (moved) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return type + " " + mode + (mode == Activations.THRESHOLD ? " delta=" + delta : "") + " I=" + input + " H=" + hidden + " B=" + batch + " T=" + steps + " lambda=" + lambda
                    + " " + ternarizer.scaling();
        }
    }


    @ParameterizedTest(name = "{0} {1} I={2} H={3} B={4} T={5} seed={6}")
    @MethodSource("cases")
    void gradientsMatchReference(CellType type, Activations mode, int input, int hidden, int batch, int steps, int seed) {
        Case c = new Case(type, mode, input, hidden, batch, steps, seed);
        Fixtures.Weights w = c.weights;
        HitNetTrainingReference reference = c.reference();
        HitNetTrainingReference.Trace trace = c.trace(reference);
        for (int round = 0; mode == Activations.STOCHASTIC && c.moveOffTies(trace); round++) {
            if (round > steps) {
                throw new AssertionError(c + ": draws still near ties after " + round + " rounds");
            }
            trace = c.trace(reference);
        }
        for (int moves = 0; mode == Activations.THRESHOLD && c.nearThreshold(trace); moves++) {
            if (moves == MAX_DELTA_MOVES) {
                throw new AssertionError(c + ": states still near the threshold after " + moves + " moves of delta");
            }
            c.delta += (float) (3 * TIE);
            reference = c.reference();
            trace = c.trace(reference);
        }
        ReferenceBackward.Gradients expected = reference.backward(trace, Fixtures.sequence(c.dOutputs, steps, batch, hidden),
                c.rows(c.dFinalH), c.dFinalC == null ? null : c.rows(c.dFinalC));

        TernaryTrainingLayer layer = TernaryTrainingLayer.create(LayerWeights.of(type, input, hidden)
                .inputWeights(w.weightIh())
                .recurrentWeights(w.weightHh())
                .biases(w.biasIh(), w.biasHh())
                .build(), mode == Activations.FLOAT ? TernaryLayer.Activations.FLOAT : TernaryLayer.Activations.TERNARY,
                mode == Activations.STOCHASTIC ? ActivationQuantizer.STOCHASTIC : ActivationQuantizer.THRESHOLD,
                c.ternarizer, c.delta, c.lambda, Blases.get());
        TernaryTrainingState state = layer.newState(batch).setHidden(c.h0);
        if (c.c0 != null) {
            state.setCell(c.c0);
        }
        float[] out = new float[steps * batch * hidden];
        layer.forward(c.x, steps, state, out, mode == Activations.STOCHASTIC ? c.uniforms : null);
        ParameterGradients g = layer.newGradients();
        float[] dX = new float[steps * batch * input];
        float[] dH0 = new float[batch * hidden];
        float[] dC0 = c.c0 == null ? null : new float[batch * hidden];
        layer.backward(state, c.dOutputs, c.dFinalH, c.dFinalC, dX, dH0, dC0, g);

        compare(c + " outputs", Fixtures.flatten(trace.outputs()), out);
        compare(c + " dX", Fixtures.flatten(expected.dX()), dX);
        compare(c + " dH0", Fixtures.flatten(expected.dInitialH()), dH0);
        if (dC0 != null) {
            compare(c + " dC0", Fixtures.flatten(expected.dInitialC()), dC0);
        }
        TrainingVsReferenceTest.compareParameters(c.toString(), expected, g);
    }
}
