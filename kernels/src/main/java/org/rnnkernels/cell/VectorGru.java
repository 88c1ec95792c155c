package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.storeBoth;
import static org.rnnkernels.internal.VectorMath.HALF;
import static org.rnnkernels.internal.VectorMath.MAGNITUDE_BITS;
import static org.rnnkernels.internal.VectorMath.SIGN_BITS;
import static org.rnnkernels.internal.VectorMath.TANH_CLAMP_BITS;
import static org.rnnkernels.internal.VectorMath.TANH_P0;
import static org.rnnkernels.internal.VectorMath.TANH_P1;
import static org.rnnkernels.internal.VectorMath.TANH_P2;
import static org.rnnkernels.internal.VectorMath.TANH_P3;
import static org.rnnkernels.internal.VectorMath.TANH_P4;
import static org.rnnkernels.internal.VectorMath.TANH_Q1;
import static org.rnnkernels.internal.VectorMath.TANH_Q2;
import static org.rnnkernels.internal.VectorMath.TANH_Q3;
import static org.rnnkernels.internal.VectorMath.TANH_Q4;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.rnnkernels.internal.VectorMath;

/**
 * {@link Gru}, a vector of units at a time.
 *
 * <p>Inference ({@link #apply}) goes unit by unit, as {@link VectorLstm}'s does: for each vector of units
 * {@code r} and {@code z} with their operations side by side (two independent chains), then {@code n} and
 * {@code h'}, in registers; only {@code h'} is stored. Three copies of {@link VectorMath#activate}'s function
 * in one loop body; {@code StepAllocationTest} holds it to zero bytes a step. In a harness (Zen 5, 512-bit) it
 * took 0.71-0.76 of the block loops' gate-pass time at B = 1, 16 and 64, the same bits.
 *
 * <p>Training's forward and EGRU keep the block loops ({@link #gates}): sums, then the three activations from
 * one call site.
 */
public final class VectorGru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n;
            units(from, end, n, gi, g, gh, q, bias, hPrev, hpo + b * n, hOut, hoo + b * n);
            if (end < to) {   // the last H mod lanes units: the plain twin's loops
                Gru.gates(end, to, n, gi, g, gh, q, bias, gh, q);
                ScalarOps.blend(end, to, n, gh, q, hPrev, hpo + b * n, hOut, hoo + b * n);
            }
        }
    }

    /**
     * Units {@code from .. end-1} (whole vectors) of one row: {@code r = sigm(gi_r + gh_r + b_r)}, {@code z}
     * likewise, {@code n = tanh((gi_n + b_in) + r*(gh_n + b_hn))}, {@code h' = n + z*(h - n)}; {@code h} is read
     * before {@code h'} is written at the same units, so they may be the same place. Each activation is
     * {@link VectorMath#activate}'s, operation for operation (see {@link VectorLstm}'s {@code units}), so the
     * results are the block loops' to the bit.
     */
    private static void units(int from, int end, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                              float[] hPrev, int hp, float[] hOut, int ho) {
        for (int j = from; j < end; j += S.length()) {
            FloatVector ar = FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j))
                    .add(FloatVector.fromArray(S, bias, j));
            FloatVector az = FloatVector.fromArray(S, gi, g + n + j).add(FloatVector.fromArray(S, gh, q + n + j))
                    .add(FloatVector.fromArray(S, bias, n + j));
            // sigm(a) = tanh(a/2)/2 + 1/2; |a/2| clamped to 9 on the bits, the sign kept
            IntVector br = ar.mul(HALF).reinterpretAsInts(), bz = az.mul(HALF).reinterpretAsInts();
            FloatVector xr = br.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(br.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector xz = bz.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bz.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector ur = xr.mul(xr), uz = xz.mul(xz);
            FloatVector pr = ur.fma(TANH_P4, TANH_P3), pz = uz.fma(TANH_P4, TANH_P3);
            FloatVector qr = ur.fma(TANH_Q4, TANH_Q3), qz = uz.fma(TANH_Q4, TANH_Q3);
            pr = pr.fma(ur, TANH_P2); pz = pz.fma(uz, TANH_P2);
            qr = qr.fma(ur, TANH_Q2); qz = qz.fma(uz, TANH_Q2);
            pr = pr.fma(ur, TANH_P1); pz = pz.fma(uz, TANH_P1);
            qr = qr.fma(ur, TANH_Q1); qz = qz.fma(uz, TANH_Q1);
            pr = pr.fma(ur, TANH_P0).mul(xr); pz = pz.fma(uz, TANH_P0).mul(xz);
            qr = qr.fma(ur, ONE); qz = qz.fma(uz, ONE);
            FloatVector ghn = FloatVector.fromArray(S, gh, q + 2 * n + j).add(FloatVector.fromArray(S, bias, 3 * n + j));
            FloatVector gin = FloatVector.fromArray(S, gi, g + 2 * n + j).add(FloatVector.fromArray(S, bias, 2 * n + j));
            FloatVector r = pr.div(qr).fma(HALF, HALF).blend(ar, ar.compare(VectorOperators.NE, ar));   // NaN stays
            FloatVector z = pz.div(qz).fma(HALF, HALF).blend(az, az.compare(VectorOperators.NE, az));
            FloatVector an = gin.add(r.mul(ghn));
            IntVector bn = an.reinterpretAsInts();
            FloatVector xn = bn.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bn.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector un = xn.mul(xn);
            FloatVector pn = un.fma(TANH_P4, TANH_P3).fma(un, TANH_P2).fma(un, TANH_P1).fma(un, TANH_P0).mul(xn);
            FloatVector qn = un.fma(TANH_Q4, TANH_Q3).fma(un, TANH_Q2).fma(un, TANH_Q1).fma(un, ONE);
            FloatVector cand = pn.div(qn).blend(an, an.compare(VectorOperators.NE, an));
            cand.add(z.mul(FloatVector.fromArray(S, hPrev, hp + j).sub(cand))).intoArray(hOut, ho + j);
        }
    }

    // a_r, a_z summed into out[o ..]; r = sigm(a_r), z = sigm(a_z), then n = tanh(gi_n + b_in + r*(gh_n + b_hn)),
    // gh_n read raw; shared with EGRU
    static void gates(int from, int to, int n, float[] gi, int g, float[] gh, int q, float[] bias, float[] out, int o) {
        for (int block = 0; block < 2; block++) {
            VectorOps.sum(from, to, gi, g, gh, q, bias, block * n, out, o);
        }
        for (int block = 0; block < 3; block++) {
            if (block == 2) {
                VectorOps.candidatePre(from, to, n, gi, g, gh, q, bias, out, o);
            }
            VectorOps.activate(from, to, out, o + block * n, block == 2);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n;
            gates(0, n, n, s.gi, g, s.gh, q, p.bias, s.act, a);
            VectorOps.add(0, n, s.gh, q + 2 * n, p.bias, 3 * n, s.act, a + 3 * n);
            VectorOps.blend(0, n, n, s.act, a, s.hs, hp, s.hs, hp + s.batch * n);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            gateGradients(s, t, b, end, s.dh, b * n, s.hs, (t * s.batch + b) * n, s.dhNext);
            Gru.backwardRow(s, t, b, end);
        }
    }

    // Gru.gateGradients over units 0 .. end-1 (up[uo ..] may be dGi's block n: read before it is written)
    static void gateGradients(TrainingTrace s, int t, int b, int end, float[] up, int uo, float[] prev, int hp, float[] direct) {
        int n = s.hidden, r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth;
        for (int j = 0; j < end; j += S.length()) {
            FloatVector rr = FloatVector.fromArray(S, s.act, a + j);
            FloatVector z = FloatVector.fromArray(S, s.act, a + n + j);
            FloatVector cand = FloatVector.fromArray(S, s.act, a + 2 * n + j);
            FloatVector dS = FloatVector.fromArray(S, up, uo + j);
            FloatVector dAN = dS.sub(dS.mul(z)).mul(ONE.sub(cand.mul(cand)));
            FloatVector dAR = dAN.mul(FloatVector.fromArray(S, s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr)));
            FloatVector dAZ = dS.mul(FloatVector.fromArray(S, prev, hp + j).sub(cand)).mul(z.sub(z.mul(z)));
            dS.mul(z).intoArray(direct, d + j);
            storeBoth(dAR, s, g + j);
            storeBoth(dAZ, s, g + n + j);
            dAN.intoArray(s.dGi, g + 2 * n + j);
            dAN.mul(rr).intoArray(s.dGh, g + 2 * n + j);
        }
    }
}
