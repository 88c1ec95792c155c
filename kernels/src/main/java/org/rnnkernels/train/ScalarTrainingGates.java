package org.rnnkernels.train;

import org.rnnkernels.cell.RagMinimalLeaky;

/**
 * Scalar training gate passes: the equations of CELLS.md and their derivatives (the layouts are in
 * {@link TrainingGates}), written per unit. Every method does one sample {@code b} of step {@code t},
 * units {@code from .. H-1}, so that {@link VectorTrainingGates} can run its scalar tail here.
 *
 * <p>Offsets: row {@code r = t*B + b}; {@code gi, dGI, dGH, dPre} rows of {@code G*H} at {@code r*G*H},
 * {@code act} rows of {@code K*H} at {@code r*K*H}, {@code h_t} at {@code hs[r*H]} and {@code h_{t+1}}
 * at {@code hs[(r+B)*H]} (likewise {@code cs}), per-step {@code gh, dh, dhNext, dc} at {@code b*G*H},
 * {@code b*H}.
 */
final class ScalarTrainingGates implements TrainingGates {

    @Override
    public void forward(GateParameters p, TrainingState s, int t) {
        for (int b = 0; b < s.batch; b++) {
            forwardRow(p, s, t, b, 0);
        }
    }

    @Override
    public void backward(GateParameters p, TrainingState s, int t) {
        for (int b = 0; b < s.batch; b++) {
            backwardRow(p, s, t, b, 0);
        }
    }

    @Override
    public void supportProduct(float[] wHhT, TrainingState s, int t) {
        int n = s.hidden, w = s.width, base = t * s.batch * w;
        java.util.Arrays.fill(s.dh, 0, s.batch * n, 0f);
        for (int i = 0; i < s.supportUnitCount; i++) {
            int j = s.supportUnits[i];
            for (int b = 0; b < s.batch; b++) {
                if (s.needed[b * n + j]) {
                    s.dh[b * n + j] = dot(wHhT, j * w, s.dGh, base + b * w, 0, w, 0f);
                }
            }
        }
    }

    @Override
    public void sparseWeightGradient(TrainingState s) {
        int n = s.hidden, w = s.width;
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(s.dWHhT, j * w, (j + 1) * w, 0f);
            for (int p = s.yStart[j]; p < s.yStart[j + 1]; p++) {
                int r = s.yRows[p];
                axpy(s.hs[r * n + j], s.dGh, r * w, s.dWHhT, j * w, 0, w);
            }
        }
    }

    /** {@code y[yi + k] += a * x[xi + k]} over {@code k = from .. n-1}. */
    static void axpy(float a, float[] x, int xi, float[] y, int yi, int from, int n) {
        for (int k = from; k < n; k++) {
            y[yi + k] += a * x[xi + k];
        }
    }

    /** {@code sum + a[ai + k] * x[xi + k]} over {@code k = from .. n-1}. */
    static float dot(float[] a, int ai, float[] x, int xi, int from, int n, float sum) {
        for (int k = from; k < n; k++) {
            sum += a[ai + k] * x[xi + k];
        }
        return sum;
    }

    static void forwardRow(GateParameters p, TrainingState s, int t, int b, int from) {
        switch (p.type) {
            case RNN_TANH, RNN_RELU -> rnnForward(p, s, t, b, from);
            case MI_RNN -> miRnnForward(p, s, t, b, from);
            case LSTM, MI_LSTM -> lstmForward(p, s, t, b, from);
            case GRU -> gruForward(p, s, t, b, from);
            case MI_GRU -> miGruForward(p, s, t, b, from);
            case RAG_GRU, RAG_MINIMAL -> ragGruForward(p, s, t, b, from);
            case RAG_LSTM -> ragLstmForward(p, s, t, b, from);
            case RAG_MINIMAL_LEAKY -> leakyRagMinimalForward(p, s, t, b, from);
            case EGRU -> egruForward(p, s, t, b, from);
        }
    }

    static void backwardRow(GateParameters p, TrainingState s, int t, int b, int from) {
        switch (p.type) {
            case RNN_TANH, RNN_RELU -> rnnBackward(p, s, t, b, from);
            case MI_RNN -> miRnnBackward(p, s, t, b, from);
            case LSTM, MI_LSTM -> lstmBackward(p, s, t, b, from);
            case GRU -> gruBackward(p, s, t, b, from);
            case MI_GRU -> miGruBackward(p, s, t, b, from);
            case RAG_GRU, RAG_MINIMAL -> ragGruBackward(p, s, t, b, from);
            case RAG_LSTM -> ragLstmBackward(p, s, t, b, from);
            case RAG_MINIMAL_LEAKY -> leakyRagMinimalBackward(p, s, t, b, from);
            case EGRU -> egruBackward(p, s, t, b, from);
        }
    }

    // ---- forward ----

    // h' = tanh(a) or relu(a), a = gi + gh + b
    static void rnnForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, r = t * s.batch + b, g = r * n, q = b * n, hn = (r + s.batch) * n;
        boolean relu = p.type == org.rnnkernels.CellType.RNN_RELU;
        for (int j = from; j < n; j++) {
            float a = s.gi[g + j] + s.gh[q + j] + p.bias[j];
            s.hs[hn + j] = relu ? Math.max(a, 0f) : tanh(a);
        }
    }

    // h' = tanh(alpha*Wx*Uh + beta1*Uh + beta2*Wx + b); keeps Uh
    static void miRnnForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, r = t * s.batch + b, g = r * n, q = b * n, hn = (r + s.batch) * n, a = r * n;
        for (int j = from; j < n; j++) {
            float uh = s.gh[q + j];
            s.act[a + j] = uh;
            s.hs[hn + j] = tanh(miPre(p, s.gi[g + j], uh, j));
        }
    }

    // i, f, g, o = sigm, sigm, tanh, sigm of the (MI) pre-activations; c' = f*c + i*g ; h' = o*tanh(c')
    static void lstmForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 4 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * s.cacheWidth;
        int hp = r * n, hn = (r + s.batch) * n;
        boolean mi = p.alpha != null;
        for (int j = from; j < n; j++) {
            float ai = pre(p, s, g, q, j, mi, a + 5 * n);
            float af = pre(p, s, g, q, n + j, mi, a + 5 * n);
            float ag = pre(p, s, g, q, 2 * n + j, mi, a + 5 * n);
            float ao = pre(p, s, g, q, 3 * n + j, mi, a + 5 * n);
            float i = sigm(ai), f = sigm(af), gg = tanh(ag), o = sigm(ao);
            float cNew = f * s.cs[hp + j] + i * gg;
            float tc = tanh(cNew);
            s.cs[hn + j] = cNew;
            s.hs[hn + j] = o * tc;
            s.act[a + j] = i;
            s.act[a + n + j] = f;
            s.act[a + 2 * n + j] = gg;
            s.act[a + 3 * n + j] = o;
            s.act[a + 4 * n + j] = tc;
        }
    }

    // Pre-activation of row k: gi + gh + b, or MI's (keeping Uh at act[u + k])
    private static float pre(GateParameters p, TrainingState s, int g, int q, int k, boolean mi, int u) {
        float uh = s.gh[q + k];
        if (!mi) {
            return s.gi[g + k] + uh + p.bias[k];
        }
        s.act[u + k] = uh;
        return miPre(p, s.gi[g + k], uh, k);
    }

    // r, z = sigm(gi + gh + b) ; n = tanh(gi_n + b_in + r*(gh_n + b_hn)) ; h' = n + z*(h - n)
    static void gruForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * 4 * n;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float rr = sigm(s.gi[g + j] + s.gh[q + j] + p.bias[j]);
            float z = sigm(s.gi[g + n + j] + s.gh[q + n + j] + p.bias[n + j]);
            float ghn = s.gh[q + 2 * n + j] + p.bias[3 * n + j];
            float cand = tanh(s.gi[g + 2 * n + j] + p.bias[2 * n + j] + rr * ghn);
            s.hs[hn + j] = cand + z * (s.hs[hp + j] - cand);
            s.act[a + j] = rr;
            s.act[a + n + j] = z;
            s.act[a + 2 * n + j] = cand;
            s.act[a + 3 * n + j] = ghn;
        }
    }

    // r, z = sigm(MI) ; u = r*(gh_n + b_hn) ; n = tanh(beta2*Wx_n + b_in + beta1*u + alpha*Wx_n*u) ; h' = n + z*(h - n)
    static void miGruForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * 7 * n;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float uhR = s.gh[q + j], uhZ = s.gh[q + n + j];
            float rr = sigm(miPre(p, s.gi[g + j], uhR, j));
            float z = sigm(miPre(p, s.gi[g + n + j], uhZ, n + j));
            float ghn = s.gh[q + 2 * n + j] + p.bias[3 * n + j];
            float u = rr * ghn;
            int k = 2 * n + j;
            float wx = s.gi[g + k];
            float cand = tanh(p.beta2[k] * wx + p.bias[k] + (p.beta1[k] * u + p.alpha[k] * wx * u));
            s.hs[hn + j] = cand + z * (s.hs[hp + j] - cand);
            s.act[a + j] = rr;
            s.act[a + n + j] = z;
            s.act[a + 2 * n + j] = cand;
            s.act[a + 3 * n + j] = ghn;
            s.act[a + 4 * n + j] = uhR;
            s.act[a + 5 * n + j] = uhZ;
            s.act[a + 6 * n + j] = u;
        }
    }

    // RAG-GRU: p_n = gi_n + b_in + S(gh_n + b_hn, relu(-a_r)) ; RAG-minimal: p_n = a_n ;
    // p_h = S(h, relu(-a_z)) + S(hardtanh(p_n), relu(a_z)) ; h' = hardtanh(p_h)
    static void ragGruForward(GateParameters p, TrainingState s, int t, int b, int from) {
        boolean gru = p.type == org.rnnkernels.CellType.RAG_GRU;
        int n = p.hidden, w = (gru ? 3 : 2) * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * s.cacheWidth;
        int hp = r * n, hn = (r + s.batch) * n;
        int bz = gru ? n : 0, bn = gru ? 2 * n : n;          // block offsets of z and n
        int cz = gru ? n : 0, cp = gru ? 3 * n : n;           // cache offsets of a_z and p_n (p_h follows)
        for (int j = from; j < n; j++) {
            float az = s.gi[g + bz + j] + s.gh[q + bz + j] + p.bias[bz + j];
            float pn;
            if (gru) {
                float ar = s.gi[g + j] + s.gh[q + j] + p.bias[j];
                float ghn = s.gh[q + bn + j] + p.bias[3 * n + j];
                pn = s.gi[g + bn + j] + p.bias[bn + j] + inhibit(ghn, Math.max(-ar, 0f));
                s.act[a + j] = ar;
                s.act[a + 2 * n + j] = ghn;
            } else {
                pn = s.gi[g + bn + j] + s.gh[q + bn + j] + p.bias[bn + j];
            }
            float ph = inhibit(s.hs[hp + j], Math.max(-az, 0f)) + inhibit(hardtanh(pn), Math.max(az, 0f));
            s.hs[hn + j] = hardtanh(ph);
            s.act[a + cz + j] = az;
            s.act[a + cp + j] = pn;
            s.act[a + cp + n + j] = ph;
        }
    }

    // Leaky RAG-minimal (RagMinimalLeaky, the inference pass's functions): p_n = a_n, n = hardtanh_l(p_n),
    // p_h = S_l(h, relu(-a_z)) + S_l(n, relu(a_z)), h' = hardtanh_l(p_h); cache a_z, p_n, p_h
    static void leakyRagMinimalForward(GateParameters p, TrainingState s, int t, int b, int from) {
        float l = RagMinimalLeaky.LEAK;
        int n = p.hidden, w = 2 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * s.cacheWidth;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float az = s.gi[g + j] + s.gh[q + j] + p.bias[j];
            float pn = s.gi[g + n + j] + s.gh[q + n + j] + p.bias[n + j];
            float ph = RagMinimalLeaky.leakyInhibit(s.hs[hp + j], Math.max(-az, 0f), l)
                    + RagMinimalLeaky.leakyInhibit(RagMinimalLeaky.leakyHardtanh(pn, l), Math.max(az, 0f), l);
            s.hs[hn + j] = RagMinimalLeaky.leakyHardtanh(ph, l);
            s.act[a + j] = az;
            s.act[a + n + j] = pn;
            s.act[a + 2 * n + j] = ph;
        }
    }

    // p_c = S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)) ; c' = hardtanh(p_c) ; h' = S(c', relu(-a_o))
    static void ragLstmForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 4 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * 5 * n;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float ai = s.gi[g + j] + s.gh[q + j] + p.bias[j];
            float af = s.gi[g + n + j] + s.gh[q + n + j] + p.bias[n + j];
            float ag = s.gi[g + 2 * n + j] + s.gh[q + 2 * n + j] + p.bias[2 * n + j];
            float ao = s.gi[g + 3 * n + j] + s.gh[q + 3 * n + j] + p.bias[3 * n + j];
            float pc = inhibit(s.cs[hp + j], Math.max(-af, 0f)) + inhibit(hardtanh(ag), Math.max(af, 0f) + Math.max(-ai, 0f));
            float cNew = hardtanh(pc);
            s.cs[hn + j] = cNew;
            s.hs[hn + j] = inhibit(cNew, Math.max(-ao, 0f));
            s.act[a + j] = ai;
            s.act[a + n + j] = af;
            s.act[a + 2 * n + j] = ag;
            s.act[a + 3 * n + j] = ao;
            s.act[a + 4 * n + j] = pc;
        }
    }

    // EGRU: r, z = sigm(gi + gh + b) ; g = tanh(gi_n + b_in + r (gh_n + b_hn)) ; c_pre = g + z (c - g) ;
    // o = Hv(c_pre - theta) ; y' = o c_pre ; c' = c_pre - o theta (as the inference pass: fires = !(c_pre <= theta),
    // so that a NaN reaches y)
    static void egruForward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, q = b * w, a = r * 5 * n;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float rr = sigm(s.gi[g + j] + s.gh[q + j] + p.bias[j]);
            float z = sigm(s.gi[g + n + j] + s.gh[q + n + j] + p.bias[n + j]);
            float ghn = s.gh[q + 2 * n + j] + p.bias[3 * n + j];
            float cand = tanh(s.gi[g + 2 * n + j] + p.bias[2 * n + j] + rr * ghn);
            float cPre = cand + z * (s.cs[hp + j] - cand);
            boolean fires = !(cPre <= p.theta[j]);
            s.hs[hn + j] = fires ? cPre : 0f;
            s.cs[hn + j] = fires ? cPre - p.theta[j] : cPre;
            s.act[a + j] = rr;
            s.act[a + n + j] = z;
            s.act[a + 2 * n + j] = cand;
            s.act[a + 3 * n + j] = ghn;
            s.act[a + 4 * n + j] = cPre;
        }
    }

    // ---- backward: dh = dL/dh_{t+1} at s.dh[b*H], dc = dL/dc_{t+1} at s.dc[b*H] ----

    // dA = dh * tanh'(a) = dh * (1 - h'^2), or dh * [a > 0] = dh * [h' > 0]; dGI = dGH = dA
    static void rnnBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
        boolean relu = p.type == org.rnnkernels.CellType.RNN_RELU;
        for (int j = from; j < n; j++) {
            float h = s.hs[hn + j];
            float dA = relu ? (h > 0f ? s.dh[d + j] : 0f) : s.dh[d + j] * (1f - h * h);
            s.dGi[g + j] = dA;
            s.dGh[g + j] = dA;
        }
    }

    // dPre = dh * (1 - h'^2) ; dWx = dPre*(alpha*Uh + beta2) ; dUh = dPre*(alpha*Wx + beta1)
    static void miRnnBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, r = t * s.batch + b, g = r * n, d = b * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float h = s.hs[hn + j];
            miRow(p, s, g, j, s.act[r * n + j], s.dh[d + j] * (1f - h * h));
        }
    }

    // MI row k: from dL/dpre to dPre, dGI = dL/dWx, dGH = dL/dUh.
    private static void miRow(GateParameters p, TrainingState s, int g, int k, float uh, float dPre) {
        s.dPre[g + k] = dPre;
        s.dGi[g + k] = dPre * (p.alpha[k] * uh + p.beta2[k]);
        s.dGh[g + k] = dPre * (p.alpha[k] * s.gi[g + k] + p.beta1[k]);
    }

    // dO = dh tanh(c') ; dc' = dc + dh o (1 - tanh(c')^2) ; dI = dc' g ; dF = dc' c ; dG = dc' i ; dc = dc' f
    static void lstmBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 4 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * s.cacheWidth, hp = r * n;
        boolean mi = p.alpha != null;
        for (int j = from; j < n; j++) {
            float i = s.act[a + j], f = s.act[a + n + j], gg = s.act[a + 2 * n + j], o = s.act[a + 3 * n + j];
            float tc = s.act[a + 4 * n + j];
            float dh = s.dh[d + j];
            float dCN = s.dc[d + j] + dh * o * (1f - tc * tc);
            float dAI = dCN * gg * i * (1f - i);
            float dAF = dCN * s.cs[hp + j] * f * (1f - f);
            float dAG = dCN * i * (1f - gg * gg);
            float dAO = dh * tc * o * (1f - o);
            s.dc[d + j] = dCN * f;
            if (mi) {
                int u = a + 5 * n;
                miRow(p, s, g, j, s.act[u + j], dAI);
                miRow(p, s, g, n + j, s.act[u + n + j], dAF);
                miRow(p, s, g, 2 * n + j, s.act[u + 2 * n + j], dAG);
                miRow(p, s, g, 3 * n + j, s.act[u + 3 * n + j], dAO);
            } else {
                s.dGi[g + j] = s.dGh[g + j] = dAI;
                s.dGi[g + n + j] = s.dGh[g + n + j] = dAF;
                s.dGi[g + 2 * n + j] = s.dGh[g + 2 * n + j] = dAG;
                s.dGi[g + 3 * n + j] = s.dGh[g + 3 * n + j] = dAO;
            }
        }
    }

    // h' = (1-z) n + z h: dN = dh (1-z), dZ = dh (h - n), dh_direct = dh z ; dA_n = dN (1 - n^2) ;
    // dA_r = dA_n gh_n r (1-r) ; dA_z = dZ z (1-z) ; dGI = [dA_r, dA_z, dA_n], dGH = [dA_r, dA_z, dA_n r]
    static void gruBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * 4 * n, hp = r * n;
        for (int j = from; j < n; j++) {
            float rr = s.act[a + j], z = s.act[a + n + j], cand = s.act[a + 2 * n + j], ghn = s.act[a + 3 * n + j];
            float dh = s.dh[d + j];
            float dAN = dh * (1f - z) * (1f - cand * cand);
            float dAR = dAN * ghn * rr * (1f - rr);
            float dAZ = dh * (s.hs[hp + j] - cand) * z * (1f - z);
            s.dhNext[d + j] = dh * z;
            s.dGi[g + j] = s.dGh[g + j] = dAR;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dAZ;
            s.dGi[g + 2 * n + j] = dAN;
            s.dGh[g + 2 * n + j] = dAN * rr;
        }
    }

    // As GRU with n's pre-activation p_n = beta2 Wx + b_in + beta1 u + alpha Wx u, u = r gh_n:
    // dWx_n = dP_n (alpha u + beta2), dU = dP_n (alpha Wx + beta1), dUh_n = dU r, dR = dU gh_n
    static void miGruBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * 7 * n, hp = r * n;
        for (int j = from; j < n; j++) {
            float rr = s.act[a + j], z = s.act[a + n + j], cand = s.act[a + 2 * n + j], ghn = s.act[a + 3 * n + j];
            float u = s.act[a + 6 * n + j];
            float dh = s.dh[d + j];
            int k = 2 * n + j;
            float dPN = dh * (1f - z) * (1f - cand * cand);
            float dU = dPN * (p.alpha[k] * s.gi[g + k] + p.beta1[k]);
            s.dPre[g + k] = dPN;
            s.dGi[g + k] = dPN * (p.alpha[k] * u + p.beta2[k]);
            s.dGh[g + k] = dU * rr;
            s.dhNext[d + j] = dh * z;
            miRow(p, s, g, j, s.act[a + 4 * n + j], dU * ghn * rr * (1f - rr));
            miRow(p, s, g, n + j, s.act[a + 5 * n + j], dh * (s.hs[hp + j] - cand) * z * (1f - z));
        }
    }

    // h' = hardtanh(p_h), p_h = S(h, q_h) + S(n, q_n), q_h = relu(-a_z), q_n = relu(a_z), n = hardtanh(p_n);
    // RAG-GRU: p_n = gi_n + S(gh_n, q_r), q_r = relu(-a_r). Subgradient 0 at every kink.
    static void ragGruBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        boolean gru = p.type == org.rnnkernels.CellType.RAG_GRU;
        int n = p.hidden, w = (gru ? 3 : 2) * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * s.cacheWidth, hp = r * n;
        int bz = gru ? n : 0, bn = gru ? 2 * n : n;
        int cz = gru ? n : 0, cp = gru ? 3 * n : n;
        for (int j = from; j < n; j++) {
            float az = s.act[a + cz + j], pn = s.act[a + cp + j], ph = s.act[a + cp + n + j];
            float h = s.hs[hp + j];
            float cand = hardtanh(pn);
            float dPH = inside(ph) ? s.dh[d + j] : 0f;                 // d hardtanh(p_h)
            float qh = Math.max(-az, 0f), qn = Math.max(az, 0f);
            float dHv = passes(h, qh) ? dPH : 0f;                       // dS(h, q_h)/dh
            float dNv = passes(cand, qn) ? dPH : 0f;                    // dS(n, q_n)/dn
            // dA_z = -dS/dq_h [-a_z > 0] + dS/dq_n [a_z > 0], dS/dq = -sign(v) dS/dv
            float dAZ = (-az > 0f ? signFlip(dHv, h) * -1f : 0f) + (az > 0f ? signFlip(dNv, cand) : 0f);
            float dPN = inside(pn) ? dNv : 0f;
            s.dhNext[d + j] = dHv;
            s.dGi[g + bz + j] = s.dGh[g + bz + j] = dAZ;
            s.dGi[g + bn + j] = dPN;
            if (gru) {
                float ar = s.act[a + j], ghn = s.act[a + 2 * n + j];
                float qr = Math.max(-ar, 0f);
                float dGhN = passes(ghn, qr) ? dPN : 0f;                // dS(gh_n, q_r)/dgh_n
                float dAR = -ar > 0f ? -signFlip(dGhN, ghn) : 0f;       // dq_r/da_r = -[-a_r > 0]
                s.dGi[g + j] = s.dGh[g + j] = dAR;
                s.dGh[g + bn + j] = dGhN;
            } else {
                s.dGh[g + bn + j] = dPN;
            }
        }
    }

    // Leaky RAG-minimal: d hardtanh_l(v) = (1-l)[-1 < v < 1] + l ; dS_l/dv = (1-l)[|v| > q] + l[|v| > q/2] ;
    // dS_l/dq = -sign(v) ((1-l)[|v| > q] + (l/2)[|v| > q/2]) ; dA_z = -dS_l/dq_h [-a_z > 0] + dS_l/dq_n [a_z > 0]
    static void leakyRagMinimalBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        float l = RagMinimalLeaky.LEAK;
        int n = p.hidden, w = 2 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * s.cacheWidth, hp = r * n;
        for (int j = from; j < n; j++) {
            float az = s.act[a + j], pn = s.act[a + n + j], ph = s.act[a + 2 * n + j];
            float h = s.hs[hp + j];
            float cand = RagMinimalLeaky.leakyHardtanh(pn, l);
            float dPH = s.dh[d + j] * leakySlope(inside(ph), l);
            float qh = Math.max(-az, 0f), qn = Math.max(az, 0f);
            float dHv = dPH * leakyInhibitDv(h, qh, l);
            float dNv = dPH * leakyInhibitDv(cand, qn, l);
            float dQH = dPH * leakyInhibitDq(h, qh, l);
            float dQN = dPH * leakyInhibitDq(cand, qn, l);
            float dAZ = (-az > 0f ? -dQH : 0f) + (az > 0f ? dQN : 0f);
            float dPN = dNv * leakySlope(inside(pn), l);
            s.dhNext[d + j] = dHv;
            s.dGi[g + j] = s.dGh[g + j] = dAZ;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dPN;
        }
    }

    // (1-l) [flat part passes] + l
    private static float leakySlope(boolean passes, float l) {
        return (passes ? 1f - l : 0f) + l;
    }

    private static float leakyInhibitDv(float v, float q, float l) {
        return (passes(v, q) ? 1f - l : 0f) + (passes(v, q * 0.5f) ? l : 0f);
    }

    private static float leakyInhibitDq(float v, float q, float l) {
        float magnitude = (passes(v, q) ? 1f - l : 0f) + (passes(v, q * 0.5f) ? l * 0.5f : 0f);
        return v > 0f ? -magnitude : magnitude;
    }

    // c' = hardtanh(p_c), p_c = S(c, q_c) + S(g, q_g), q_c = relu(-a_f), g = hardtanh(a_g), q_g = relu(a_f) + relu(-a_i);
    // h' = S(c', q_o), q_o = relu(-a_o)
    static void ragLstmBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 4 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * 5 * n;
        int hp = r * n, hn = (r + s.batch) * n;
        for (int j = from; j < n; j++) {
            float ai = s.act[a + j], af = s.act[a + n + j], ag = s.act[a + 2 * n + j], ao = s.act[a + 3 * n + j];
            float pc = s.act[a + 4 * n + j];
            float cNew = s.cs[hn + j], c = s.cs[hp + j];
            float dHc = passes(cNew, Math.max(-ao, 0f)) ? s.dh[d + j] : 0f;   // dS(c', q_o)/dc'
            float dAO = -ao > 0f ? -signFlip(dHc, cNew) : 0f;                 // -dS/dq_o [-a_o > 0]
            float dPC = inside(pc) ? s.dc[d + j] + dHc : 0f;
            float gg = hardtanh(ag);
            float dCv = passes(c, Math.max(-af, 0f)) ? dPC : 0f;             // dS(c, q_c)/dc
            float dGv = passes(gg, Math.max(af, 0f) + Math.max(-ai, 0f)) ? dPC : 0f;
            float dQC = signFlip(dCv, c), dQG = signFlip(dGv, gg);
            float dAF = (-af > 0f ? -dQC : 0f) + (af > 0f ? dQG : 0f);
            float dAI = -ai > 0f ? -dQG : 0f;
            float dAG = inside(ag) ? dGv : 0f;
            s.dc[d + j] = dCv;
            s.dGi[g + j] = s.dGh[g + j] = dAI;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dAF;
            s.dGi[g + 2 * n + j] = s.dGh[g + 2 * n + j] = dAG;
            s.dGi[g + 3 * n + j] = s.dGh[g + 3 * n + j] = dAO;
        }
    }

    // EGRU, dy = dL/dy', dc = dL/dc', v = c_pre - theta, psi = gamma max(0, 1 - s|v|) (the pseudo-derivative of o):
    // dV = (dy c_pre - dc theta) psi ; dC_pre = dy o + dc + dV ; dtheta = -dc o - dV ; dc = dC_pre z ;
    // dA_n = dC_pre (1-z)(1-g^2) ; dA_r = dA_n gh_n r(1-r) ; dA_z = dC_pre (c - g) z(1-z)
    static void egruBackward(GateParameters p, TrainingState s, int t, int b, int from) {
        int n = p.hidden, w = 3 * n, r = t * s.batch + b, g = r * w, d = b * n, a = r * 5 * n, hp = r * n;
        for (int j = from; j < n; j++) {
            float cPre = s.act[a + 4 * n + j], theta = p.theta[j];
            float dy = s.dh[d + j], dc = s.dc[d + j];
            boolean fires = !(cPre <= theta);
            float psi = p.gamma * Math.max(0f, 1f - p.slope * Math.abs(cPre - theta));
            float dV = (dy * cPre - dc * theta) * psi;
            float dCPre = (fires ? dy : 0f) + dc + dV;
            s.dThetaRows[r * n + j] = -(fires ? dc : 0f) - dV;
            float rr = s.act[a + j], z = s.act[a + n + j], cand = s.act[a + 2 * n + j], ghn = s.act[a + 3 * n + j];
            float dAN = (dCPre - dCPre * z) * (1f - cand * cand);
            float dAR = dAN * ghn * (rr - rr * rr);
            float dAZ = dCPre * (s.cs[hp + j] - cand) * (z - z * z);
            s.dc[d + j] = dCPre * z;
            s.dGi[g + j] = s.dGh[g + j] = dAR;
            s.dGi[g + n + j] = s.dGh[g + n + j] = dAZ;
            s.dGi[g + 2 * n + j] = dAN;
            s.dGh[g + 2 * n + j] = dAN * rr;
        }
    }

    // Whether the backward needs dL/dy of a unit with this c_pre: it fired (y = c_pre), or its pseudo-derivative
    // is nonzero (the same float expression as egruBackward's psi, so the two cannot disagree).
    static boolean needed(float cPre, float theta, float gamma, float slope) {
        return !(cPre <= theta) || pseudoDerivativeNonzero(cPre, theta, gamma, slope);
    }

    // gamma max(0, 1 - s|c_pre - theta|) != 0
    static boolean pseudoDerivativeNonzero(float cPre, float theta, float gamma, float slope) {
        return gamma > 0f && 1f - slope * Math.abs(cPre - theta) > 0f;
    }

    // ---- elementwise functions ----

    // MI pre-activation, in the inference gate pass's order: ((beta2 Wx + beta1 Uh) + alpha Wx Uh) + b
    static float miPre(GateParameters p, float wx, float uh, int k) {
        return p.beta2[k] * wx + p.beta1[k] * uh + p.alpha[k] * wx * uh + p.bias[k];
    }

    static float sigm(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }

    static float tanh(float v) {
        return (float) Math.tanh(v);
    }

    static float hardtanh(float v) {
        return Math.min(Math.max(v, -1f), 1f);
    }

    /** {@code S(v, q) = relu(v - q) - relu(-v - q)} as {@code v - clamp(v, -q, q)} (the inference pass's form). */
    static float inhibit(float v, float q) {
        return v - Math.max(Math.min(v, q), -q);
    }

    // [|v| > q]: where S(v, q) passes v (slope 1 in v)
    static boolean passes(float v, float q) {
        return v > q || -v > q;
    }

    // [-1 < v < 1]: where hardtanh has slope 1
    static boolean inside(float v) {
        return -1f < v && v < 1f;
    }

    // dS/dq given dS/dv-weighted gradient dv: -sign(v) dv (dv is 0 where S does not pass v)
    static float signFlip(float dv, float v) {
        return v > 0f ? -dv : dv;
    }
}
