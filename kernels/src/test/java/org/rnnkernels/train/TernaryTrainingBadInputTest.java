package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.ternary.ActivationQuantizer;
import org.rnnkernels.ternary.Ternarizer;
import org.rnnkernels.ternary.TernaryLayer.Activations;

/** {@link TernaryTrainingLayer}'s refusals: an exception naming the argument and the expected shape, before any work. */
class TernaryTrainingBadInputTest {
    static final int I = 5, H = 4, B = 2, T = 3;

    static void expect(String name, String shape, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(name), "message should name " + name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(shape), "message should give " + shape + ": " + e.getMessage());
    }

    @Test
    void badConstructionArguments() {
        int rows = 4 * H;
        float[] wIh = new float[rows * I], wHh = new float[rows * H], b = new float[rows];
        expect("weights", "expected LSTM or GRU", () -> TernaryTrainingLayer.create(LayerWeights.of(CellType.RAG_GRU, I, H)
                .inputWeights(new float[3 * H * I]).recurrentWeights(new float[3 * H * H]).build(), Activations.TERNARY));
        expect("activations", "TERNARY or FLOAT", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(), null));
        expect("hiddenSize", "> 0", () -> TernaryTrainingLayer.create(LayerWeights.of(CellType.LSTM, I, 0).build(), Activations.FLOAT));
        expect("inputWeights (W_ih)", "[G*H=16][I=5]", () -> TernaryTrainingLayer.create(
                lstm(new float[rows * I + 1], wHh, b, b).build(), Activations.FLOAT));
        expect("recurrentWeights (W_hh)", "[G*H=16][H=4]", () -> TernaryTrainingLayer.create(
                lstm(wIh, null, b, b).build(), Activations.FLOAT));
        expect("b_hh", "[G*H=16]", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, new float[3]).build(), Activations.FLOAT));
        expect("b_ih and b_hh", "both", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, null).build(), Activations.FLOAT));
        float[] nan = wHh.clone();
        nan[7] = Float.NaN;
        expect("recurrentWeights (W_hh)[7]", "finite", () -> TernaryTrainingLayer.create(lstm(wIh, nan, b, b).build(), Activations.FLOAT));
        expect("lambda", "> 0", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(), Activations.FLOAT,
                ActivationQuantizer.THRESHOLD, Ternarizer.standard(), 0.5f, 0f, Blases.get()));
        expect("delta", "> 0", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(), Activations.FLOAT,
                ActivationQuantizer.THRESHOLD, Ternarizer.standard(), Float.NaN, 1f, Blases.get()));
        expect("quantizer", "THRESHOLD or STOCHASTIC", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(),
                Activations.TERNARY, null, Ternarizer.standard(), 0.5f, 1f, Blases.get()));
        expect("delta", "0.5", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(), Activations.TERNARY,
                ActivationQuantizer.STOCHASTIC, Ternarizer.standard(), 0.3f, 1f, Blases.get()));
        expect("quantizer", "TERNARY activations", () -> TernaryTrainingLayer.create(lstm(wIh, wHh, b, b).build(),
                Activations.FLOAT, ActivationQuantizer.STOCHASTIC, Ternarizer.standard(), 0.5f, 1f, Blases.get()));
        expect("batch", "> 0", () -> layer(CellType.GRU, Activations.FLOAT).newState(0));
    }

    private static LayerWeights.Builder lstm(float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        return LayerWeights.of(CellType.LSTM, I, H).inputWeights(wIh).recurrentWeights(wHh).biases(bIh, bHh);
    }

    static TernaryTrainingLayer layer(CellType type, Activations mode) {
        return TernaryTrainingTest.randomLayer(type, mode, I, H, 3);
    }

    @Test
    void badForwardArgumentsLeaveTheState() {
        TernaryTrainingLayer layer = layer(CellType.LSTM, Activations.TERNARY);
        float[] h0 = TorchInit.uniform(new SplittableRandom(1), B * H, 0.5f);
        TernaryTrainingState state = layer.newState(B).setHidden(h0);
        float[] x = new float[T * B * I];
        float[] out = new float[T * B * H];
        float[] u = new float[T * B * (I + H)];
        expect("input", "[T=3][B=2][I=5]", () -> layer.forward(new float[7], T, state, out, u));
        expect("output", "[T=3][B=2][H=4]", () -> layer.forward(x, T, state, new float[1], u));
        expect("steps", ">= 1", () -> layer.forward(x, 0, state, out, u));
        expect("uniforms", "[T=3][B=2][I+H=9]", () -> layer.forward(x, T, state, out, new float[5]));
        float[] one = u.clone();
        one[4] = 1f;
        expect("uniforms[4]", "[0, 1)", () -> layer.forward(x, T, state, out, one));
        expect("random", "SplittableRandom", () -> layer.forward(x, T, state, out, (SplittableRandom) null));
        expect("state", "LSTM TERNARY", () -> layer.forward(x, T, layer(CellType.GRU, Activations.TERNARY).newState(B), out, u));
        expect("state", "TERNARY", () -> layer.forward(x, T, layer(CellType.LSTM, Activations.FLOAT).newState(B), out, u));
        assertArrayEquals(h0, state.hidden(), "a refused forward leaves the state");
        assertThrows(IllegalStateException.class, () -> layer.backward(state, null, null, null, null, null, null,
                layer.newGradients()), "backward before any forward");

        TernaryTrainingLayer floats = layer(CellType.GRU, Activations.FLOAT);
        expect("uniforms", "FLOAT", () -> floats.forward(x, T, floats.newState(B), out, u));
        TernaryTrainingLayer threshold = TernaryTrainingTest.randomLayer(CellType.GRU, Activations.TERNARY,
                ActivationQuantizer.THRESHOLD, I, H, 3);
        expect("uniforms", "THRESHOLD", () -> threshold.forward(x, T, threshold.newState(B), out, u));
    }

    @Test
    void badBackwardArguments() {
        TernaryTrainingLayer layer = layer(CellType.GRU, Activations.TERNARY);
        TernaryTrainingState state = layer.newState(B);
        float[] out = new float[T * B * H];
        layer.forward(new float[T * B * I], T, state, out, new SplittableRandom(4));
        ParameterGradients g = layer.newGradients();
        expect("dOutputs", "[T=3][B=2][H=4]", () -> layer.backward(state, new float[5], null, null, null, null, null, g));
        expect("dFinalH", "[B=2][H=4]", () -> layer.backward(state, null, new float[H], null, null, null, null, g));
        expect("dInput", "[T=3][B=2][I=5]", () -> layer.backward(state, null, null, null, new float[1], null, null, g));
        expect("dFinalC", "no cell state", () -> layer.backward(state, null, null, new float[B * H], null, null, null, g));
        expect("gradients", "newGradients", () -> layer.backward(state, null, null, null, null, null, null, null));
        ParameterGradients lstm = layer(CellType.LSTM, Activations.TERNARY).newGradients();
        expect("gradients", "GRU of I=5, H=4", () -> layer.backward(state, null, null, null, null, null, null, lstm));
        expect("gradients", "GRU of I=5, H=4", () -> layer.parameters(lstm));

        // another forward re-quantised the layer: the first state's trace no longer matches its weights
        layer.forward(new float[T * B * I], T, layer.newState(B), out, new SplittableRandom(5));
        assertThrows(IllegalStateException.class, () -> layer.backward(state, null, null, null, null, null, null, g));
    }
}
