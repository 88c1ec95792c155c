package org.rnnkernels.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.train.TorchInit;

/**
 * Each conversion checked against the other framework's own equations, written here in its own
 * layout (ONNX operator spec, Keras source): one step computed from the foreign weights directly
 * must equal the library's layer built from the converted weights.
 */
class ForeignWeightsTest {
    private static final int I = 3;
    private static final int H = 4;
    private final SplittableRandom random = new SplittableRandom(9);
    private final float[] x = TorchInit.uniform(random, I, 1);
    private final float[] h0 = TorchInit.uniform(random, H, 1);
    private final float[] c0 = TorchInit.uniform(random, H, 1);

    private static double sigm(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    // sum_k M[row][k] * v[k] for ONNX's row-major [rows][cols] matrices (direction d's slice)
    private static double dot(float[] m, int offset, int row, int cols, float[] v) {
        double s = 0;
        for (int k = 0; k < cols; k++) {
            s += m[offset + row * cols + k] * v[k];
        }
        return s;
    }

    // sum_k v[k] * K[k][column] for Keras's [in][columns] kernels
    private static double dotColumn(float[] kernel, int columns, int column, float[] v) {
        double s = 0;
        for (int k = 0; k < v.length; k++) {
            s += v[k] * kernel[k * columns + column];
        }
        return s;
    }

    private float[] runLayer(RecurrentLayer layer, boolean cellState, float[] cellOut) {
        try (layer) {
            LayerState state = layer.newState(1).setHidden(h0);
            if (cellState) {
                state.setCell(c0);
            }
            float[] h = new float[H];
            layer.step(x, state, h);
            if (cellState) {
                System.arraycopy(state.cell(), 0, cellOut, 0, H);
            }
            return h;
        }
    }

    @Test
    void onnxLstmReverseDirection() {
        int d = 1;
        float[] w = TorchInit.uniform(random, 2 * 4 * H * I, 1);
        float[] r = TorchInit.uniform(random, 2 * 4 * H * H, 1);
        float[] b = TorchInit.uniform(random, 2 * 8 * H, 1);
        float[] c = new float[H];
        float[] h = runLayer(ForeignWeights.onnxLstm(w, r, b, d, 2, I, H).toLayer(CellType.LSTM, I, H), true, c);
        // ONNX: gates i, o, f, c; it = f(Xt Wi^T + Ht-1 Ri^T + Wbi + Rbi), ..., Ct = ft (.) Ct-1 + it (.) ct, Ht = ot (.) h(Ct)
        int wo = d * 4 * H * I;
        int ro = d * 4 * H * H;
        int bo = d * 8 * H;
        for (int j = 0; j < H; j++) {
            double[] a = new double[4];
            for (int g = 0; g < 4; g++) {
                int row = g * H + j;
                a[g] = dot(w, wo, row, I, x) + dot(r, ro, row, H, h0) + b[bo + row] + b[bo + 4 * H + row];
            }
            double i = sigm(a[0]);
            double o = sigm(a[1]);
            double f = sigm(a[2]);
            double cc = Math.tanh(a[3]);
            double cNew = f * c0[j] + i * cc;
            assertEquals(cNew, c[j], 1e-5, "c[" + j + "]");
            assertEquals(o * Math.tanh(cNew), h[j], 1e-5, "h[" + j + "]");
        }
    }

    @Test
    void onnxGruLinearBeforeReset() {
        float[] w = TorchInit.uniform(random, 3 * H * I, 1);
        float[] r = TorchInit.uniform(random, 3 * H * H, 1);
        float[] b = TorchInit.uniform(random, 6 * H, 1);
        float[] h = runLayer(ForeignWeights.onnxGru(w, r, b, 0, 1, I, H, true).toLayer(CellType.GRU, I, H), false, null);
        // ONNX, linear_before_reset != 0: ht = g(Xt Wh^T + rt (.) (Ht-1 Rh^T + Rbh) + Wbh); Ht = (1 - zt) (.) ht + zt (.) Ht-1
        for (int j = 0; j < H; j++) {
            double z = sigm(dot(w, 0, j, I, x) + dot(r, 0, j, H, h0) + b[j] + b[3 * H + j]);
            double rr = sigm(dot(w, 0, H + j, I, x) + dot(r, 0, H + j, H, h0) + b[H + j] + b[4 * H + j]);
            double n = Math.tanh(dot(w, 0, 2 * H + j, I, x) + b[2 * H + j] + rr * (dot(r, 0, 2 * H + j, H, h0) + b[5 * H + j]));
            assertEquals((1 - z) * n + z * h0[j], h[j], 1e-5, "h[" + j + "]");
        }
        assertThrows(IllegalArgumentException.class, () -> ForeignWeights.onnxGru(w, r, b, 0, 1, I, H, false));
    }

    @Test
    void evnnEgru() {
        float[] kernel = TorchInit.uniform(random, I * 3 * H, 1);
        float[] recurrent = TorchInit.uniform(random, H * 3 * H, 1);
        float[] bias = TorchInit.uniform(random, 3 * H, 1);
        float[] recurrentBias = TorchInit.uniform(random, 3 * H, 1);
        float[] thr = {0.05f, 0.1f, 0.2f, 0.02f};
        float[] cellOut = new float[H];
        float[] y = runLayer(ForeignWeights.evnnEgru(kernel, recurrent, bias, recurrentBias, I, H).toEgru(I, H, thr), true, cellOut);
        // EvNN (EGRUScript): vx = x @ kernel + bias, vh = y0 @ recurrent_kernel + recurrent_bias, chunks z, r, g;
        // cur_h = z*h + (1-z)*g ; event = heaviside(cur_h - thr) ; h = cur_h - event*thr ; y = event*cur_h
        int cols = 3 * H;
        int fired = 0;
        for (int j = 0; j < H; j++) {
            double z = sigm(dotColumn(kernel, cols, j, x) + bias[j] + dotColumn(recurrent, cols, j, h0) + recurrentBias[j]);
            double r = sigm(dotColumn(kernel, cols, H + j, x) + bias[H + j] + dotColumn(recurrent, cols, H + j, h0) + recurrentBias[H + j]);
            double g = Math.tanh(dotColumn(kernel, cols, 2 * H + j, x) + bias[2 * H + j]
                    + r * (dotColumn(recurrent, cols, 2 * H + j, h0) + recurrentBias[2 * H + j]));
            double cur = z * c0[j] + (1 - z) * g;
            double event = cur - thr[j] > 0 ? 1 : 0;
            fired += (int) event;
            assertEquals(event * cur, y[j], 1e-5, "y[" + j + "]");
            assertEquals(cur - event * thr[j], cellOut[j], 1e-5, "h[" + j + "]");
        }
        assertEquals(true, fired > 0 && fired < H, fired + " of " + H + " units fired: the test should see both");
    }

    @Test
    void kerasGruResetAfter() {
        float[] kernel = TorchInit.uniform(random, I * 3 * H, 1);
        float[] recurrent = TorchInit.uniform(random, H * 3 * H, 1);
        float[] bias = TorchInit.uniform(random, 2 * 3 * H, 1);
        float[] h = runLayer(ForeignWeights.kerasGru(kernel, recurrent, bias, I, H, true).toLayer(CellType.GRU, I, H), false, null);
        // Keras (reset_after): z, r, hh column blocks; x_z = x K_z + b_in_z; r_z = h R_z + b_rec_z; hh = tanh(x_h + r * (h R_h + b_rec_h))
        int cols = 3 * H;
        for (int j = 0; j < H; j++) {
            double z = sigm(dotColumn(kernel, cols, j, x) + bias[j] + dotColumn(recurrent, cols, j, h0) + bias[cols + j]);
            double rr = sigm(dotColumn(kernel, cols, H + j, x) + bias[H + j] + dotColumn(recurrent, cols, H + j, h0) + bias[cols + H + j]);
            double hh = Math.tanh(dotColumn(kernel, cols, 2 * H + j, x) + bias[2 * H + j]
                    + rr * (dotColumn(recurrent, cols, 2 * H + j, h0) + bias[cols + 2 * H + j]));
            assertEquals(z * h0[j] + (1 - z) * hh, h[j], 1e-5, "h[" + j + "]");
        }
    }

    @Test
    void kerasLstmOneBias() {
        float[] kernel = TorchInit.uniform(random, I * 4 * H, 1);
        float[] recurrent = TorchInit.uniform(random, H * 4 * H, 1);
        float[] bias = TorchInit.uniform(random, 4 * H, 1);
        float[] c = new float[H];
        float[] h = runLayer(ForeignWeights.kerasLstm(kernel, recurrent, bias, I, H).toLayer(CellType.LSTM, I, H), true, c);
        int cols = 4 * H;
        for (int j = 0; j < H; j++) {
            double[] a = new double[4];
            for (int g = 0; g < 4; g++) {
                a[g] = dotColumn(kernel, cols, g * H + j, x) + dotColumn(recurrent, cols, g * H + j, h0) + bias[g * H + j];
            }
            double cNew = sigm(a[1]) * c0[j] + sigm(a[0]) * Math.tanh(a[2]);   // i f c o
            assertEquals(cNew, c[j], 1e-5);
            assertEquals(sigm(a[3]) * Math.tanh(cNew), h[j], 1e-5);
        }
    }

    @Test
    void wrongShapesNameTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForeignWeights.onnxLstm(new float[5], new float[4 * H * H], null, 0, 1, I, H));
        assertEquals(true, e.getMessage().startsWith("W has 5 floats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ForeignWeights.kerasGru(new float[I * 3 * H], new float[H * 3 * H], new float[3 * H], I, H, true));
        assertEquals(true, e.getMessage().contains("bias"), e.getMessage());
    }
}
