package org.rnnkernels.product;

import org.rnnkernels.RestrictedWeights;

/**
 * How a restricted layer ({@link RestrictedWeights}) computes its products: on compact matrices
 * {@code W_x [C][I]} and {@code W_h [C][H]}, {@code C = s + G*q} rows (the shared rows, then one
 * private block of {@code q} rows per gate block), instead of the dense {@code G*H} rows. A product
 * row of {@code C} values is then spread into the {@code G*H} layout the gate passes read:
 * <pre>
 *   full[j*H + u] = compact[u]                  u &lt; s   (the shared rows, once per block)
 *   full[j*H + u] = compact[s + j*q + u - s]    u &gt;= s  (block j's private rows)
 * </pre>
 * so the matrix work falls from {@code G*H} rows to {@code C} (GRU at r = 0.5: 2H instead of 3H)
 * and the gate passes run unchanged. The spread copies {@code G*H} floats per row, next to the
 * {@code C*(I or H)} multiply-adds of the product.
 *
 * <p>Where the compact layout already is the full one, nothing is spread and the products write
 * straight into {@code gi}/{@code gh}: with no shared rows ({@code r = 0}, a plain layer, bit for
 * bit) and with one gate block (RRNN: block 0 is the shared rows then its private rows).
 */
public final class RestrictedLayout {
    private final int gates;
    private final int hidden;
    private final int shared;
    private final int privateRows;
    private final int compactRows;

    public RestrictedLayout(RestrictedWeights weights) {
        this.gates = weights.cellType().gates();
        this.hidden = weights.hiddenSize();
        this.shared = weights.sharedRows();
        this.privateRows = weights.privateRows();
        this.compactRows = shared + gates * privateRows;
    }

    /** {@code C = s + G*q}: the rows of the compact matrices and the width of a compact product row. */
    public int compactRows() {
        return compactRows;
    }

    /** Whether products go to compact scratch and are spread (false: the compact layout is the full one). */
    public boolean spreads() {
        return shared > 0 && gates > 1;
    }

    /** {@code gi[r, :] <- spread(compact[r, :])} for rows {@code 0 .. rows-1}. */
    void spreadInputs(float[] compact, float[] gi, int rows) {
        int width = gates * hidden;
        for (int r = 0; r < rows; r++) {
            spreadRow(compact, r * compactRows, gi, r * width, 0, hidden);
        }
    }

    /**
     * {@code gh[b, :] <- spread(compact[b, :])} for samples {@code 0 .. batch-1}, units {@code from .. to-1}
     * of every block: the units a member of a team then runs the gate pass on.
     */
    void spreadRecurrent(float[] compact, float[] gh, int batch, int from, int to) {
        int width = gates * hidden;
        for (int b = 0; b < batch; b++) {
            spreadRow(compact, b * compactRows, gh, b * width, from, to);
        }
    }

    private void spreadRow(float[] compact, int source, float[] full, int target, int from, int to) {
        int sharedEnd = Math.min(to, shared);
        int privateStart = Math.max(from, shared);
        for (int j = 0; j < gates; j++) {
            int block = target + j * hidden;
            if (sharedEnd > from) {
                System.arraycopy(compact, source + from, full, block + from, sharedEnd - from);
            }
            if (to > privateStart) {
                System.arraycopy(compact, source + shared + j * privateRows + (privateStart - shared),
                        full, block + privateStart, to - privateStart);
            }
        }
    }
}
