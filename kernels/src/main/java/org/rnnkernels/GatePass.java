package org.rnnkernels;

/**
 * The elementwise part of one time step: from the pre-activations of all gate blocks to the new
 * state, one sample row at a time, nothing allocated. Per row, GRU, LSTM, MI-GRU and MI-LSTM
 * first activate their gates in place over {@code gh} (a row is {@code G*H} floats, in L1),
 * RAG-LSTM first sums its pre-activations there; then one loop over {@code H} computes the state.
 * Every other cell is a single loop over {@code H}. (Why not one loop for GRU and LSTM too: see {@link VectorGatePass}.)
 *
 * <p>Per sample {@code b} of {@code rows}, with {@code G*H = gates * H}:
 * <ul>
 *   <li>{@code gi[giOffset + b*G*H ...]}: the input projection {@code W_ih x}, without bias;</li>
 *   <li>{@code gh[b*G*H ...]}: the recurrent product {@code W_hh h}, without bias; scratch, may be
 *       overwritten;</li>
 *   <li>{@code bias}: {@link PackedBias} (both biases folded where the cell allows it);</li>
 *   <li>{@code mi}: the cell's own parameters: {@code [alpha | beta1 | beta2]}, each {@code [G*H]}, for
 *       the MI cells; the thresholds {@code theta [H]} for EGRU; else null;</li>
 *   <li>{@code hPrev[hPrevOffset + b*H ...]} is read and {@code hOut[hOutOffset + b*H ...]} written; they may
 *       be the same place (streaming updates the state in place);</li>
 *   <li>{@code c[b*H ...]}: the cell state, updated in place (null for cells without one); EGRU's
 *       internal state, whose {@code hOut} is the sparse output {@code y}.</li>
 * </ul>
 * Implementations are stateless.
 */
interface GatePass {

    /**
     * Units {@code from .. to-1} of every row. Split points other than 0 and {@code H} must be
     * multiples of the vector length, so that a split pass computes each unit exactly as a whole one.
     */
    void apply(CellType type, int rows, int hidden, int from, int to,
               float[] gi, int giOffset, float[] gh, float[] bias, float[] mi,
               float[] hPrev, int hPrevOffset, float[] hOut, int hOutOffset, float[] c);

    /** The implementation {@link org.rnnkernels.simd.Simd} chose for this JVM. */
    static GatePass get() {
        return Holder.INSTANCE;
    }

    final class Holder {
        static final GatePass INSTANCE = Implementations.create(GatePass.class, "VectorGatePass", ScalarGatePass::new);

        private Holder() {
        }
    }
}
