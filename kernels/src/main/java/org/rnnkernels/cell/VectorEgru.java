package org.rnnkernels.cell;

import static org.rnnkernels.cell.VectorOps.ONE;
import static org.rnnkernels.cell.VectorOps.S;
import static org.rnnkernels.cell.VectorOps.ZERO;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** {@link Egru}, a vector of units at a time: GRU's gates, then c_pre and the threshold in loops of their own. */
public final class VectorEgru implements GatePass, TrainingPass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] theta, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 3 * n, q = b * 3 * n, cs = b * n;
            VectorGru.gates(from, to, n, gi, g, gh, q, bias, gh, q);
            VectorOps.blend(from, to, n, gh, q, c, cs, gh, q + 2 * n);    // c_pre = g + z*(c - g), over g
            fire(from, to, gh, q + 2 * n, theta, hOut, hoo + b * n, c, cs);
        }
    }

    // y' = c_pre where it fires, else 0 ; c' = c_pre - (fires ? theta : 0)
    private static void fire(int from, int to, float[] cPre, int po, float[] theta, float[] hOut, int ho, float[] cOut, int co) {
        int end = from + S.loopBound(to - from);
        for (int j = from; j < end; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, cPre, po + j);
            FloatVector th = FloatVector.fromArray(S, theta, j);
            VectorMask<Float> fires = v.compare(VectorOperators.LE, th).not();   // NaN fires: see Egru.fire
            ZERO.blend(v, fires).intoArray(hOut, ho + j);
            v.sub(ZERO.blend(th, fires)).intoArray(cOut, co + j);
        }
        Egru.fire(end, to, cPre, po, theta, hOut, ho, cOut, co);
    }

    @Override
    public void forward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, q = b * 3 * n, a = r * s.cacheWidth, hp = r * n, hn = (r + s.batch) * n;
            VectorGru.gates(0, n, n, s.gi, g, s.gh, q, p.bias, s.act, a);
            VectorOps.add(0, n, s.gh, q + 2 * n, p.bias, 3 * n, s.act, a + 3 * n);
            VectorOps.blend(0, n, n, s.act, a, s.cs, hp, s.act, a + Egru.C_PRE_BLOCK * n);
            fire(0, n, s.act, a + Egru.C_PRE_BLOCK * n, p.extra, s.hs, hn, s.cs, hn);
        }
    }

    // The firing side, then GRU's gate side (Egru's equations)
    @Override
    public void backward(GateParameters p, TrainingTrace s, int t) {
        int n = s.hidden, end = S.loopBound(n);
        for (int b = 0; b < s.batch; b++) {
            int r = t * s.batch + b, g = r * 3 * n, d = b * n, a = r * s.cacheWidth;
            fireBackward(p, s, n, end, g, d, a, r * n);
            VectorGru.gateGradients(s, t, b, end, s.dGi, g + 2 * n, s.cs, r * n, s.dc);
            Egru.backwardRow(p, s, t, b, end);
        }
    }

    // v = c_pre - theta, psi = gamma max(0, 1 - s|v|): dV = (dy c_pre - dc theta + dA) psi, dA the activity
    // regularisation's dL/do ; dC_pre = dy o + dc + dV
    // (parked in dGi_n for the gate side) ; dtheta row = -dc o - dV
    // (gamma and s are broadcast here, not passed in: a vector argument of a call C2 does not inline is boxed)
    private static void fireBackward(GateParameters p, TrainingTrace s, int n, int end, int g, int d, int a, int row) {
        FloatVector gamma = FloatVector.broadcast(S, p.gamma), slope = FloatVector.broadcast(S, p.slope);
        FloatVector dA = FloatVector.broadcast(S, s.activityGradient);
        for (int j = 0; j < end; j += S.length()) {
            FloatVector cPre = FloatVector.fromArray(S, s.act, a + Egru.C_PRE_BLOCK * n + j), theta = FloatVector.fromArray(S, p.extra, j);
            FloatVector dy = FloatVector.fromArray(S, s.dh, d + j), dc = FloatVector.fromArray(S, s.dc, d + j);
            VectorMask<Float> fires = cPre.compare(VectorOperators.LE, theta).not();
            FloatVector psi = gamma.mul(ONE.sub(slope.mul(cPre.sub(theta).abs())).max(ZERO));
            FloatVector dV = dy.mul(cPre).sub(dc.mul(theta)).add(dA).mul(psi);
            ZERO.blend(dy, fires).add(dc).add(dV).intoArray(s.dGi, g + 2 * n + j);
            ZERO.blend(dc, fires).neg().sub(dV).intoArray(s.dThetaRows, row + j);
        }
    }
}
