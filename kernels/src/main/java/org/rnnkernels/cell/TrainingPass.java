package org.rnnkernels.cell;

/**
 * One cell's elementwise part of a training step, both ways (oneDNN's forward and backward postgemm),
 * for the {@code B} samples of step {@code t} of a {@link TrainingTrace}:
 * <ul>
 *   <li>{@link #forward}: from {@code gi} (rows {@code t*B + b}) and the step's raw recurrent product
 *       {@code gh [B][G*H]} to {@code h_{t+1}} (and {@code c_{t+1}}) in {@code hs} ({@code cs}), keeping in
 *       {@code act} what the backward needs. It computes what the cell's {@link GatePass} computes, to the
 *       bit ({@code TrainingForwardMatchesInferenceTest}): where it can, by the gate pass's own loops
 *       writing into the cache instead of over {@code gh}; the class of each cell says where it cannot;</li>
 *   <li>{@link #backward}: ONE fused pass from {@code dL/dh_{t+1}} (in {@code dh}) and {@code dL/dc_{t+1}}
 *       (in {@code dc}) to {@code dGi = dL/d(W_ih x)} and {@code dGh = dL/d(W_hh h)} (for MI cells also
 *       {@code dPre}), the direct part of {@code dL/dh_t} into {@code dhNext} for the cells where {@code h}
 *       enters the state update ({@link CellDescription#directPath()}), and {@code dL/dc_t} in place over
 *       {@code dc}.</li>
 * </ul>
 * The RAG cells keep pre-activations, not activations: their derivatives are indicators of where the
 * pre-activations lie against the kinks. Kinks take the subgradient 0, as {@code ReferenceBackward}:
 * {@code d relu(v) = [v > 0]}, {@code d hardtanh(v) = [-1 < v < 1]}, and for
 * {@code S(v, q) = relu(v - q) - relu(-v - q)}, {@code q >= 0}: {@code dS/dv = [|v| > q]},
 * {@code dS/dq = -sign(v) [|v| > q]}.
 *
 * <p>Each cell's class implements this beside its {@link GatePass}, the Vector API twin likewise (its
 * last {@code H mod lanes} units through the plain class's code), shaped for C2's node budget as
 * {@link GatePass} says: one loop per method, every {@code exp} of a forward from
 * {@link VectorOps#activate}, the backward cut into loops that read what the one before stored.
 * A training layer loads its cell's pass once ({@link CellPasses#trainingPass}). Implementations are stateless.
 */
public interface TrainingPass {

    void forward(GateParameters p, TrainingTrace s, int t);

    void backward(GateParameters p, TrainingTrace s, int t);

    /**
     * The training forward of a cell that keeps nothing beyond {@code h_{t+1}} (or keeps a copy of its
     * inputs): its gate pass, reading {@code h_t} and writing {@code h_{t+1}} beside it in the trace.
     */
    static void byGatePass(GatePass pass, GateParameters p, TrainingTrace s, int t) {
        int rows = s.batch, n = s.hidden, h = t * rows * n;
        pass.apply(rows, n, 0, n, s.gi, t * rows * s.width, s.gh, p.bias, p.extra, s.hs, h, s.hs, h + rows * n, null);
    }
}
