package org.rnnkernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.product.SmallBoundBlas;
import org.rnnkernels.reference.ReferenceBackward;

/**
 * The weight gradients {@code dW += dG^T X} over all {@code T*B} rows, summed in blocks of whole steps as the backward
 * finishes them ({@link TrainingLayer#WEIGHT_BLOCK_ROWS} rows, from the last step down; the rest after the loop), each
 * block split again where one BLAS call would pass the BLAS's in-place bound ({@link Blas#inPlaceMultiplyAdds}: a
 * BLAS that reports a bound of 256 rows' worth of {@code W_hh}'s gradient gets 256 and the rest); the gradients still
 * match the reference (restricted: through the pool's fold, where the first block writes the call's dense gradients
 * with {@code beta = 0}). A narrow input ({@code I <= maxGradientInputs()}: 8 without the Vector API, 32 with it) has
 * no sgemm for {@code dW_ih}: its products are the layer's own.
 */
class WeightGradientBlocksTest {

    @ParameterizedTest(name = "{0} I={1} H={2} B={3} T={4} rate={5}")
    @CsvSource({
            "GRU, 37, 17, 13, 50, NaN",
            "GRU, 11, 17, 13, 50, NaN",
            "LSTM, 3, 16, 7, 97, NaN",
            "RNN_TANH, 17, 9, 11, 61, NaN",
            "LSTM, 4, 12, 13, 50, 0.5",
            "GRU, 37, 5, 300, 3, NaN",
            "GRU, 40, 6, 1, 600, NaN"})
    void blocksOfRowsMatchTheReference(CellType type, int input, int hidden, int batch, int steps, double rate) {
        TrainFixture f = Double.isNaN(rate) ? TrainingVsReferenceTest.fixture(type, input, hidden, batch, steps, 31)
                : TrainFixture.restricted(type, input, hidden, batch, steps, 31, rate);
        int width = type.gates() * hidden, rows = steps * batch;
        // W_hh's gradient (width x H per row) fits 256 rows; W_ih's (width x I) fits more, in multiples of 64
        SmallBoundBlas blas = new SmallBoundBlas(Blases.get(), 256L * width * hidden);
        ReferenceBackward reference = f.reference();
        ReferenceBackward.Trace trace = f.referenceTrace(reference);
        ReferenceBackward.Gradients expected = reference.backward(trace, f.dOutputsRef(), f.rows(f.dFinalH),
                f.dFinalC == null ? null : f.rows(f.dFinalC));
        try (RecurrentLayer layer = f.layer()) {
            TrainingLayer training = TrainingLayer.create(layer, f.gamma, f.slope, blas, TrainingLayer.SPARSE_BELOW,
                    TrainingLayer.SPARSE_BELOW_BATCHED, TrainingLayer.SPARSE_WEIGHTS_BELOW, false);
            TrainingVsReferenceTest.KernelRun run = TrainingVsReferenceTest.KernelRun.of(f, training);
            run.compare(f.toString(), trace, expected);
            if (f.isRestricted()) {
                TrainingVsReferenceTest.comparePool(f, expected, run.g());
            }
        }
        long inputBlock = 256L * width * hidden / ((long) width * input) / 64 * 64;
        inputBlock = inputBlock < 256 ? Long.MAX_VALUE : inputBlock;   // under 256 rows a block: one call
        boolean wideInput = input > ThinInputProducts.get().maxGradientInputs();   // else dW_ih is no sgemm
        List<Integer> expectedRows = new ArrayList<>();
        for (int count : stepBlocks(batch, steps)) {
            if (wideInput) {
                expectedRows.addAll(blocks(count, inputBlock));
            }
            expectedRows.addAll(blocks(count, 256));
        }
        assertEquals(expectedRows, blas.transposedARows, "rows of each dW sgemm (per block of steps: dW_ih's, then dW_hh's), "
                + rows + " in all");
    }

    // the rows of each block of steps, in the order the backward sums them: whole steps of about WEIGHT_BLOCK_ROWS rows
    // from the last step down, as each is finished, then the first steps' rest
    private static List<Integer> stepBlocks(int batch, int steps) {
        int blockSteps = Math.max(1, TrainingLayer.WEIGHT_BLOCK_ROWS / batch);
        List<Integer> counts = new ArrayList<>();
        int rest = steps;
        while (rest > blockSteps) {
            counts.add(blockSteps * batch);
            rest -= blockSteps;
        }
        counts.add(rest * batch);
        return counts;
    }

    private static List<Integer> blocks(int rows, long block) {
        List<Integer> sizes = new ArrayList<>();
        for (long first = 0; first < rows; first += Math.min(block, rows)) {
            sizes.add((int) Math.min(Math.min(block, rows), rows - first));
        }
        return sizes;
    }
}
