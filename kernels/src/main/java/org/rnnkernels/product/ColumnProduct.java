package org.rnnkernels.product;

import java.lang.invoke.MethodHandles;
import org.rnnkernels.simd.ImplementationLoader;

/**
 * EGRU's activity-sparse recurrent product {@code gh[b, :] = W y_b}, which reads only the columns
 * {@code j} of {@code W} where {@code y_b[j] != 0}: its cost (FLOPs and bytes of {@code W} read)
 * is the activity times that of the dense product.
 *
 * <p>{@code W} ({@code rows x cols}, row-major) is packed once into column tiles: tile {@code t}
 * holds rows {@code t*TILE .. t*TILE + TILE - 1} as a {@code cols x TILE} block (zero-padded to a
 * whole tile), so that within a tile the slice of column {@code j} is {@value #TILE} contiguous
 * floats (4 KiB), and a tile's accumulators ({@code y[b, tile]}, 4 KiB) stay in L1 while the active
 * columns are added into them:
 * {@code y[b, tile] = sum over active j of W[tile, j] * y_b[j]}, in increasing {@code j}.
 *
 * <p>Why 4 KiB slices: the active columns are scattered, so every slice begins with a cache miss the
 * prefetcher could not foresee; longer slices mean fewer of them. Measured (EGRU, B = 1, H = 1024,
 * I = 64, 10% activity, this AVX2 machine): 180 us per step with 1 KiB slices, 86 us with 4 KiB.
 * Why not whole columns ({@code W^T}): a batch would then stream every active column once per
 * sample; with tiles, the active slices of one tile (at 10% activity and H = 1024, about 400 KiB)
 * stay in L2 for all samples.
 */
public interface ColumnProduct {
    /** Rows per tile; a multiple of every vector length up to 2048 bits. */
    int TILE = 1024;

    float[] pack(float[] w, int rows, int cols);

    /**
     * Rows a member's share starts at: a multiple of this (a multiple of every vector length up to 2048 bits, 256
     * bytes into each column's slice), so that only the last share's rows end in a scalar tail.
     */
    int SHARE_ALIGNMENT = 64;

    /**
     * {@code y[b*rows + r] = sum_{i < count[b]} W[r, j_i] * x[b*cols + j_i]} with
     * {@code j_i = active[b*cols + i]} (increasing), for {@code b < batch} and the rows
     * {@code rowFrom <= r < rowTo}; {@code y} is overwritten there. Threads given disjoint row ranges can share one
     * product.
     */
    void multiply(float[] packed, int rows, int cols, int batch, float[] x, int[] active, int[] count, float[] y,
                  int rowFrom, int rowTo);

    /**
     * The first row of member {@code member}'s share of {@code rows} among {@code members} ({@code member ==
     * members}: {@code rows}): even shares, rounded down to {@link #SHARE_ALIGNMENT}. By rows, not whole tiles: a
     * GRU's {@code 3H} rows are one tile up to H = 341, three at H = 1024, so tiles would leave a member of two
     * idle or with half the other's work.
     */
    static int shareStart(int rows, int member, int members) {
        return member == members ? rows : (int) ((long) rows * member / members) / SHARE_ALIGNMENT * SHARE_ALIGNMENT;
    }

    static ColumnProduct get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final ColumnProduct INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), ColumnProduct.class, ColumnProduct.class.getPackageName() + ".VectorColumnProduct",
                ScalarColumnProduct::new);

        private Holder() {
        }
    }

    /** The tile layout, shared by both implementations. */
    static float[] packTiles(float[] w, int rows, int cols) {
        int tiles = (rows + TILE - 1) / TILE;
        float[] packed = new float[Math.multiplyExact(tiles * cols, TILE)];
        for (int r = 0; r < rows; r++) {
            int base = (r / TILE) * cols * TILE + r % TILE;
            for (int k = 0; k < cols; k++) {
                packed[base + k * TILE] = w[r * cols + k];
            }
        }
        return packed;
    }
}
