package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.blas.Blas;

/**
 * The input side of a layer: {@code gi[rows, G*H] = X[rows, I] * W_ih^T}, without {@code b_ih} (the gate
 * pass adds the biases), for all {@code T*B} rows of a call at once. A layer chooses its projection once,
 * when it is built; the projection is immutable and shared by every state and thread.
 *
 * <p>What a state needs of it (scratch, the caller's wrapped input) lives in the {@link Bound} the layer
 * makes for each state ({@link #bind}), so a warmed-up call allocates nothing. A call runs
 * {@link Bound#prepare} on the caller's thread, {@link Bound#project} on every member of the state's
 * team (or once, as member 0 of 1), then {@link Bound#finish} on the caller's thread.
 */
public interface InputProjection {

    /**
     * The dense projection of {@code w [width][inputSize]} (row-major; {@code segment} is its off-heap copy): the
     * panel product where it shares each weight load across four samples ({@link PanelProjection}), BLAS
     * otherwise (with pairs of samples, AVX2, the panel product is not measured ahead of BLAS over many rows).
     */
    static InputProjection dense(Blas blas, float[] w, MemorySegment segment, int width, int inputSize) {
        PanelProduct panels = PanelProduct.get();
        return panels != null && panels.samplesPerTile() == 4 ? new PanelProjection(panels, w, width, inputSize)
                : new BlasProjection(blas, segment, width, inputSize);
    }

    /** This projection's part of one state, whose team has {@code members} threads (1 without a team). */
    Bound bind(int members);

    /**
     * This projection's part of a state whose inputs are mostly zeros: the sparse output of an event-based
     * layer below this one ({@link SparseInputProjection} reads only their nonzeros). By default the same as
     * {@link #bind(int)}.
     */
    default Bound bindSparse(int members) {
        return bind(members);
    }

    /** One state's part: used by that state's calls only, one call at a time. */
    interface Bound {
        /**
         * Takes the call's {@code rows} input rows ({@code input[rows][I]} floats: a heap segment of the
         * caller's array or the caller's own segment, read where it is) and the scratch {@code gi}
         * ({@code [rows][G*H]}, already large enough) that {@link #project} fills.
         */
        void prepare(MemorySegment input, int rows, Scratch gi);

        /**
         * Member {@code member}'s share of the product, {@code 0 <= member < members}; the members' shares
         * are disjoint and together make the whole of {@code gi}.
         */
        void project(int member, int members);

        /**
         * After {@link #prepare}: how many weights this call's product reads, as {@link
         * RecurrentProduct.Bound#weightReads} counts them; a call that reads fewer than the layer's
         * {@code SHARED_STEP_READS} is projected on the caller's thread alone (a streamed step's one row, a small
         * layer's short call), the team's hand-off costing more than it saves.
         */
        long weightReads(int rows);

        /** After every member's share, on the caller's thread: whatever completes {@code gi}. */
        default void finish() {
        }
    }
}
