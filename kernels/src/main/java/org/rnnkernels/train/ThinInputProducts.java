package org.rnnkernels.train;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.simd.ImplementationLoader;

/**
 * A training layer's two input-side products when the input is narrow: the projection {@code gi = X W_ih^T}
 * ({@code I <= }{@link #MAX_INPUTS}) and the weight gradient {@code dW_ih = dGI^T X} with the bias sum
 * {@code db_ih = dGI^T 1} ({@code I <= }{@link #maxGradientInputs()}). Each is a pass over a {@code [T*B][G*H]}
 * array with only {@code I} multiply-adds per element, so it is bound by that array's traffic; OpenBLAS runs such
 * shapes at a fraction of its
 * speed (its kernels' tiles are 16-32 wide in the dimension that is {@code I} here, and it packs the whole
 * wide operand for each call). Measured before this path, one JFR profile each (JMH
 * {@code TrainingStepBenchmark}, I = 2): the two sgemm with {@code I} as a dimension and the {@code db_ih}
 * sgemv took 9% of the GRU 16x256x100 step and 10% of LSTM 64x64x100 for 2-3 M multiply-adds, against
 * 300-600 M in the step's other products. Stateless; {@link #get()} is the implementation
 * {@code org.rnnkernels.simd.Simd} chose.
 */
interface ThinInputProducts {

    /**
     * The widest input the projection takes (and the widest whose weight gradient goes row by row); wider ones go
     * to the BLAS. Not far above: with 32 (both products row by row then), sequential MNIST's
     * rows (I = 28, H = 128, B = 64) trained slower, GRU 0.9 -> 1.1 s an epoch and LSTM 1.1 -> 1.6 (`bench mnist`,
     * alternating jars, 2 rounds of 6 epochs, load 2.5): there the weight gradient's I + 1 row updates per row
     * keep more than L1 in play, and OpenBLAS's tiles are no longer mostly empty.
     */
    int MAX_INPUTS = 8;

    /**
     * The widest input whose weight gradient the vector twin computes ({@link #maxGradientInputs()}): its tiled
     * product beats OpenBLAS's on inputs this narrow (at I = 28, sequential MNIST's rows, 240-260 us against
     * 450-500 for a GRU's {@code dW_ih}, H = 128, 1,792 rows); the projection stays with OpenBLAS above
     * {@link #MAX_INPUTS}.
     */
    int MAX_GRADIENT_INPUTS = 32;

    /**
     * The widest input for which {@link #weightGradient} beats the BLAS: {@link #MAX_GRADIENT_INPUTS} for the
     * vector twin, {@link #MAX_INPUTS} for the plain one.
     */
    default int maxGradientInputs() {
        return MAX_INPUTS;
    }

    /**
     * {@code gi[r*w + g] = sum_i x[r*I + i] * wIhT[i*w + g]} for {@code r < rows}, {@code g < w}, overwritten;
     * {@code wIhT} is {@code W_ih^T [I][w]}.
     */
    void project(float[] x, int rows, int inputs, float[] wIhT, int w, float[] gi);

    /**
     * {@code dWT[i*w + g] = sum_r dG[r*w + g] * x[r*I + i]} for {@code i < I}, {@code g < w}, and with
     * {@code withBias} the bias sum {@code dWT[I*w + g] = sum_r dG[r*w + g]}: {@code [I (+1)][w]}, overwritten.
     */
    void weightGradient(float[] dG, float[] x, int rows, int inputs, int w, boolean withBias, float[] dWT);

    static ThinInputProducts get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final ThinInputProducts INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), ThinInputProducts.class,
                "org.rnnkernels.train.VectorThinInputProducts", ScalarThinInputProducts::new);

        private Holder() {
        }
    }
}
