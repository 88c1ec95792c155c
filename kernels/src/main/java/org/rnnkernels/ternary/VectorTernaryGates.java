package org.rnnkernels.ternary;

import static org.rnnkernels.internal.VectorMath.sigm;
import static org.rnnkernels.internal.VectorMath.tanh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API gate pass, shaped like {@code org.rnnkernels.cell.GatePass} for C2's node budget:
 * the gates are activated in place over {@code gh} in a loop of their own with one exp, called from
 * one site, then one loop (one tanh) updates the state; scalar tails.
 */
final class VectorTernaryGates extends TernaryGates {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    @Override
    void gru(int n, float[] gi, float[] gh, float[] h, int ho) {
        activateInPlace(0, 2 * n, gi, gh, false);      // r, z: adjacent blocks, one sigm loop
        int end = S.loopBound(n);
        for (int j = 0; j < end; j += S.length()) {
            FloatVector r = FloatVector.fromArray(S, gh, j);
            FloatVector z = FloatVector.fromArray(S, gh, n + j);
            FloatVector cand = tanh(FloatVector.fromArray(S, gi, 2 * n + j).add(r.mul(FloatVector.fromArray(S, gh, 2 * n + j))));
            FloatVector hv = FloatVector.fromArray(S, h, ho + j);
            cand.add(z.mul(hv.sub(cand))).intoArray(h, ho + j);     // h' = n + z*(h - n)
        }
        for (int j = end; j < n; j++) {
            float cand = ScalarTernaryGates.tanh(gi[2 * n + j] + gh[j] * gh[2 * n + j]);
            h[ho + j] = cand + gh[n + j] * (h[ho + j] - cand);
        }
    }

    @Override
    void lstm(int n, float[] gi, float[] gh, float[] h, int ho, float[] c, int co) {
        // i, f: sigm ; g: tanh ; o: sigm, over the blocks [0, 2n), [2n, 3n), [3n, 4n), from one call site
        for (int part = 0; part < 3; part++) {
            activateInPlace(part == 0 ? 0 : (part + 1) * n, (part + 2) * n, gi, gh, part == 1);
        }
        int end = S.loopBound(n);
        for (int j = 0; j < end; j += S.length()) {
            FloatVector cNew = FloatVector.fromArray(S, gh, n + j).mul(FloatVector.fromArray(S, c, co + j))
                    .add(FloatVector.fromArray(S, gh, j).mul(FloatVector.fromArray(S, gh, 2 * n + j)));
            cNew.intoArray(c, co + j);
            FloatVector.fromArray(S, gh, 3 * n + j).mul(tanh(cNew)).intoArray(h, ho + j);
        }
        for (int j = end; j < n; j++) {
            float cNew = gh[n + j] * c[co + j] + gh[j] * gh[2 * n + j];
            c[co + j] = cNew;
            h[ho + j] = gh[3 * n + j] * ScalarTernaryGates.tanh(cNew);
        }
    }

    // gh[k] = act(gi[k] + gh[k]) for k in from .. to-1; act = sigm, or tanh as 2*sigm(2a) - 1 so the loop holds one exp
    private static void activateInPlace(int from, int to, float[] gi, float[] gh, boolean tanh) {
        int end = from + S.loopBound(to - from);
        for (int k = from; k < end; k += S.length()) {
            FloatVector a = FloatVector.fromArray(S, gi, k).add(FloatVector.fromArray(S, gh, k));
            FloatVector s = sigm(tanh ? a.add(a) : a);
            (tanh ? s.add(s).sub(ONE) : s).intoArray(gh, k);
        }
        for (int k = end; k < to; k++) {
            float a = gi[k] + gh[k];
            gh[k] = tanh ? ScalarTernaryGates.tanh(a) : ScalarTernaryGates.sigm(a);
        }
    }
}
