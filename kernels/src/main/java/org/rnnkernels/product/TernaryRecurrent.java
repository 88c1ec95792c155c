package org.rnnkernels.product;

import org.rnnkernels.ternary.TernaryMatrix;

/**
 * A ternary layer's recurrent product {@code gh[rows, G*H] = (lambda alpha_k) * (T_hh · a(h))}
 * ({@link TernaryRows}): each step first makes the running samples' activations {@code a(h)} (on the
 * caller's thread, {@code O(B * H)}: every member reads all of them), then a team splits the weight rows.
 */
public final class TernaryRecurrent implements RecurrentProduct {
    private final TernaryRows weights;

    public TernaryRecurrent(TernaryMatrix wHh, boolean ternaryActivations, float delta, float lambda) {
        this.weights = new TernaryRows(wHh, ternaryActivations, delta, lambda);
    }

    /** {@code T_hh} with its scales as given (a copy). */
    public TernaryMatrix matrix() {
        return weights.matrix();
    }

    @Override
    public RecurrentProduct.Bound bind(StepBuffers buffers) {
        TernaryRows.Samples samples = weights.newSamples();
        samples.reserve(buffers.batch());
        float[] h = buffers.h();
        float[] gh = buffers.gh();
        int hidden = buffers.hidden();
        int width = weights.rows();
        return new RecurrentProduct.Bound() {
            @Override
            public void prepare(int rows) {
                for (int b = 0; b < rows; b++) {
                    samples.load(h, b * hidden, b);
                }
            }

            @Override
            public long weightReads(int rows) {
                return weights.weightReads(rows);
            }

            @Override
            public void multiply(int rows, int member, int members) {
                weights.multiply(member, members, samples, rows, gh, width);
            }
        };
    }
}
