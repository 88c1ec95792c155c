package org.rnnkernels.integer;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/** {@link IntRagLstm}, a vector of units at a time (see {@link VectorIntRagMinimal}). */
public final class VectorIntRagLstm implements IntegerCell {
    private static final VectorSpecies<Integer> INTS = FloatLanes.SPECIES.withLanes(int.class);
    private static final IntVector ZERO = IntVector.zero(INTS);

    @Override
    public void apply(int rows, int from, int to, int[] gi, int giOffset, int giStride, int[] gh, int ghStride,
                      IntegerParameters p, int[] h, int[] c) {
        int end = from + INTS.loopBound(to - from);
        for (int b = 0, g = giOffset, q = 0, s = 0; b < rows; b++, g += giStride, q += ghStride, s += p.hidden) {
            row(from, end, gi, g, gh, q, p, h, c, s);
            IntRagLstm.row(end, to, gi, g, gh, q, p, h, c, s);
        }
    }

    private static void row(int from, int end, int[] gi, int g, int[] gh, int q, IntegerParameters p, int[] h, int[] c, int s) {
        int n = p.hidden, n2 = n + n, n3 = n2 + n;
        IntVector one = IntVector.broadcast(INTS, p.one);
        IntVector minusOne = one.neg();
        int[] ei = p.inputExponents, eh = p.recurrentExponents;
        int eii = ei[0], ehi = eh[0], eif = ei[1], ehf = eh[1], eig = ei[2], ehg = eh[2], eio = ei[3], eho = eh[3];
        IntVector rii = IntVector.broadcast(INTS, (1 << eii) >> 1), rhi = IntVector.broadcast(INTS, (1 << ehi) >> 1);
        IntVector rif = IntVector.broadcast(INTS, (1 << eif) >> 1), rhf = IntVector.broadcast(INTS, (1 << ehf) >> 1);
        IntVector rig = IntVector.broadcast(INTS, (1 << eig) >> 1), rhg = IntVector.broadcast(INTS, (1 << ehg) >> 1);
        IntVector rio = IntVector.broadcast(INTS, (1 << eio) >> 1), rho = IntVector.broadcast(INTS, (1 << eho) >> 1);
        int[] bi = p.inputBias, bh = p.recurrentBias;
        for (int j = from; j < end; j += INTS.length()) {
            IntVector ai = IntVector.fromArray(INTS, gi, g + j).add(rii).lanewise(VectorOperators.ASHR, eii)
                    .add(IntVector.fromArray(INTS, bi, j))
                    .add(IntVector.fromArray(INTS, gh, q + j).add(rhi).lanewise(VectorOperators.ASHR, ehi))
                    .add(IntVector.fromArray(INTS, bh, j));
            IntVector af = IntVector.fromArray(INTS, gi, g + n + j).add(rif).lanewise(VectorOperators.ASHR, eif)
                    .add(IntVector.fromArray(INTS, bi, n + j))
                    .add(IntVector.fromArray(INTS, gh, q + n + j).add(rhf).lanewise(VectorOperators.ASHR, ehf))
                    .add(IntVector.fromArray(INTS, bh, n + j));
            IntVector ag = IntVector.fromArray(INTS, gi, g + n2 + j).add(rig).lanewise(VectorOperators.ASHR, eig)
                    .add(IntVector.fromArray(INTS, bi, n2 + j))
                    .add(IntVector.fromArray(INTS, gh, q + n2 + j).add(rhg).lanewise(VectorOperators.ASHR, ehg))
                    .add(IntVector.fromArray(INTS, bh, n2 + j));
            IntVector ao = IntVector.fromArray(INTS, gi, g + n3 + j).add(rio).lanewise(VectorOperators.ASHR, eio)
                    .add(IntVector.fromArray(INTS, bi, n3 + j))
                    .add(IntVector.fromArray(INTS, gh, q + n3 + j).add(rho).lanewise(VectorOperators.ASHR, eho))
                    .add(IntVector.fromArray(INTS, bh, n3 + j));
            IntVector cv = IntVector.fromArray(INTS, c, s + j);
            IntVector qc = af.neg().max(ZERO);                                     // relu(-a_f)
            IntVector qg = af.max(ZERO).add(ai.neg().max(ZERO));                   // relu(a_f) + relu(-a_i)
            IntVector cand = ag.max(minusOne).min(one);                            // hardtanh(a_g)
            IntVector sc = cv.sub(qc).max(ZERO).sub(cv.neg().sub(qc).max(ZERO));
            IntVector sg = cand.sub(qg).max(ZERO).sub(cand.neg().sub(qg).max(ZERO));
            IntVector cell = sc.add(sg).max(minusOne).min(one);                    // c'
            cell.intoArray(c, s + j);
            IntVector qo = ao.neg().max(ZERO);                                     // h' = S(c', relu(-a_o))
            cell.sub(qo).max(ZERO).sub(cell.neg().sub(qo).max(ZERO)).intoArray(h, s + j);
        }
    }
}
