package org.rnnkernels.cell;

import static org.rnnkernels.cell.ScalarOps.tanh;

/** LSTM, blocks {@code i, f, g, o}: {@code c' = f*c + i*g}, {@code h' = o*tanh(c')}. */
public final class Lstm implements GatePass {

    @Override
    public void apply(int rows, int n, int from, int to, float[] gi, int go, float[] gh, float[] bias,
                      float[] extra, float[] hPrev, int hpo, float[] hOut, int hoo, float[] c) {
        for (int b = 0; b < rows; b++) {
            int g = go + b * 4 * n, q = b * 4 * n;
            for (int block = 0; block < 4; block++) {
                ScalarOps.sumInPlace(from, to, gi, g, gh, q, bias, block * n);
            }
            activateAndUpdate(from, to, n, gh, q, hOut, hoo + b * n, c, b * n);
        }
    }

    // i, f, g, o = sigm, sigm, tanh, sigm of the pre-activations in gh (in place); then
    // c' = f*c + i*g ; h' = o*tanh(c'). Shared with MI-LSTM, whose pre-activations differ.
    static void activateAndUpdate(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int block = 0; block < 4; block++) {
            ScalarOps.activate(from, to, gh, q + block * n, block == 2);
        }
        update(from, to, n, gh, q, hOut, ho, c, cs);
    }

    // c' = f*c + i*g ; h' = o*tanh(c'), with i, f, g, o activated in gh
    static void update(int from, int to, int n, float[] gh, int q, float[] hOut, int ho, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float cNew = gh[q + n + j] * c[cs + j] + gh[q + j] * gh[q + 2 * n + j];
            c[cs + j] = cNew;
            hOut[ho + j] = gh[q + 3 * n + j] * tanh(cNew);
        }
    }

    // c' = f*c + i*g into c and into block i of gh (i is spent), for the vector twin's tanh(c') pass
    static void cellUpdate(int from, int to, int n, float[] gh, int q, float[] c, int cs) {
        for (int j = from; j < to; j++) {
            float cNew = gh[q + n + j] * c[cs + j] + gh[q + j] * gh[q + 2 * n + j];
            c[cs + j] = cNew;
            gh[q + j] = cNew;
        }
    }

    // h' = o * tanh(c'), tanh(c') activated in block i of gh
    static void output(int from, int to, int n, float[] gh, int q, float[] hOut, int ho) {
        for (int j = from; j < to; j++) {
            hOut[ho + j] = gh[q + 3 * n + j] * gh[q + j];
        }
    }
}
