package org.rnnkernels.integer;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/** {@link IntRagGru}, a vector of units at a time (see {@link VectorIntRagMinimal}). */
public final class VectorIntRagGru implements IntegerCell {
    private static final VectorSpecies<Integer> INTS = FloatLanes.SPECIES.withLanes(int.class);
    private static final IntVector ZERO = IntVector.zero(INTS);

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        int end = from + INTS.loopBound(to - from);
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, end, gi, g, gh, q, p, h, s);
            IntRagGru.row(end, to, gi, g, gh, q, p, h, s);
        }
    }

    private static void row(int from, int end, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int s) {
        int n = p.hidden, n2 = n + n;
        IntVector one = IntVector.broadcast(INTS, p.one);
        IntVector minusOne = one.neg();
        int[] ei = p.inputExponents, eh = p.recurrentExponents;
        int eir = ei[0], ehr = eh[0], eiz = ei[1], ehz = eh[1], ein = ei[2], ehn = eh[2];
        IntVector rir = IntVector.broadcast(INTS, (1 << eir) >> 1), rhr = IntVector.broadcast(INTS, (1 << ehr) >> 1);
        IntVector riz = IntVector.broadcast(INTS, (1 << eiz) >> 1), rhz = IntVector.broadcast(INTS, (1 << ehz) >> 1);
        IntVector rin = IntVector.broadcast(INTS, (1 << ein) >> 1), rhn = IntVector.broadcast(INTS, (1 << ehn) >> 1);
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < end; j += INTS.length()) {
            IntVector ar = IntVector.fromArray(INTS, gi, g + j).add(rir).lanewise(VectorOperators.ASHR, eir)
                    .add(IntVector.fromArray(INTS, bi, j))
                    .add(IntVector.fromArray(INTS, gh, q + j).add(rhr).lanewise(VectorOperators.ASHR, ehr))
                    .add(IntVector.fromArray(INTS, bh, j));
            IntVector az = IntVector.fromArray(INTS, gi, g + n + j).add(riz).lanewise(VectorOperators.ASHR, eiz)
                    .add(IntVector.fromArray(INTS, bi, n + j))
                    .add(IntVector.fromArray(INTS, gh, q + n + j).add(rhz).lanewise(VectorOperators.ASHR, ehz))
                    .add(IntVector.fromArray(INTS, bh, n + j));
            IntVector ghn = IntVector.fromArray(INTS, gh, q + n2 + j).add(rhn).lanewise(VectorOperators.ASHR, ehn)
                    .add(IntVector.fromArray(INTS, bh, n2 + j));
            IntVector qr = ar.neg().max(ZERO);                                     // relu(-a_r)
            IntVector sr = ghn.sub(qr).max(ZERO).sub(ghn.neg().sub(qr).max(ZERO)); // S(gh_n, relu(-a_r))
            IntVector cand = IntVector.fromArray(INTS, gi, g + n2 + j).add(rin).lanewise(VectorOperators.ASHR, ein)
                    .add(IntVector.fromArray(INTS, bi, n2 + j)).add(sr).max(minusOne).min(one);
            IntVector hv = IntVector.fromArray(INTS, h, s + j);
            IntVector qh = az.neg().max(ZERO);
            IntVector qn = az.max(ZERO);
            IntVector sh = hv.sub(qh).max(ZERO).sub(hv.neg().sub(qh).max(ZERO));
            IntVector sn = cand.sub(qn).max(ZERO).sub(cand.neg().sub(qn).max(ZERO));
            sh.add(sn).max(minusOne).min(one).intoArray(h, s + j);
        }
    }
}
