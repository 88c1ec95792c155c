package org.rnnkernels.integer;

import org.rnnkernels.product.CellStep;
import org.rnnkernels.product.InputProjection;
import org.rnnkernels.product.RecurrentProduct;

/**
 * An integer layer's cell step: the cell's {@link IntegerCell} on the accumulators of the layer's
 * {@link IntegerProjection} and {@link IntegerRecurrent}, then the new integer {@code h} (and {@code c}) into
 * the state's floats, {@code v 2^-F} (exact). The multiplication by {@code 2^-F} is this boundary's, not the
 * cell's: inside the step, integers only.
 */
public final class IntegerStep implements CellStep {
    private final IntegerCell cell;
    private final IntegerParameters parameters;
    private final float scale;

    public IntegerStep(IntegerCell cell, IntegerParameters parameters, int fractionBits) {
        this.cell = cell;
        this.parameters = parameters;
        this.scale = Math.scalb(1f, -fractionBits);
    }

    @Override
    public CellStep.Bound bind(InputProjection.Bound projection, RecurrentProduct.Bound recurrent,
                               RecurrentProduct.StepBuffers buffers) {
        IntegerProjection.Bound input = (IntegerProjection.Bound) projection;
        IntegerRecurrent.Bound state = (IntegerRecurrent.Bound) recurrent;
        int hidden = buffers.hidden();
        return (rows, from, to, rowStart) -> {
            int stride = input.stride();
            cell.apply(rows, from, to, input.accumulators(), rowStart * stride, stride, state.gh, state.stride(),
                    parameters, state.h, state.c);
            FixedPoint.toFloat(state.h, buffers.h(), rows, hidden, from, to, scale);
            if (state.c != null) {
                FixedPoint.toFloat(state.c, buffers.c(), rows, hidden, from, to, scale);
            }
        };
    }
}
