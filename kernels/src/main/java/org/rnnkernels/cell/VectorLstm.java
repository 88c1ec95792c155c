package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;
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
 * {@link Lstm}, a vector of units at a time.
 *
 * <p>Inference ({@link #apply}) goes unit by unit: for each vector of units it sums the four gates'
 * pre-activations, activates them, and computes {@code c'} and {@code h'} in registers, storing only
 * {@code c'} and {@code h'}. The activations are {@link VectorMath#activate}'s rational function written
 * out here, the four gates' operations side by side in the source: four independent dependency chains
 * that C2 emits interleaved, so the FMA pipes are fed while each chain waits on its own latency; then
 * {@code tanh(c')}. That is five copies of the function in one loop body, where the twenty of the gate math
 * tried on the product's tiles went past C2's node budget (see {@link GatePass}); {@code StepAllocationTest}
 * holds it to zero bytes a step. The same units' gate pass as separate loops over blocks (sums, five
 * {@code activate} passes, the cell update, the output: what training's forward below still does, since it
 * keeps every activation) took 1.2-1.8x as long in a harness (this loop at 0.55-0.70 of their time at B = 16,
 * H = 256 and 0.80 at 64 x 512 on Zen 5, 512-bit; 0.85 at 256-bit), the same bits.
 *
 * <p>Training's forward and the MI-LSTM's pass keep the block loops: the five activations of a row all
 * come from the one {@link VectorOps#activate} call site, {@code c'} written into its slot (block {@code i},
 * spent by then; block 4 of the training cache) between the fourth and the fifth.
 */
public final class VectorLstm implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        int end = from + S.loopBound(to - from);
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            units(from, end, n, gi, g, gh, q, bias, c, b * n, hOut, hoo + b * n);
            if (end < to) {   // the last H mod lanes units: the plain twin's loops
                for (int block = 0; block < 4; block++) {
                    ScalarOps.sum(end, to, gi, g, gh, q, bias, block * n, gh, q);
                }
                Lstm.activateAndUpdate(end, to, n, gh, q, c, b * n, c, b * n, q, hOut, hoo + b * n);
            }
        }
    }

    /**
     * Units {@code from .. end-1} (whole vectors) of one row: {@code a_k = gi_k + gh_k + b_k} for the blocks
     * {@code k = i, f, g, o}; {@code i, f, o = sigm(a)}, {@code g = tanh(a)}; {@code c' = f*c + i*g} (in place);
     * {@code h' = o*tanh(c')}. Each activation is {@link VectorMath#activate}'s, operation for operation:
     * {@code tanh(x) = x P(x^2) / Q(x^2)} with {@code |x|} clamped to 9 on the bits, {@code sigm(x) = 1/2 +
     * tanh(x/2) / 2}, NaN put back; for {@code tanh} its scale 1 and shift -0 are left out (exact), so the
     * results are the block loops' to the bit.
     */
    private static void units(int from, int end, int n, float[] gi, int g, float[] gh, int q, float[] bias,
                              float[] c, int co, float[] h, int ho) {
        for (int j = from; j < end; j += S.length()) {
            FloatVector ai = FloatVector.fromArray(S, gi, g + j).add(FloatVector.fromArray(S, gh, q + j))
                    .add(FloatVector.fromArray(S, bias, j));
            FloatVector af = FloatVector.fromArray(S, gi, g + n + j).add(FloatVector.fromArray(S, gh, q + n + j))
                    .add(FloatVector.fromArray(S, bias, n + j));
            FloatVector ag = FloatVector.fromArray(S, gi, g + 2 * n + j).add(FloatVector.fromArray(S, gh, q + 2 * n + j))
                    .add(FloatVector.fromArray(S, bias, 2 * n + j));
            FloatVector ao = FloatVector.fromArray(S, gi, g + 3 * n + j).add(FloatVector.fromArray(S, gh, q + 3 * n + j))
                    .add(FloatVector.fromArray(S, bias, 3 * n + j));
            // x = a/2 for the sigmoids, a for g; |x| clamped to 9, the sign kept
            IntVector bi = ai.mul(HALF).reinterpretAsInts(), bf = af.mul(HALF).reinterpretAsInts();
            IntVector bg = ag.reinterpretAsInts(), bo = ao.mul(HALF).reinterpretAsInts();
            FloatVector xi = bi.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bi.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector xf = bf.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bf.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector xg = bg.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bg.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector xo = bo.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bo.and(SIGN_BITS)).reinterpretAsFloats();
            // u = x^2; P(u) and Q(u) by Horner, the four gates' steps side by side
            FloatVector ui = xi.mul(xi), uf = xf.mul(xf), ug = xg.mul(xg), uo = xo.mul(xo);
            FloatVector pi = ui.fma(TANH_P4, TANH_P3), pf = uf.fma(TANH_P4, TANH_P3);
            FloatVector pg = ug.fma(TANH_P4, TANH_P3), po = uo.fma(TANH_P4, TANH_P3);
            FloatVector qi = ui.fma(TANH_Q4, TANH_Q3), qf = uf.fma(TANH_Q4, TANH_Q3);
            FloatVector qg = ug.fma(TANH_Q4, TANH_Q3), qo = uo.fma(TANH_Q4, TANH_Q3);
            pi = pi.fma(ui, TANH_P2); pf = pf.fma(uf, TANH_P2); pg = pg.fma(ug, TANH_P2); po = po.fma(uo, TANH_P2);
            qi = qi.fma(ui, TANH_Q2); qf = qf.fma(uf, TANH_Q2); qg = qg.fma(ug, TANH_Q2); qo = qo.fma(uo, TANH_Q2);
            pi = pi.fma(ui, TANH_P1); pf = pf.fma(uf, TANH_P1); pg = pg.fma(ug, TANH_P1); po = po.fma(uo, TANH_P1);
            qi = qi.fma(ui, TANH_Q1); qf = qf.fma(uf, TANH_Q1); qg = qg.fma(ug, TANH_Q1); qo = qo.fma(uo, TANH_Q1);
            pi = pi.fma(ui, TANH_P0).mul(xi); pf = pf.fma(uf, TANH_P0).mul(xf);
            pg = pg.fma(ug, TANH_P0).mul(xg); po = po.fma(uo, TANH_P0).mul(xo);
            qi = qi.fma(ui, ONE); qf = qf.fma(uf, ONE); qg = qg.fma(ug, ONE); qo = qo.fma(uo, ONE);
            // sigm = tanh(a/2)/2 + 1/2; NaN != NaN: a NaN pre-activation comes out as itself
            FloatVector i = pi.div(qi).fma(HALF, HALF).blend(ai, ai.compare(VectorOperators.NE, ai));
            FloatVector f = pf.div(qf).fma(HALF, HALF).blend(af, af.compare(VectorOperators.NE, af));
            FloatVector gg = pg.div(qg).blend(ag, ag.compare(VectorOperators.NE, ag));
            FloatVector o = po.div(qo).fma(HALF, HALF).blend(ao, ao.compare(VectorOperators.NE, ao));
            FloatVector cNew = f.mul(FloatVector.fromArray(S, c, co + j)).add(i.mul(gg));
            cNew.intoArray(c, co + j);
            // tanh(c'), the same function, one chain
            IntVector bc = cNew.reinterpretAsInts();
            FloatVector xc = bc.and(MAGNITUDE_BITS).min(TANH_CLAMP_BITS).or(bc.and(SIGN_BITS)).reinterpretAsFloats();
            FloatVector uc = xc.mul(xc);
            FloatVector pc = uc.fma(TANH_P4, TANH_P3).fma(uc, TANH_P2).fma(uc, TANH_P1).fma(uc, TANH_P0).mul(xc);
            FloatVector qc = uc.fma(TANH_Q4, TANH_Q3).fma(uc, TANH_Q2).fma(uc, TANH_Q1).fma(uc, ONE);
            FloatVector tc = pc.div(qc).blend(cNew, cNew.compare(VectorOperators.NE, cNew));
            o.mul(tc).intoArray(h, ho + j);
        }
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 4; block++) {
                VectorOps.sum(0, n, s.gi, g, s.gh, q, p.bias, block * n, s.act, a);
            }
            activateAndUpdate(0, n, n, s.act, a, s.cs, hp, s.cs, hn, a + 4 * n, s.hs, hn);
        }
    }

    // i, f, g, o activated in place, c' = f*c + i*g (into cOut and gates[slot ..]), tanh(c') in place, h' = o*tanh(c')
    static void activateAndUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp,
                                  float[] cOut, int co, int slot, float[] hOut, int ho) {
        for (int pass = 0; pass < 5; pass++) {
            if (pass == 4) {
                cellUpdate(from, to, n, gates, o, cPrev, cp, cOut, co, slot);
            }
            VectorOps.activate(from, to, gates, pass == 4 ? slot : o + pass * n, pass == 2 || pass == 4);
        }
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector.fromArray(S, gates, o + 3 * n + j).mul(FloatVector.fromArray(S, gates, slot + j)).intoArray(hOut, ho + j);
        }
        Lstm.output(end, to, n, gates, o, slot, hOut, ho);
    }

    // c' = f*c + i*g, into cOut and gates[slot ..]
    private static void cellUpdate(int from, int to, int n, float[] gates, int o, float[] cPrev, int cp,
                                   float[] cOut, int co, int slot) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector cNew = FloatVector.fromArray(S, gates, o + n + j).mul(FloatVector.fromArray(S, cPrev, cp + j))
                    .add(FloatVector.fromArray(S, gates, o + j).mul(FloatVector.fromArray(S, gates, o + 2 * n + j)));
            cNew.intoArray(cOut, co + j);
            cNew.intoArray(gates, slot + j);
        }
        Lstm.cellUpdate(end, to, n, gates, o, cPrev, cp, cOut, co, slot);
    }

    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        gradients(null, s, t);
    }

    // Lstm's gate gradients; with MI vectors mi (MI-LSTM) into dPre, then the MI rows, else into dGi = dGh
    static void gradients(float[] mi, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        float[] into = mi != null ? s.dPre : s.dGi;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector i = FloatVector.fromArray(S, s.act, a + j);
                FloatVector f = FloatVector.fromArray(S, s.act, a + n + j);
                FloatVector gg = FloatVector.fromArray(S, s.act, a + 2 * n + j);
                FloatVector o = FloatVector.fromArray(S, s.act, a + 3 * n + j), tc = FloatVector.fromArray(S, s.act, a + 4 * n + j);
                FloatVector dh = FloatVector.fromArray(S, s.dh, d + j);
                FloatVector dCN = FloatVector.fromArray(S, s.dc, d + j).add(dh.mul(o).mul(ONE.sub(tc.mul(tc))));
                FloatVector dAI = dCN.mul(gg).mul(i.sub(i.mul(i)));
                FloatVector dAF = dCN.mul(FloatVector.fromArray(S, s.cs, hp + j)).mul(f.sub(f.mul(f)));
                FloatVector dAG = dCN.mul(i).mul(ONE.sub(gg.mul(gg)));
                FloatVector dAO = dh.mul(tc).mul(o.sub(o.mul(o)));
                dCN.mul(f).intoArray(s.dc, d + j);
                dAI.intoArray(into, g + j);
                dAF.intoArray(into, g + n + j);
                dAG.intoArray(into, g + 2 * n + j);
                dAO.intoArray(into, g + 3 * n + j);
            }
            if (mi != null) {
                for (int k = 0; k < 4 * n; k += n) {
                    VectorOps.miRows(mi, s, g, k, a + 5 * n, end);
                }
            } else if (s.dGh != s.dGi) {
                System.arraycopy(s.dGi, g, s.dGh, g, 4 * n);   // dGh = dGi (the tail is rewritten below)
            }
            Lstm.backwardRow(mi, s, t, b, end);
        }
    }
}
