package org.rnnkernels.train;

import java.lang.invoke.MethodHandles;

import org.rnnkernels.CellType;
import org.rnnkernels.simd.ImplementationLoader;
import org.rnnkernels.simd.Simd;

/**
 * The elementwise part of a training step, both ways, for all {@code B} samples of step {@code t}
 * of a {@link TrainingState}:
 * <ul>
 *   <li>{@link #forward}: from {@code gi} (row {@code t*B + b}) and the step's raw recurrent product
 *       {@code gh [B][G*H]} to {@code h_{t+1}} (and {@code c_{t+1}}) in {@code hs} ({@code cs}), keeping
 *       in {@code act} what the backward needs;</li>
 *   <li>{@link #backward}: ONE fused pass from {@code dL/dh_{t+1}} (in {@code dh}) and {@code dL/dc_{t+1}}
 *       (in {@code dc}) to the gradients of the step's products, {@code dGI = dL/d(W_ih x)} and
 *       {@code dGH = dL/d(W_hh h)} (for MI cells also {@code dPre}, the gradient of each
 *       pre-activation), the direct part of {@code dL/dh_t} (not through {@code W_hh}) into
 *       {@code dhNext} for the cells where {@code h} enters the state update
 *       ({@code CellDescription.directPath()}), and {@code dL/dc_t} in place over {@code dc}.</li>
 * </ul>
 * The cache {@code act} per row, {@code K} blocks of {@code H} ({@code CellDescription.cacheBlocks()}):
 * <pre>
 *   RNN_TANH, RNN_RELU  nothing (h_{t+1} is the activation)
 *   MI_RNN              Uh
 *   LSTM                i, f, g, o, tanh(c')
 *   MI_LSTM             i, f, g, o, tanh(c'), Uh_i, Uh_f, Uh_g, Uh_o
 *   GRU                 r, z, n, gh_n + b_hn
 *   MI_GRU              r, z, n, gh_n + b_hn, Uh_r, Uh_z, u = r*(gh_n + b_hn)
 *   RAG_GRU             a_r, a_z, gh_n + b_hn, p_n, p_h
 *   RAG_MINIMAL         a_z, p_n, p_h
 *   RAG_LSTM            a_i, a_f, a_g, a_o, p_c
 *   EGRU                r, z, g, gh_n + b_hn, c_pre
 * </pre>
 * (EGRU's {@code hs} holds the sparse outputs {@code y}, its recurrent input, and {@code cs} the internal
 * state {@code c}; its backward also writes each row's {@code dL/dtheta} term into {@code dThetaRows}.)
 * with {@code p_n}, {@code p_h}, {@code p_c} the arguments of the {@code hardtanh}s of CELLS.md (RAG keeps
 * pre-activations, not activations: its derivatives are indicators of where they lie against the kinks,
 * {@code relu} and {@code hardtanh} themselves are one max or min away). Kinks take the subgradient 0, as
 * {@code ReferenceBackward}: {@code d relu(v) = [v > 0]}, {@code d hardtanh(v) = [-1 < v < 1]}, and for
 * {@code S(v, q) = relu(v - q) - relu(-v - q)}, {@code q >= 0}: {@code dS/dv = [|v| > q]},
 * {@code dS/dq = -sign(v) [|v| > q]}.
 *
 * <p>Implementations are stateless; {@link #get()} is the one {@link Simd} chose.
 */
interface TrainingGates {

    void forward(GateParameters p, TrainingState s, int t);

    void backward(GateParameters p, TrainingState s, int t);

    /**
     * EGRU's state gradient through {@code W_hh} on the backward's support: for every unit {@code j} the
     * state lists for sample {@code b} ({@code s.needed[b*H + j]}, units listed in {@code s.supportUnits}),
     * {@code dh[b*H + j] = dGH_t[b, :] . W_hh[:, j]}, a dot product with row {@code j} of
     * {@code wHhT = W_hh^T [H][G*H]}; {@code dh} is 0 for every other unit. The cost is proportional
     * to the listed units: the columns of {@code W_hh} outside the support are never read.
     */
    void supportProduct(float[] wHhT, TrainingState s, int t);

    /**
     * EGRU's recurrent weight gradient from the sparse outputs, transposed: for every unit {@code j},
     * {@code s.dWHhT[j*G*H ..] = sum over the rows r listed for j} ({@code s.yRows[s.yStart[j] .. s.yStart[j+1]-1]},
     * the rows of {@code Hprev} where {@code y_j != 0}) {@code of y[r, j] * dGH[r, :]}, overwritten. The
     * cost is proportional to the nonzeros of {@code y}, where the dense {@code dGH^T Y} is not.
     */
    void sparseWeightGradient(TrainingState s);

    static TrainingGates get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final TrainingGates INSTANCE = ImplementationLoader.load(MethodHandles.lookup(), TrainingGates.class,
                "org.rnnkernels.train.VectorTrainingGates", ScalarTrainingGates::new);

        private Holder() {
        }
    }
}
