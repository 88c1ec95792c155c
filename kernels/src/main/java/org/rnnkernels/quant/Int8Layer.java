package org.rnnkernels.quant;

import java.util.ArrayList;
import java.util.List;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;

/**
 * int8-weight layers: a float cell (GRU, LSTM, and any other cell without parameters beside {@code W} and
 * {@code b}) whose matrix products read int8 weights with a float scale per row ({@link Int8Weights}). The
 * baseline of issue 13 beside PyTorch's dynamic int8 GRU and LSTM; precision is a property of the layer's
 * products, not a cell type: {@code cellType()} is the float cell's, and its gate pass is the float layer's own.
 *
 * <p>Formulation: weight-only. Activations and states stay float32; each int8 weight is widened to float in a
 * register and multiplied into a float accumulator, and the row's scale is applied to the sum
 * ({@code gi = s ⊙ (Q_ih x)}, {@code gh = s ⊙ (Q_hh h)}). So the layer is exact with respect to its dequantised
 * weights ({@link Int8Weights#dequantize()}): it agrees with the float layer of those to float rounding, and
 * the only quantisation error is the weights'. PyTorch's dynamic quantisation also quantises {@code x} and
 * {@code h} to int8 on every call (per tensor) and multiplies int8 x int8 into int32; this layer does not
 * (the Vector API has no int8 dot product to gain from it, see {@code product.VectorInt8Kernels}).
 *
 * <p>A batch-1 step is bound by the weight bytes it reads, and int8 reads a quarter of them. For large
 * batches and long input projections the float layer's OpenBLAS sgemm, blocked for caches and registers,
 * may be faster: this layer's products are the library's own kernel at every batch.
 *
 * <p>It is a {@link RecurrentLayer} like any other: forward, step, states, stacks in a {@link RecurrentModel}
 * (both directions, variable lengths), streaming and thread teams (its products split by rows). It has no
 * float weights ({@code weightIh()} throws; its parameters are {@link RecurrentLayer#int8Weights()}) and is
 * not saved by {@code ModelFiles}: save the float model and quantise after loading (quantisation is
 * deterministic).
 */
public final class Int8Layer {
    private Int8Layer() {
    }

    /** A layer of int8 weights. */
    public static RecurrentLayer create(Int8Weights weights) {
        return RecurrentLayer.createInt8(weights);
    }

    /** {@link Int8Weights#quantize} of float weights, as a layer. */
    public static RecurrentLayer quantize(LayerWeights weights) {
        return create(Int8Weights.quantize(weights));
    }

    /**
     * Every layer of a float model quantised (the model is left as it is), as a new model of the same shape.
     *
     * @throws IllegalArgumentException for a layer whose cell has no int8 layer, or weights with NaN or infinity
     */
    public static RecurrentModel quantize(RecurrentModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        List<Int8Weights> weights = new ArrayList<>();
        for (int k = 0; k < model.numLayers(); k++) {
            for (int d = 0; d < model.directions(); d++) {
                weights.add(Int8Weights.quantize(model.layer(k, d).weights()));
            }
        }
        List<RecurrentLayer> layers = new ArrayList<>();
        for (Int8Weights w : weights) {
            layers.add(create(w));
        }
        return RecurrentModel.of(model.bidirectional(), layers);
    }
}
