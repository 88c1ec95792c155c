package org.rnnkernels.train;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;

/**
 * EGRU's two products over its activity, in a training backward: matrix products on the supports the
 * firing leaves, not gate math, so they sit with the training layer rather than with the cell. Stateless;
 * {@link #get()} is the implementation {@code org.rnnkernels.simd.Simd} chose.
 */
interface SparseProducts {

    /**
     * The state gradient through {@code W_hh} on the backward's support: for every unit {@code j} the
     * state lists for sample {@code b} ({@code s.needed[b*H + j]}, units listed in {@code s.supportUnits}),
     * {@code dh[b*H + j] = dGH_t[b, :] . W_hh[:, j]}, a dot product with row {@code j} of
     * {@code wHhT = W_hh^T [H][G*H]}; {@code dh} is 0 for every other unit. The cost is proportional
     * to the listed units: the columns of {@code W_hh} outside the support are never read.
     */
    void supportProduct(float[] wHhT, TrainingState s, int t);

    /**
     * The recurrent weight gradient from the sparse outputs, transposed: for every unit {@code j},
     * {@code s.dWHhT[j*G*H ..] = sum over the rows r listed for j} ({@code s.yRows[s.yStart[j] .. s.yStart[j+1]-1]},
     * the rows of {@code Hprev} where {@code y_j != 0}) {@code of y[r, j] * dGH[r, :]}, overwritten. The
     * cost is proportional to the nonzeros of {@code y}, where the dense {@code dGH^T Y} is not.
     */
    void sparseWeightGradient(TrainingState s);

    static SparseProducts get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final SparseProducts INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), SparseProducts.class,
                "org.rnnkernels.train.VectorSparseProducts", ScalarSparseProducts::new);

        private Holder() {
        }
    }
}
