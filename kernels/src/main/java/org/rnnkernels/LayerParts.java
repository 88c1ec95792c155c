package org.rnnkernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.cell.Biases;
import org.rnnkernels.cell.CellDescription;
import org.rnnkernels.integer.IntegerCells;
import org.rnnkernels.integer.IntegerParameters;
import org.rnnkernels.integer.IntegerProjection;
import org.rnnkernels.integer.IntegerRecurrent;
import org.rnnkernels.integer.IntegerStep;
import org.rnnkernels.product.CellStep;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.Int8Projection;
import org.rnnkernels.product.Int8Recurrent;
import org.rnnkernels.product.RecurrentProduct;
import org.rnnkernels.product.RestrictedLayout;
import org.rnnkernels.product.RestrictedProjection;
import org.rnnkernels.product.RestrictedRecurrent;
import org.rnnkernels.product.SparseInputProjection;
import org.rnnkernels.product.SparseRecurrent;
import org.rnnkernels.product.TernaryProjection;
import org.rnnkernels.product.TernaryRecurrent;
import org.rnnkernels.quant.Int8Weights;
import org.rnnkernels.quant.IntegerWeights;
import org.rnnkernels.ternary.TernaryLayer;
import org.rnnkernels.ternary.TernaryWeights;

/**
 * What a {@link RecurrentLayer} is made of beside its cell's gate pass, chosen once, here, for each kind
 * of layer (float, restricted, ternary, integer, int8-weight): its input projection and recurrent product, the biases as the
 * gate pass reads them ({@link Biases#pack}), the cell's own parameters, the arena of the parts' off-heap
 * weights, and the parameters as the caller gave them (for the layer's accessors). Arguments are
 * trusted: the layer's factories check them.
 *
 * @param cellParameters what the gate pass reads beside the biases: MI {@code [alpha | beta1 | beta2]},
 *                       EGRU {@code theta}, else null
 * @param cellStep       the cell step of a layer whose parts keep the step's operands (integer); null: the
 *                       cell's gate pass on the state's float arrays
 */
record LayerParts(CellType type, int inputSize, int hiddenSize, Arena arena, InputProjection projection,
                  RecurrentProduct recurrent, float[] bias, float[] cellParameters, Given given, CellStep cellStep) {
    private static final long ALIGNMENT = 64;

    /**
     * The parameters as given, for the accessors (the parts keep them in their own layouts): PyTorch-layout
     * float weights (off-heap, the BLAS parts' operands), or a restricted pool, or the ternary parameters
     * (read back from the parts' planes when asked for, not kept twice), or the integer weights (immutable);
     * the biases, MI parameters and EGRU thresholds.
     */
    record Given(MemorySegment wIh, MemorySegment wHh, float[] bIh, float[] bHh, MiParameters mi,
                 float[] thresholds, RestrictedWeights restricted, Supplier<TernaryWeights> ternary, IntegerWeights integer,
                 Int8Weights int8) {
    }

    /**
     * A float layer: {@code W_ih}, {@code W_hh} copied once into 64-byte-aligned off-heap memory, the dense input
     * projection (panels or BLAS), and EGRU's column-sparse recurrent product or else the dense one (panels or BLAS).
     */
    static LayerParts dense(CellType type, int inputSize, int hiddenSize, float[] wIh, float[] wHh,
                            float[] bIh, float[] bHh, MiParameters mi, float[] thresholds, Blas blas) {
        int rows = type.gates() * hiddenSize;
        Arena arena = Arena.ofShared();
        MemorySegment ih = offHeapCopy(arena, wIh);
        MemorySegment hh = offHeapCopy(arena, wHh);
        InputProjection projection = InputProjection.dense(blas, wIh, ih, rows, inputSize);
        if (type.eventBased()) {
            // stacked on an event-based layer, its input is that layer's sparse y: its zero columns skipped too
            projection = new SparseInputProjection(projection, ih, rows, inputSize);
        }
        // EGRU's product skips the zero columns of y: column tiles instead of row panels
        RecurrentProduct recurrent = type.eventBased() ? new SparseRecurrent(wHh, hh, rows, hiddenSize)
                : RecurrentProduct.dense(blas, wHh, hh, rows, hiddenSize);
        MiParameters miCopy = mi == null ? null : new MiParameters(mi.alpha().clone(), mi.beta1().clone(), mi.beta2().clone());
        float[] theta = thresholds == null ? null : thresholds.clone();
        return new LayerParts(type, inputSize, hiddenSize, arena, projection, recurrent, packedBias(type, hiddenSize, bIh, bHh),
                miCopy != null ? miCopy.packed() : theta,
                new Given(ih, hh, copy(bIh), copy(bHh), miCopy, theta, null, null, null, null), null);
    }

    /**
     * A restricted layer: the float layer's parts on the compact matrices of {@link RestrictedLayout}, whose
     * products are spread into the gate blocks where the compact layout is not already the full one.
     */
    static LayerParts restricted(RestrictedWeights weights, Blas blas) {
        CellType type = weights.cellType();
        int inputSize = weights.inputSize();
        int hiddenSize = weights.hiddenSize();
        RestrictedLayout layout = new RestrictedLayout(weights);
        int rows = layout.compactRows();
        float[] compactIh = weights.compactIh();
        float[] compactHh = weights.compactHh();
        Arena arena = Arena.ofShared();
        InputProjection projection = InputProjection.dense(blas, compactIh, offHeapCopy(arena, compactIh), rows, inputSize);
        RecurrentProduct recurrent = RecurrentProduct.dense(blas, compactHh, offHeapCopy(arena, compactHh), rows, hiddenSize);
        if (layout.spreads()) {
            projection = new RestrictedProjection(projection, layout);
            recurrent = new RestrictedRecurrent(recurrent, layout);
        }
        float[] bIh = weights.biasIh();
        float[] bHh = weights.biasHh();
        return new LayerParts(type, inputSize, hiddenSize, arena, projection, recurrent, packedBias(type, hiddenSize, bIh, bHh),
                null, new Given(null, null, bIh, bHh, null, null, weights, null, null, null), null);
    }

    /**
     * A HitNet ternary layer: ternary input projection and recurrent product with {@code lambda} folded into
     * their scales, and into the biases: the gate inputs are {@code lambda * (gi + b_ih)} and
     * {@code lambda * (gh + b_hh)}, so the cell's own gate pass computes {@code sigm(lambda * a)}. Nothing
     * off-heap: its arena stays empty, and only marks the layer closed.
     */
    static LayerParts ternary(TernaryWeights weights) {
        CellType type = weights.cellType();
        TernaryLayer.Activations activations = weights.activations();
        boolean ternaryActivations = activations == TernaryLayer.Activations.TERNARY;
        float delta = weights.delta();
        float lambda = weights.lambda();
        TernaryProjection projection = new TernaryProjection(weights.weightIh(), ternaryActivations, delta, lambda);
        TernaryRecurrent recurrent = new TernaryRecurrent(weights.weightHh(), ternaryActivations, delta, lambda);
        float[] bIh = weights.biasIh();
        float[] bHh = weights.biasHh();
        Supplier<TernaryWeights> given = () -> new TernaryWeights(type, activations, weights.quantizer(), projection.matrix(), recurrent.matrix(),
                bIh, bHh, delta, lambda);
        return new LayerParts(type, weights.inputSize(), weights.hiddenSize(), Arena.ofShared(), projection, recurrent,
                packedBias(type, weights.hiddenSize(), scaled(bIh, lambda), scaled(bHh, lambda)), null,
                new Given(null, null, bIh, bHh, null, null, null, given, null, null), null);
    }

    /**
     * An integer RAG layer ({@link IntegerWeights}): int8 products of the library's own ({@code integer.IntegerKernels})
     * writing int32 accumulators, and the cell's integer step ({@code integer.IntegerCells}) reading them. Its
     * boundary is float: inputs are quantised on entry, and {@code h} and {@code c} live in the state's floats
     * as {@code v 2^-F}, exact, so it stacks, streams and shares a team as any layer does. Nothing off-heap.
     */
    static LayerParts integer(IntegerWeights weights) {
        CellType type = weights.cell();
        int inputSize = weights.inputSize();
        int hiddenSize = weights.hiddenSize();
        int rows = type.gates() * hiddenSize;
        int bits = weights.fractionBits();
        IntegerProjection projection = new IntegerProjection(weights.inputWeights(), rows, inputSize, bits, weights.inputBits());
        IntegerRecurrent recurrent = new IntegerRecurrent(weights.recurrentWeights(), rows, hiddenSize, bits, type.hasCellState());
        IntegerStep step = new IntegerStep(IntegerCells.of(type), new IntegerParameters(hiddenSize, bits, weights.inputExponents(),
                weights.recurrentExponents(), weights.inputBias(), weights.recurrentBias()), bits);
        return new LayerParts(type, inputSize, hiddenSize, Arena.ofShared(), projection, recurrent, null, null,
                new Given(null, null, null, null, null, null, null, null, weights, null), step);
    }

    /**
     * An int8-weight layer ({@link Int8Weights}): both products read int8 rows widened to float in registers,
     * each row's scale applied to its sum, and the float cell's own gate pass reads them with the float biases.
     * Nothing off-heap.
     */
    static LayerParts int8(Int8Weights weights) {
        CellType type = weights.cell();
        int inputSize = weights.inputSize();
        int hiddenSize = weights.hiddenSize();
        int rows = type.gates() * hiddenSize;
        Int8Projection projection = new Int8Projection(weights.weightIh(), weights.scaleIh(), rows, inputSize);
        Int8Recurrent recurrent = new Int8Recurrent(weights.weightHh(), weights.scaleHh(), rows, hiddenSize);
        float[] bIh = weights.biasIh();
        float[] bHh = weights.biasHh();
        return new LayerParts(type, inputSize, hiddenSize, Arena.ofShared(), projection, recurrent,
                packedBias(type, hiddenSize, bIh, bHh), null,
                new Given(null, null, bIh, bHh, null, null, null, null, null, weights), null);
    }

    private static float[] packedBias(CellType type, int hiddenSize, float[] bIh, float[] bHh) {
        CellDescription cell = type.description();
        return Biases.pack(cell.gates(), hiddenSize, cell.splitCandidate(), bIh, bHh);
    }

    private static float[] scaled(float[] values, float lambda) {
        if (values == null) {
            return null;
        }
        float[] scaled = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = lambda * values[i];
        }
        return scaled;
    }

    private static MemorySegment offHeapCopy(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * Float.BYTES, ALIGNMENT);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return segment;
    }

    static float[] copy(float[] values) {
        return values == null ? null : values.clone();
    }
}
