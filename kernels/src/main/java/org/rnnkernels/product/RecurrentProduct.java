package org.rnnkernels.product;

import java.lang.foreign.MemorySegment;
import org.rnnkernels.blas.Blas;

/**
 * The recurrent side of a layer's step: {@code gh[rows, G*H] = h[rows, H] * W_hh^T}, without
 * {@code b_hh}, over the first {@code rows} samples of a state (the ones still running in a packed
 * batch). A layer chooses its product once, when it is built (panel, BLAS, EGRU's column-sparse,
 * restricted compact, ternary); the product is immutable and shared by every state and thread.
 *
 * <p>What a state needs of it (scratch, EGRU's lists of active columns) lives in the {@link Bound} the
 * layer makes for each state ({@link #bind}). A step runs {@link Bound#prepare} on the caller's thread,
 * then on every member of the state's team {@link Bound#multiply}, a barrier, and
 * {@link Bound#finish} for the member's own hidden units, which the member's gate pass reads next.
 */
public interface RecurrentProduct {

    /** This product's part of the state whose arrays are {@code buffers}. */
    Bound bind(StepBuffers buffers);

    /**
     * A state's arrays as a product sees them: {@code h [batch][H]} (read) and {@code gh [batch][G*H]}
     * (written), each with its heap segment for BLAS, the activity counter that a product which skips
     * zero inputs reports to, and the cell state {@code c [batch][H]} (null for cells without one), which
     * an integer layer's parts read and write.
     */
    record StepBuffers(int batch, int hidden, float[] h, MemorySegment hSegment, float[] gh, MemorySegment ghSegment,
                       Activity activity, float[] c) {

        /** The same state with {@code gh} elsewhere (a restricted product's compact scratch). */
        StepBuffers withOutput(float[] output, MemorySegment outputSegment) {
            return new StepBuffers(batch, hidden, h, hSegment, output, outputSegment, activity, c);
        }
    }

    /** One state's part: used by that state's steps only, one step at a time. */
    interface Bound {
        /** Before the team splits the step, on the caller's thread: per-step work every member reads. */
        default void prepare(int rows) {
        }

        /**
         * Member {@code member}'s share of {@code gh} for samples {@code 0 .. rows-1},
         * {@code 0 <= member < members}; the shares are disjoint and together make the whole product.
         */
        void multiply(int rows, int member, int members);

        /**
         * After {@link #prepare}: how many weights this step's product reads, a weight read once for several
         * samples (the panel product's tile) counted once. The layer weighs it against a team's hand-off: a step
         * that reads fewer than {@code RecurrentLayer.SHARED_STEP_READS} runs on the caller's thread alone.
         */
        long weightReads(int rows);

        /**
         * After every member's {@link #multiply}: whatever completes hidden units {@code from .. to-1}
         * of every gate block of {@code gh}, the units this member's gate pass reads.
         */
        default void finish(int rows, int from, int to) {
        }
    }

    /**
     * The dense product of {@code w [rows][cols]} (row-major; {@code segment} is its off-heap copy):
     * the panel kernel up to {@link PanelProduct#maxBatch()} samples when the Vector API is on (BLAS
     * above), BLAS otherwise.
     */
    static RecurrentProduct dense(Blas blas, float[] w, MemorySegment segment, int rows, int cols) {
        BlasRecurrent byBlas = new BlasRecurrent(blas, segment, rows, cols);
        PanelProduct panels = PanelProduct.get();
        return panels == null ? byBlas : new PanelRecurrent(panels, w, rows, cols, byBlas);
    }
}
