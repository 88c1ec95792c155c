package org.rnnkernels.quant;

import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;

/**
 * Integer RAG layers: RAG-minimal, RAG-GRU and RAG-LSTM with int8 weights, fixed-point activations and states,
 * and a step of integer adds, max, min and shifts (no multiplication of two variables: the point of RAG under
 * homomorphic encryption and in integer hardware). Precision is a property of the layer's parts, not a cell
 * type: the layer's {@code cellType()} is the RAG cell's, and it is a {@link RecurrentLayer} like any other.
 *
 * <p>Formats ({@link IntegerWeights} has the details and the bounds): weights {@code w 2^-e_k}, int8 with one
 * exponent per gate block; activations and states with {@code F} fractional bits ({@link #DEFAULT_FRACTION_BITS});
 * products accumulated in int32 and rescaled by an arithmetic shift, rounding half up (add {@code 2^(e-1)},
 * then shift). The boundary is float: inputs are quantised on entry (round half up, saturating at
 * {@code +-2^inputBits}), outputs are {@code h 2^-F}, exact in float32; so integer layers of one format stack
 * through float buffers with no loss.
 */
public final class IntegerLayer {
    /**
     * Default {@code F}: 12 fractional bits (steps of 2^-12 = 2.4e-4 in [-1, 1]). Measured
     * ({@code IntegerAccuracyTest}, H = 64, 200 steps; RMS of h): the rounding of activations and states (the
     * integer layer against the float layer of its own dequantised weights) halves with each bit (RAG-minimal
     * 3.1e-2 at F = 6, 4.3e-4 at 12, 3.0e-5 at 16), while the error against the original float layer stops
     * falling at F = 12 (1.43e-2; 1.46e-2 at 14 and 16), where the int8 weights' own error dominates; RAG-GRU
     * and RAG-LSTM alike. On the adding problem (T = 100, trained float models, {@code bench quantize}) F = 12
     * gives 1.40x (RAG-minimal), 1.03x (RAG-GRU) and 0.72x (RAG-LSTM) the float test MSE, F = 8 about the same,
     * F = 6 up to 2.6x. And F = 12 keeps full-range int8 rows of up to 4128 columns inside int32 (F = 16: 258).
     */
    public static final int DEFAULT_FRACTION_BITS = 12;

    private IntegerLayer() {
    }

    /** A layer from integer weights. */
    public static RecurrentLayer create(IntegerWeights weights) {
        return RecurrentLayer.createInteger(weights);
    }

    /** {@link IntegerWeights#quantize} of float RAG weights with {@link #DEFAULT_FRACTION_BITS} and inputs in [-1, 1]. */
    public static RecurrentLayer quantize(LayerWeights weights) {
        return quantize(weights, DEFAULT_FRACTION_BITS, 0);
    }

    /** {@link IntegerWeights#quantize} of float RAG weights, as a layer. */
    public static RecurrentLayer quantize(LayerWeights weights, int fractionBits, int inputBits) {
        return create(IntegerWeights.quantize(weights, fractionBits, inputBits));
    }

    /**
     * Every layer of a float RAG model quantised (the model is left as it is): layer 0 with inputs saturating
     * at {@code +-2^inputBits} (see {@link IntegerWeights#inputBitsFor}), the layers above with 0 (their inputs
     * are the layer below's {@code h}, in [-1, 1] and exact on the grid of the same {@code F}).
     *
     * @throws IllegalArgumentException for a layer without an integer form, or weights that cannot be quantised
     */
    public static RecurrentModel quantize(RecurrentModel model, int fractionBits, int inputBits) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        List<IntegerWeights> weights = new ArrayList<>();
        for (int k = 0; k < model.numLayers(); k++) {
            for (int d = 0; d < model.directions(); d++) {
                weights.add(IntegerWeights.quantize(model.layer(k, d).weights(), fractionBits, k == 0 ? inputBits : 0));
            }
        }
        List<RecurrentLayer> layers = new ArrayList<>();
        for (IntegerWeights w : weights) {
            layers.add(create(w));
        }
        return RecurrentModel.of(model.bidirectional(), layers);
    }
}
