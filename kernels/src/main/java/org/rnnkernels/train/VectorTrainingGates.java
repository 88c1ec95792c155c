package org.rnnkernels.train;

import static org.rnnkernels.internal.VectorMath.sigm;
import static org.rnnkernels.internal.VectorMath.tanh;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnnkernels.simd.FloatLanes;

/**
 * Vector API training gate passes: the equations of {@link ScalarTrainingGates}, a vector of units at a
 * time, the last {@code H mod lanes} units of a row through the scalar code. Shaped for C2's node budget
 * as {@code org.rnnkernels.cell.GatePass} is (too many vector operations in one loop and C2 boxes them: a heap
 * allocation per operation): one method per loop, GRU and LSTM activate their gates in a loop of their
 * own (one exp each), constants are vectors made once, and the RAG backward passes are cut in two loops,
 * the second reading what the first stored (the state side, then the reset or input/forget gates).
 * The multiplicative-integration cells activate (forward) and take their row gradients {@code dGI, dGH}
 * from {@code dPre} (backward) in loops of their own, block by block.
 */
final class VectorTrainingGates implements TrainingGates {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector MINUS_ONE = FloatVector.broadcast(S, -1f);

    @Override
    public void forward(GateParameters p, TrainingState s, int t) {
        switch (p.type) {
            case RNN_TANH, RNN_RELU -> rnnForward(p, s, t);
            case LSTM, MI_LSTM -> lstmForward(p, s, t);
            case GRU -> gruForward(p, s, t);
            case RAG_GRU, RAG_MINIMAL -> ragGruForward(p, s, t);
            case RAG_LSTM -> ragLstmForward(p, s, t);
            case RAG_MINIMAL_LEAKY -> plainRows(p, s, t, true);
            case MI_RNN -> miRnnForward(p, s, t);
            case MI_GRU -> miGruForward(p, s, t);
            case EGRU -> egruForward(p, s, t);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingState s, int t) {
        switch (p.type) {
            case RNN_TANH, RNN_RELU -> rnnBackward(p, s, t);
            case LSTM, MI_LSTM -> lstmBackward(p, s, t);
            case GRU -> gruBackward(p, s, t);
            case RAG_GRU, RAG_MINIMAL -> ragGruBackward(p, s, t);
            case RAG_LSTM -> ragLstmBackward(p, s, t);
            case RAG_MINIMAL_LEAKY -> plainRows(p, s, t, false);
            case MI_RNN -> miRnnBackward(p, s, t);
            case MI_GRU -> miGruBackward(p, s, t);
            case EGRU -> egruBackward(p, s, t);
        }
    }

    // Unit by unit: its row of W_hh^T against the samples that need it, four at a time (one load of W for
    // four FMAs; the row stays in L1 for the rest).
    @Override
    public void supportProduct(float[] wHhT, TrainingState s, int t) {
        int n = s.hidden, w = s.width, base = t * s.batch * w;
        int[] samples = s.supportSamples;
        java.util.Arrays.fill(s.dh, 0, s.batch * n, 0f);
        for (int i = 0; i < s.supportUnitCount; i++) {
            int j = s.supportUnits[i];
            int count = 0;
            for (int b = 0; b < s.batch; b++) {
                if (s.needed[b * n + j]) {
                    samples[count++] = b;
                }
            }
            int k = 0;
            for (; k + 4 <= count; k += 4) {
                dot4(wHhT, j * w, s.dGh, base, w, samples, k, s.dh, n, j);
            }
            for (; k < count; k++) {
                int b = samples[k];
                s.dh[b * n + j] = dot(wHhT, j * w, s.dGh, base + b * w, w);
            }
        }
    }

    // dh[b*n + j] = a[ai ..] . x[base + b*w ..] (w floats) for the four samples b = samples[k .. k+3]
    private static void dot4(float[] a, int ai, float[] x, int base, int w, int[] samples, int k, float[] dh, int n, int j) {
        int b0 = samples[k], b1 = samples[k + 1], b2 = samples[k + 2], b3 = samples[k + 3];
        int x0 = base + b0 * w, x1 = base + b1 * w, x2 = base + b2 * w, x3 = base + b3 * w;
        int end = S.loopBound(w);
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
        for (int c = 0; c < end; c += S.length()) {
            FloatVector av = load(a, ai + c);
            s0 = av.fma(load(x, x0 + c), s0);
            s1 = av.fma(load(x, x1 + c), s1);
            s2 = av.fma(load(x, x2 + c), s2);
            s3 = av.fma(load(x, x3 + c), s3);
        }
        dh[b0 * n + j] = ScalarTrainingGates.dot(a, ai, x, x0, end, w, s0.reduceLanes(VectorOperators.ADD));
        dh[b1 * n + j] = ScalarTrainingGates.dot(a, ai, x, x1, end, w, s1.reduceLanes(VectorOperators.ADD));
        dh[b2 * n + j] = ScalarTrainingGates.dot(a, ai, x, x2, end, w, s2.reduceLanes(VectorOperators.ADD));
        dh[b3 * n + j] = ScalarTrainingGates.dot(a, ai, x, x3, end, w, s3.reduceLanes(VectorOperators.ADD));
    }

    @Override
    public void sparseWeightGradient(TrainingState s) {
        int n = s.hidden, w = s.width;
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(s.dWHhT, j * w, (j + 1) * w, 0f);
            for (int p = s.yStart[j]; p < s.yStart[j + 1]; p++) {
                int r = s.yRows[p];
                axpy(s.hs[r * n + j], s.dGh, r * w, s.dWHhT, j * w, w);
            }
        }
    }

    // y[yi ..] += a x[xi ..] over n floats (the row of y stays in L1 across the calls of one unit)
    private static void axpy(float a, float[] x, int xi, float[] y, int yi, int n) {
        int end = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, a);
        for (int k = 0; k < end; k += S.length()) {
            av.fma(load(x, xi + k), load(y, yi + k)).intoArray(y, yi + k);
        }
        ScalarTrainingGates.axpy(a, x, xi, y, yi, end, n);
    }

    // a[ai .. ai+n-1] . x[xi .. xi+n-1], scalar tail. The accumulator starts from a zero made here: started from
    // the static ZERO, C2 boxed it on every iteration (measured 0.3 GFMA/s against 6 with this form).
    private static float dot(float[] a, int ai, float[] x, int xi, int n) {
        int end = S.loopBound(n);
        FloatVector sum = FloatVector.zero(S);
        for (int k = 0; k < end; k += S.length()) {
            sum = load(a, ai + k).fma(load(x, xi + k), sum);
        }
        return ScalarTrainingGates.dot(a, ai, x, xi, end, n, sum.reduceLanes(VectorOperators.ADD));
    }

    // The plain code for every row: the leaky RAG cell has no vector training pass yet (its inference pass has one).
    private static void plainRows(GateParameters p, TrainingState s, int t, boolean forward) {
        for (int b = 0; b < s.batch; b++) {
            if (forward) {
                ScalarTrainingGates.forwardRow(p, s, t, b, 0);
            } else {
                ScalarTrainingGates.backwardRow(p, s, t, b, 0);
            }
        }
    }

    // ---- forward ----

    private static void rnnForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        boolean relu = p.type == org.rnnkernels.CellType.RNN_RELU;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * n, q = b * n, hn = (r + s.batch) * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector a = load(s.gi, g + j).add(load(s.gh, q + j)).add(load(p.bias, j));
                (relu ? a.max(ZERO) : tanh(a)).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.rnnForward(p, s, t, b, end);
        }
    }

    // act[a + k + j] = act(gi + gh + b) over the block at k: sigm, or tanh(v) = 2 sigm(2v) - 1 (one exp per loop)
    private static void activate(float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] act, int a, int end, boolean tanh) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector v = load(gi, g + k + j).add(load(gh, q + k + j)).add(load(bias, k + j));
            FloatVector y = sigm(tanh ? v.add(v) : v);
            (tanh ? y.add(y).sub(ONE) : y).intoArray(act, a + k + j);
        }
    }

    // i, f, g, o into act, then c' = f c + i g ; h' = o tanh(c')
    private static void lstmForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 4; block++) {
                if (p.alpha == null) {
                    activate(s.gi, g, s.gh, q, p.bias, block * n, s.act, a, end, block == 2);
                } else {
                    miActivate(p, s, g, q, block * n, a, a + 5 * n, end, block == 2);
                }
            }
            lstmUpdate(s, n, end, a, hp, hn);
            ScalarTrainingGates.lstmForward(p, s, t, b, end);
        }
    }

    private static void lstmUpdate(TrainingState s, int n, int end, int a, int hp, int hn) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector cNew = load(s.act, a + n + j).mul(load(s.cs, hp + j)).add(load(s.act, a + j).mul(load(s.act, a + 2 * n + j)));
            FloatVector tc = tanh(cNew);
            cNew.intoArray(s.cs, hn + j);
            tc.intoArray(s.act, a + 4 * n + j);
            load(s.act, a + 3 * n + j).mul(tc).intoArray(s.hs, hn + j);
        }
    }

    // r, z into act, then n = tanh(gi_n + b_in + r (gh_n + b_hn)) ; h' = n + z (h - n)
    // r, z: a = gi + gh + b into act; n: its pre-activation gi_n + b_in + r*(gh_n + b_hn) into act (and
    // gh_n + b_hn beside it); then the three activations from ONE call site (see org.rnnkernels.cell.GatePass:
    // with a second exp in the update loop C2 boxed vectors), then h' = n + z*(h - n).
    private static void gruForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * 4 * n, hp = r * n, hn = (r + s.batch) * n;
            for (int block = 0; block < 3; block++) {
                if (block < 2) {
                    sumBlock(s.gi, g, s.gh, q, p.bias, block * n, s.act, a, end);
                } else {
                    gruCandidatePre(p, s, n, end, g, q, a);
                }
                activateInPlace(s.act, a + block * n, end, block == 2);
            }
            for (int j = 0; j < end; j += S.length()) {
                FloatVector cand = load(s.act, a + 2 * n + j);
                cand.add(load(s.act, a + n + j).mul(load(s.hs, hp + j).sub(cand))).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.gruForward(p, s, t, b, end);
        }
    }

    // act[a + 2n + j] = gi_n + b_in + r*(gh_n + b_hn) (r activated), act[a + 3n + j] = gh_n + b_hn
    private static void gruCandidatePre(GateParameters p, TrainingState s, int n, int end, int g, int q, int a) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ghn = load(s.gh, q + 2 * n + j).add(load(p.bias, 3 * n + j));
            load(s.gi, g + 2 * n + j).add(load(p.bias, 2 * n + j)).add(load(s.act, a + j).mul(ghn)).intoArray(s.act, a + 2 * n + j);
            ghn.intoArray(s.act, a + 3 * n + j);
        }
    }

    // act[a + k + j] = gi[g + k + j] + gh[q + k + j] + b[k + j] over the block at offset k
    private static void sumBlock(float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] act, int a, int end) {
        for (int j = 0; j < end; j += S.length()) {
            load(gi, g + k + j).add(load(gh, q + k + j)).add(load(bias, k + j)).intoArray(act, a + k + j);
        }
    }

    // v[o + j] = act(v[o + j]), act = sigm, or tanh as 2*sigm(2a) - 1: one exp
    private static void activateInPlace(float[] v, int o, int end, boolean tanh) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector x = load(v, o + j);
            FloatVector y = sigm(tanh ? x.add(x) : x);
            (tanh ? y.add(y).sub(ONE) : y).intoArray(v, o + j);
        }
    }

    private static void ragGruForward(GateParameters p, TrainingState s, int t) {
        boolean gru = p.type == org.rnnkernels.CellType.RAG_GRU;
        int n = p.hidden, end = S.loopBound(n), w = (gru ? 3 : 2) * n;
        int bz = gru ? n : 0, bn = gru ? 2 * n : n, cp = gru ? 3 * n : n;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * w, q = b * w, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            if (gru) {
                ragCandidate(p, s, n, end, g, q, a);       // p_n into act
            } else {
                for (int j = 0; j < end; j += S.length()) {
                    load(s.gi, g + bn + j).add(load(s.gh, q + bn + j)).add(load(p.bias, bn + j)).intoArray(s.act, a + cp + j);
                }
            }
            for (int j = 0; j < end; j += S.length()) {
                FloatVector az = load(s.gi, g + bz + j).add(load(s.gh, q + bz + j)).add(load(p.bias, bz + j));
                FloatVector pn = load(s.act, a + cp + j);
                FloatVector ph = inhibit(load(s.hs, hp + j), az.neg().max(ZERO)).add(inhibit(hardtanh(pn), az.max(ZERO)));
                az.intoArray(s.act, a + bz + j);
                ph.intoArray(s.act, a + cp + n + j);
                hardtanh(ph).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.ragGruForward(p, s, t, b, end);
        }
    }

    // RAG-GRU: a_r, gh_n + b_hn and p_n = gi_n + b_in + S(gh_n + b_hn, relu(-a_r)) into act
    private static void ragCandidate(GateParameters p, TrainingState s, int n, int end, int g, int q, int a) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ar = load(s.gi, g + j).add(load(s.gh, q + j)).add(load(p.bias, j));
            FloatVector ghn = load(s.gh, q + 2 * n + j).add(load(p.bias, 3 * n + j));
            ar.intoArray(s.act, a + j);
            ghn.intoArray(s.act, a + 2 * n + j);
            load(s.gi, g + 2 * n + j).add(load(p.bias, 2 * n + j)).add(inhibit(ghn, ar.neg().max(ZERO))).intoArray(s.act, a + 3 * n + j);
        }
    }

    // a_i, a_f, a_g, a_o into act, then p_c = S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)),
    // c' = hardtanh(p_c), h' = S(c', relu(-a_o))
    private static void ragLstmForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, q = b * 4 * n, a = r * 5 * n, hp = r * n, hn = (r + s.batch) * n;
            for (int k = 0; k < 4 * n; k += n) {
                sum(s.gi, g + k, s.gh, q + k, p.bias, k, s.act, a + k, end);
            }
            for (int j = 0; j < end; j += S.length()) {
                FloatVector ai = load(s.act, a + j);
                FloatVector af = load(s.act, a + n + j);
                FloatVector ao = load(s.act, a + 3 * n + j);
                FloatVector pc = inhibit(load(s.cs, hp + j), af.neg().max(ZERO))
                        .add(inhibit(hardtanh(load(s.act, a + 2 * n + j)), af.max(ZERO).add(ai.neg().max(ZERO))));
                FloatVector cNew = hardtanh(pc);
                pc.intoArray(s.act, a + 4 * n + j);
                cNew.intoArray(s.cs, hn + j);
                inhibit(cNew, ao.neg().max(ZERO)).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.ragLstmForward(p, s, t, b, end);
        }
    }

    private static void sum(float[] gi, int g, float[] gh, int q, float[] bias, int k, float[] act, int a, int end) {
        for (int j = 0; j < end; j += S.length()) {
            load(gi, g + j).add(load(gh, q + j)).add(load(bias, k + j)).intoArray(act, a + j);
        }
    }

    // EGRU: r, z into act, then g and gh_n + b_hn, then c_pre, the firing and the new y, c
    private static void egruForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * 5 * n, hp = r * n, hn = (r + s.batch) * n;
            // r, z, g from one activation call site, as GRU's (see gruForward)
            for (int block = 0; block < 3; block++) {
                if (block < 2) {
                    sumBlock(s.gi, g, s.gh, q, p.bias, block * n, s.act, a, end);
                } else {
                    gruCandidatePre(p, s, n, end, g, q, a);
                }
                activateInPlace(s.act, a + block * n, end, block == 2);
            }
            egruFire(p, s, n, end, a, hp, hn);
            ScalarTrainingGates.egruForward(p, s, t, b, end);
        }
    }

    // c_pre = g + z (c - g) ; fires = !(c_pre <= theta) ; y' = fires ? c_pre : 0 ; c' = c_pre - (fires ? theta : 0)
    private static void egruFire(GateParameters p, TrainingState s, int n, int end, int a, int hp, int hn) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector cand = load(s.act, a + 2 * n + j);
            FloatVector cPre = cand.add(load(s.act, a + n + j).mul(load(s.cs, hp + j).sub(cand)));
            FloatVector theta = load(p.theta, j);
            VectorMask<Float> fires = cPre.compare(VectorOperators.LE, theta).not();
            cPre.intoArray(s.act, a + 4 * n + j);
            ZERO.blend(cPre, fires).intoArray(s.hs, hn + j);
            cPre.sub(ZERO.blend(theta, fires)).intoArray(s.cs, hn + j);
        }
    }

    // ---- backward ----

    private static void rnnBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        boolean relu = p.type == org.rnnkernels.CellType.RNN_RELU;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector h = load(s.hs, hn + j);
                FloatVector dh = load(s.dh, d + j);
                FloatVector dA = relu ? ZERO.blend(dh, h.compare(VectorOperators.GT, ZERO)) : dh.mul(ONE.sub(h.mul(h)));
                dA.intoArray(s.dGi, g + j);
                dA.intoArray(s.dGh, g + j);
            }
            ScalarTrainingGates.rnnBackward(p, s, t, b, end);
        }
    }

    // dc' = dc + dh o (1 - tc^2) ; dA_i = dc' g i(1-i) ; dA_f = dc' c f(1-f) ; dA_g = dc' i (1-g^2) ;
    // dA_o = dh tc o(1-o) ; dc = dc' f
    private static void lstmBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        boolean mi = p.alpha != null;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * s.cacheWidth, hp = r * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector i = load(s.act, a + j), f = load(s.act, a + n + j), gg = load(s.act, a + 2 * n + j);
                FloatVector o = load(s.act, a + 3 * n + j), tc = load(s.act, a + 4 * n + j);
                FloatVector dh = load(s.dh, d + j);
                FloatVector dCN = load(s.dc, d + j).add(dh.mul(o).mul(ONE.sub(tc.mul(tc))));
                FloatVector dAI = dCN.mul(gg).mul(i.sub(i.mul(i)));
                FloatVector dAF = dCN.mul(load(s.cs, hp + j)).mul(f.sub(f.mul(f)));
                FloatVector dAG = dCN.mul(i).mul(ONE.sub(gg.mul(gg)));
                FloatVector dAO = dh.mul(tc).mul(o.sub(o.mul(o)));
                dCN.mul(f).intoArray(s.dc, d + j);
                float[] into = mi ? s.dPre : s.dGi;      // MI: dL/dpre, turned into dGI, dGH below
                dAI.intoArray(into, g + j);
                dAF.intoArray(into, g + n + j);
                dAG.intoArray(into, g + 2 * n + j);
                dAO.intoArray(into, g + 3 * n + j);
            }
            if (mi) {
                for (int k = 0; k < 4 * n; k += n) {
                    miRows(p, s, g, k, a + 5 * n, end);
                }
            } else {
                System.arraycopy(s.dGi, g, s.dGh, g, 4 * n);   // plain LSTM: dGH = dGI (the tail is rewritten below)
            }
            ScalarTrainingGates.lstmBackward(p, s, t, b, end);
        }
    }

    // dA_n = dh (1-z)(1-n^2) ; dA_r = dA_n gh_n r(1-r) ; dA_z = dh (h-n) z(1-z) ; direct dh z
    private static void gruBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * 4 * n, hp = r * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector rr = load(s.act, a + j), z = load(s.act, a + n + j), cand = load(s.act, a + 2 * n + j);
                FloatVector dh = load(s.dh, d + j);
                FloatVector dAN = dh.sub(dh.mul(z)).mul(ONE.sub(cand.mul(cand)));
                FloatVector dAR = dAN.mul(load(s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr)));
                FloatVector dAZ = dh.mul(load(s.hs, hp + j).sub(cand)).mul(z.sub(z.mul(z)));
                dh.mul(z).intoArray(s.dhNext, d + j);
                store2(dAR, s, g + j);
                store2(dAZ, s, g + n + j);
                dAN.intoArray(s.dGi, g + 2 * n + j);
                dAN.mul(rr).intoArray(s.dGh, g + 2 * n + j);
            }
            ScalarTrainingGates.gruBackward(p, s, t, b, end);
        }
    }

    private static void ragGruBackward(GateParameters p, TrainingState s, int t) {
        boolean gru = p.type == org.rnnkernels.CellType.RAG_GRU;
        int n = p.hidden, end = S.loopBound(n), w = (gru ? 3 : 2) * n;
        int bz = gru ? n : 0, bn = gru ? 2 * n : n, cp = gru ? 3 * n : n;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * w, d = b * n, a = r * s.cacheWidth, hp = r * n;
            ragStateBackward(s, n, end, g + bz, g + bn, d, a + bz, a + cp, hp);
            if (gru) {
                ragResetBackward(s, n, end, g, d, a);
            } else {
                System.arraycopy(s.dGi, g + bn, s.dGh, g + bn, end);   // p_n = gi_n + gh_n: dGH_n = dGI_n
            }
            ScalarTrainingGates.ragGruBackward(p, s, t, b, end);
        }
    }

    // State side: h' = hardtanh(p_h), p_h = S(h, relu(-a_z)) + S(hardtanh(p_n), relu(a_z)): direct dh, the z
    // rows, and dP_n (into dGI_n, read by ragResetBackward)
    private static void ragStateBackward(TrainingState s, int n, int end, int gz, int gn, int d, int az0, int pn0, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector az = load(s.act, az0 + j), pn = load(s.act, pn0 + j), ph = load(s.act, pn0 + n + j);
            FloatVector h = load(s.hs, hp + j);
            FloatVector cand = hardtanh(pn);
            FloatVector dPH = ZERO.blend(load(s.dh, d + j), inside(ph));
            FloatVector dHv = ZERO.blend(dPH, passes(h, az.neg().max(ZERO)));
            FloatVector dNv = ZERO.blend(dPH, passes(cand, az.max(ZERO)));
            // dA_z = -dS/dq_h [a_z < 0] + dS/dq_n [a_z > 0], dS/dq = -sign(v) dS/dv
            FloatVector dAZ = ZERO.blend(signFlip(dHv, h).neg(), az.compare(VectorOperators.LT, ZERO))
                    .add(ZERO.blend(signFlip(dNv, cand), az.compare(VectorOperators.GT, ZERO)));
            dHv.intoArray(s.dhNext, d + j);
            dAZ.intoArray(s.dGi, gz + j);
            dAZ.intoArray(s.dGh, gz + j);
            ZERO.blend(dNv, inside(pn)).intoArray(s.dGi, gn + j);
        }
    }

    // RAG-GRU reset side: p_n = gi_n + S(gh_n, relu(-a_r)): dGH_n and the r rows, from dP_n in dGI_n
    private static void ragResetBackward(TrainingState s, int n, int end, int g, int d, int a) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ar = load(s.act, a + j), ghn = load(s.act, a + 2 * n + j);
            FloatVector dGhN = ZERO.blend(load(s.dGi, g + 2 * n + j), passes(ghn, ar.neg().max(ZERO)));
            FloatVector dAR = ZERO.blend(signFlip(dGhN, ghn).neg(), ar.compare(VectorOperators.LT, ZERO));
            dGhN.intoArray(s.dGh, g + 2 * n + j);
            dAR.intoArray(s.dGi, g + j);
            dAR.intoArray(s.dGh, g + j);
        }
    }

    private static void ragLstmBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 4 * n, d = b * n, a = r * 5 * n, hp = r * n, hn = (r + s.batch) * n;
            ragLstmOutputBackward(s, n, end, g, d, a, hn);
            ragLstmCellBackward(s, n, end, g, d, a, hp);
            ScalarTrainingGates.ragLstmBackward(p, s, t, b, end);
        }
    }

    // h' = S(c', relu(-a_o)), c' = hardtanh(p_c): the o rows, and dP_c (into dGI_g, read by ragLstmCellBackward)
    private static void ragLstmOutputBackward(TrainingState s, int n, int end, int g, int d, int a, int hn) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ao = load(s.act, a + 3 * n + j), cNew = load(s.cs, hn + j);
            FloatVector dHc = ZERO.blend(load(s.dh, d + j), passes(cNew, ao.neg().max(ZERO)));
            FloatVector dAO = ZERO.blend(signFlip(dHc, cNew).neg(), ao.compare(VectorOperators.LT, ZERO));
            store2(dAO, s, g + 3 * n + j);
            ZERO.blend(load(s.dc, d + j).add(dHc), inside(load(s.act, a + 4 * n + j))).intoArray(s.dGi, g + 2 * n + j);
        }
    }

    // p_c = S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)): dc and the i, f, g rows
    private static void ragLstmCellBackward(TrainingState s, int n, int end, int g, int d, int a, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector ai = load(s.act, a + j), af = load(s.act, a + n + j), ag = load(s.act, a + 2 * n + j);
            FloatVector c = load(s.cs, hp + j);
            FloatVector dPC = load(s.dGi, g + 2 * n + j);
            FloatVector gg = hardtanh(ag);
            FloatVector dCv = ZERO.blend(dPC, passes(c, af.neg().max(ZERO)));
            FloatVector dGv = ZERO.blend(dPC, passes(gg, af.max(ZERO).add(ai.neg().max(ZERO))));
            FloatVector dQG = signFlip(dGv, gg);
            FloatVector dAF = ZERO.blend(signFlip(dCv, c).neg(), af.compare(VectorOperators.LT, ZERO))
                    .add(ZERO.blend(dQG, af.compare(VectorOperators.GT, ZERO)));
            FloatVector dAI = ZERO.blend(dQG.neg(), ai.compare(VectorOperators.LT, ZERO));
            dCv.intoArray(s.dc, d + j);
            store2(dAI, s, g + j);
            store2(dAF, s, g + n + j);
            store2(ZERO.blend(dGv, inside(ag)), s, g + 2 * n + j);
        }
    }

    // EGRU (equations at ScalarTrainingGates.egruBackward): the firing side, then the gate side
    private static void egruBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * 5 * n, hp = r * n;
            egruFireBackward(p, s, n, end, g, d, a, r * n);
            egruGateBackward(s, n, end, g, d, a, hp);
            ScalarTrainingGates.egruBackward(p, s, t, b, end);
        }
    }

    // v = c_pre - theta, psi = gamma max(0, 1 - s|v|): dV = (dy c_pre - dc theta) psi ; dC_pre = dy o + dc + dV
    // (parked in dGI_n for egruGateBackward) ; dtheta row = -dc o - dV
    // (gamma and s are broadcast here, not passed in: a vector argument of a call C2 does not inline is boxed)
    private static void egruFireBackward(GateParameters p, TrainingState s, int n, int end, int g, int d, int a, int row) {
        FloatVector gamma = FloatVector.broadcast(S, p.gamma), slope = FloatVector.broadcast(S, p.slope);
        for (int j = 0; j < end; j += S.length()) {
            FloatVector cPre = load(s.act, a + 4 * n + j), theta = load(p.theta, j);
            FloatVector dy = load(s.dh, d + j), dc = load(s.dc, d + j);
            VectorMask<Float> fires = cPre.compare(VectorOperators.LE, theta).not();
            FloatVector psi = gamma.mul(ONE.sub(slope.mul(cPre.sub(theta).abs())).max(ZERO));
            FloatVector dV = dy.mul(cPre).sub(dc.mul(theta)).mul(psi);
            ZERO.blend(dy, fires).add(dc).add(dV).intoArray(s.dGi, g + 2 * n + j);
            ZERO.blend(dc, fires).neg().sub(dV).intoArray(s.dThetaRows, row + j);
        }
    }

    // dc = dC_pre z ; dA_n = dC_pre (1-z)(1-g^2) ; dA_r = dA_n gh_n r(1-r) ; dA_z = dC_pre (c - g) z(1-z)
    private static void egruGateBackward(TrainingState s, int n, int end, int g, int d, int a, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector rr = load(s.act, a + j), z = load(s.act, a + n + j), cand = load(s.act, a + 2 * n + j);
            FloatVector dCPre = load(s.dGi, g + 2 * n + j);
            FloatVector dAN = dCPre.sub(dCPre.mul(z)).mul(ONE.sub(cand.mul(cand)));
            FloatVector dAR = dAN.mul(load(s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr)));
            FloatVector dAZ = dCPre.mul(load(s.cs, hp + j).sub(cand)).mul(z.sub(z.mul(z)));
            dCPre.mul(z).intoArray(s.dc, d + j);
            store2(dAR, s, g + j);
            store2(dAZ, s, g + n + j);
            dAN.intoArray(s.dGi, g + 2 * n + j);
            dAN.mul(rr).intoArray(s.dGh, g + 2 * n + j);
        }
    }

    // ---- multiplicative integration: pre = beta2 Wx + beta1 Uh + alpha Wx Uh + b ----

    // ((beta2*Wx + beta1*Uh) + alpha*Wx*Uh) + b, in three methods: each passes vectors, so each stays
    // within 35 bytes of bytecode (VectorBoundaryTest).
    private static FloatVector miPre(GateParameters p, FloatVector wx, FloatVector uh, int k) {
        return miLinear(p, wx, uh, k).add(miProduct(p, wx, uh, k)).add(load(p.bias, k));
    }

    private static FloatVector miLinear(GateParameters p, FloatVector wx, FloatVector uh, int k) {
        return load(p.beta2, k).mul(wx).add(load(p.beta1, k).mul(uh));
    }

    private static FloatVector miProduct(GateParameters p, FloatVector wx, FloatVector uh, int k) {
        return load(p.alpha, k).mul(wx).mul(uh);
    }

    // act[a + k + j] = sigm or tanh of the MI pre-activation of block k (one exp); Uh kept at act[u + k + j]
    private static void miActivate(GateParameters p, TrainingState s, int g, int q, int k, int a, int u, int end, boolean tanh) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector uh = load(s.gh, q + k + j);
            FloatVector v = miPre(p, load(s.gi, g + k + j), uh, k + j);
            FloatVector y = sigm(tanh ? v.add(v) : v);
            uh.intoArray(s.act, u + k + j);
            (tanh ? y.add(y).sub(ONE) : y).intoArray(s.act, a + k + j);
        }
    }

    // The MI pre-activation of block k into act[a + k], Uh into act[u + k] (activated later, from one call site)
    private static void miSum(GateParameters p, TrainingState s, int g, int q, int k, int a, int u, int end) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector uh = load(s.gh, q + k + j);
            uh.intoArray(s.act, u + k + j);
            miPre(p, load(s.gi, g + k + j), uh, k + j).intoArray(s.act, a + k + j);
        }
    }

    // Block k's dGI = dPre (alpha U + beta2), dGH = dPre (alpha Wx + beta1), U (the integrated Uh) at act[u + k]
    private static void miRows(GateParameters p, TrainingState s, int g, int k, int u, int end) {
        for (int j = 0; j < end; j += S.length()) {
            FloatVector d = load(s.dPre, g + k + j);
            FloatVector alpha = load(p.alpha, k + j);
            d.mul(alpha.mul(load(s.act, u + k + j)).add(load(p.beta2, k + j))).intoArray(s.dGi, g + k + j);
            d.mul(alpha.mul(load(s.gi, g + k + j)).add(load(p.beta1, k + j))).intoArray(s.dGh, g + k + j);
        }
    }

    private static void miRnnForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * n, q = b * n, hn = (r + s.batch) * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector uh = load(s.gh, q + j);
                uh.intoArray(s.act, g + j);
                tanh(miPre(p, load(s.gi, g + j), uh, j)).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.miRnnForward(p, s, t, b, end);
        }
    }

    // dPre = dh (1 - h'^2), then the row gradients
    private static void miRnnBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
            for (int j = 0; j < end; j += S.length()) {
                FloatVector h = load(s.hs, hn + j);
                load(s.dh, d + j).mul(ONE.sub(h.mul(h))).intoArray(s.dPre, g + j);
            }
            miRows(p, s, g, 0, g, end);
            ScalarTrainingGates.miRnnBackward(p, s, t, b, end);
        }
    }

    // r, z activated (Uh_r, Uh_z kept), then u = r (gh_n + b_hn) ; n = tanh(beta2 Wx_n + b_in + (beta1 u + alpha Wx_n u)) ;
    // h' = n + z (h - n)
    private static void miGruForward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * 7 * n, hp = r * n, hn = (r + s.batch) * n;
            // r, z, n from one activation call site (see gruForward)
            for (int block = 0; block < 3; block++) {
                if (block < 2) {
                    miSum(p, s, g, q, block * n, a, a + 4 * n, end);
                } else {
                    miGruUpdate(p, s, n, end, g, q, a, hp, hn);
                }
                activateInPlace(s.act, a + block * n, end, block == 2);
            }
            for (int j = 0; j < end; j += S.length()) {
                FloatVector cand = load(s.act, a + 2 * n + j);
                cand.add(load(s.act, a + n + j).mul(load(s.hs, hp + j).sub(cand))).intoArray(s.hs, hn + j);
            }
            ScalarTrainingGates.miGruForward(p, s, t, b, end);
        }
    }

    private static void miGruUpdate(GateParameters p, TrainingState s, int n, int end, int g, int q, int a, int hp, int hn) {
        // u = r (gh_n + b_hn) ; pre_n = beta2 Wx_n + b_in + (beta1 u + alpha Wx_n u), parked where n goes
        for (int j = 0; j < end; j += S.length()) {
            int k = 2 * n + j;
            FloatVector ghn = load(s.gh, q + k).add(load(p.bias, 3 * n + j));
            FloatVector u = load(s.act, a + j).mul(ghn);
            FloatVector wx = load(s.gi, g + k);
            FloatVector inner = load(p.beta2, k).mul(wx).add(load(p.bias, k));
            inner.add(load(p.beta1, k).mul(u).add(load(p.alpha, k).mul(wx).mul(u))).intoArray(s.act, a + 2 * n + j);
            ghn.intoArray(s.act, a + 3 * n + j);
            u.intoArray(s.act, a + 6 * n + j);
        }
    }

    // dP_n = dh (1-z)(1-n^2) ; dU = dP_n (alpha Wx_n + beta1) ; dGI_n = dP_n (alpha u + beta2) ; dGH_n = dU r ;
    // dPre_r = dU gh_n r(1-r) ; dPre_z = dh (h - n) z(1-z) ; then the r and z rows from dPre
    private static void miGruBackward(GateParameters p, TrainingState s, int t) {
        int n = p.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * 7 * n, hp = r * n;
            miGruCandidateBackward(p, s, n, end, g, d, a, hp);
            miRows(p, s, g, 0, a + 4 * n, end);
            miRows(p, s, g, n, a + 4 * n, end);
            ScalarTrainingGates.miGruBackward(p, s, t, b, end);
        }
    }

    private static void miGruCandidateBackward(GateParameters p, TrainingState s, int n, int end, int g, int d, int a, int hp) {
        for (int j = 0; j < end; j += S.length()) {
            int k = 2 * n + j;
            FloatVector rr = load(s.act, a + j), z = load(s.act, a + n + j), cand = load(s.act, a + 2 * n + j);
            FloatVector dh = load(s.dh, d + j);
            FloatVector alpha = load(p.alpha, k);
            FloatVector dPN = dh.sub(dh.mul(z)).mul(ONE.sub(cand.mul(cand)));
            FloatVector dU = dPN.mul(alpha.mul(load(s.gi, g + k)).add(load(p.beta1, k)));
            dPN.intoArray(s.dPre, g + k);
            dPN.mul(alpha.mul(load(s.act, a + 6 * n + j)).add(load(p.beta2, k))).intoArray(s.dGi, g + k);
            dU.mul(rr).intoArray(s.dGh, g + k);
            dh.mul(z).intoArray(s.dhNext, d + j);
            dU.mul(load(s.act, a + 3 * n + j)).mul(rr.sub(rr.mul(rr))).intoArray(s.dPre, g + j);
            dh.mul(load(s.hs, hp + j).sub(cand)).mul(z.sub(z.mul(z))).intoArray(s.dPre, g + n + j);
        }
    }

    // ---- helpers ----

    // Plain rows: dGI = dGH
    private static void store2(FloatVector v, TrainingState s, int i) {
        v.intoArray(s.dGi, i);
        v.intoArray(s.dGh, i);
    }

    // [|v| > q], where S(v, q) passes v
    private static VectorMask<Float> passes(FloatVector v, FloatVector q) {
        return v.abs().compare(VectorOperators.GT, q);
    }

    // [-1 < v < 1], where hardtanh has slope 1
    private static VectorMask<Float> inside(FloatVector v) {
        return v.abs().compare(VectorOperators.LT, ONE);
    }

    // -sign(v) dv: dS/dq from the dS/dv-weighted gradient
    private static FloatVector signFlip(FloatVector dv, FloatVector v) {
        return dv.blend(dv.neg(), v.compare(VectorOperators.GT, ZERO));
    }

    private static FloatVector hardtanh(FloatVector v) {
        return v.max(MINUS_ONE).min(ONE);
    }

    // S(v, q) = v - clamp(v, -q, q), as the inference pass
    private static FloatVector inhibit(FloatVector v, FloatVector q) {
        return v.sub(v.min(q).max(q.neg()));
    }

    private static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }
}
