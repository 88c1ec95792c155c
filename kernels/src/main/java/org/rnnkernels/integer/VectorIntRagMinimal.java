package org.rnnkernels.integer;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * {@link IntRagMinimal}, a vector of units at a time (int lanes of the float species' shape): the same adds,
 * max, min and shifts, lane by lane, so the same integers; the tail is the plain twin's code. Constants are
 * made once per row, outside the loop; the loop passes no vector to a call.
 */
public final class VectorIntRagMinimal implements IntegerCell {
    private static final VectorSpecies<Integer> INTS = FloatLanes.SPECIES.withLanes(int.class);
    private static final IntVector ZERO = IntVector.zero(INTS);

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        int end = from + INTS.loopBound(to - from);
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, end, gi, g, gh, q, p, h, s);
            IntRagMinimal.row(end, to, gi, g, gh, q, p, h, s);
        }
    }

    private static void row(int from, int end, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int s) {
        int n = p.hidden;
        IntVector one = IntVector.broadcast(INTS, p.one);
        IntVector minusOne = one.neg();
        int eiz = p.inputExponents[0], ehz = p.recurrentExponents[0];
        int ein = p.inputExponents[1], ehn = p.recurrentExponents[1];
        // rescale(a, e) = (a + 2^(e-1)) >> e: the rounding terms
        IntVector riz = IntVector.broadcast(INTS, (1 << eiz) >> 1), rhz = IntVector.broadcast(INTS, (1 << ehz) >> 1);
        IntVector rin = IntVector.broadcast(INTS, (1 << ein) >> 1), rhn = IntVector.broadcast(INTS, (1 << ehn) >> 1);
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < end; j += INTS.length()) {
            IntVector az = IntVector.fromArray(INTS, gi, g + j).add(riz).lanewise(VectorOperators.ASHR, eiz)
                    .add(IntVector.fromArray(INTS, bi, j))
                    .add(IntVector.fromArray(INTS, gh, q + j).add(rhz).lanewise(VectorOperators.ASHR, ehz))
                    .add(IntVector.fromArray(INTS, bh, j));
            IntVector an = IntVector.fromArray(INTS, gi, g + n + j).add(rin).lanewise(VectorOperators.ASHR, ein)
                    .add(IntVector.fromArray(INTS, bi, n + j))
                    .add(IntVector.fromArray(INTS, gh, q + n + j).add(rhn).lanewise(VectorOperators.ASHR, ehn))
                    .add(IntVector.fromArray(INTS, bh, n + j));
            IntVector cand = an.max(minusOne).min(one);                            // n = hardtanh(a_n)
            IntVector hv = IntVector.fromArray(INTS, h, s + j);
            IntVector qh = az.neg().max(ZERO);                                     // relu(-a_z)
            IntVector qn = az.max(ZERO);                                           // relu(a_z)
            // S(v, q) = relu(v - q) - relu(-v - q)
            IntVector sh = hv.sub(qh).max(ZERO).sub(hv.neg().sub(qh).max(ZERO));
            IntVector sn = cand.sub(qn).max(ZERO).sub(cand.neg().sub(qn).max(ZERO));
            sh.add(sn).max(minusOne).min(one).intoArray(h, s + j);                // h' = hardtanh(S(h, .) + S(n, .))
        }
    }
}
