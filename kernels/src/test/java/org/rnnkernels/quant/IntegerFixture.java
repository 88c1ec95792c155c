package org.rnnkernels.quant;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.reference.IntegerRagReference;
import org.rnnkernels.reference.RefCellType;

/** Integer RAG weights for tests, and the integer reference of the same weights. */
final class IntegerFixture {
    private IntegerFixture() {
    }

    /**
     * Float weights as PyTorch initialises them ({@code W_hh} scaled by {@code recurrentScale}), biases dropped
     * when {@code biases} is false, quantised with {@code F} fractional bits and inputs up to {@code 2^inputBits}.
     */
    static IntegerWeights quantized(CellType type, int input, int hidden, long seed, int fractionBits, int inputBits,
                                    float recurrentScale, boolean biases) {
        return IntegerWeights.quantize(floats(type, input, hidden, seed, recurrentScale, biases), fractionBits, inputBits);
    }

    static LayerWeights floats(CellType type, int input, int hidden, long seed, float recurrentScale, boolean biases) {
        Fixtures.Weights w = Fixtures.weights(type, input, hidden, new SplittableRandom(seed), recurrentScale);
        return LayerWeights.of(type, input, hidden).inputWeights(w.weightIh()).recurrentWeights(w.weightHh())
                .biases(biases ? w.biasIh() : null, biases ? w.biasHh() : null).build();
    }

    /**
     * Full-range random int8 weights with the given exponents and random biases up to {@code 2^biasBits} units:
     * large pre-activations, so that the cells' clamps and inhibitions saturate often.
     */
    static IntegerWeights random(CellType type, int input, int hidden, long seed, int fractionBits, int inputBits,
                                 int[] inputExponents, int[] recurrentExponents, int biasBits) {
        SplittableRandom random = new SplittableRandom(seed);
        int rows = type.gates() * hidden;
        byte[] wIh = new byte[rows * input];
        byte[] wHh = new byte[rows * hidden];
        for (int i = 0; i < wIh.length; i++) {
            wIh[i] = (byte) random.nextInt(-128, 128);
        }
        for (int i = 0; i < wHh.length; i++) {
            wHh[i] = (byte) random.nextInt(-128, 128);
        }
        int[] bIh = new int[rows];
        int[] bHh = new int[rows];
        for (int r = 0; r < rows; r++) {
            bIh[r] = random.nextInt(-(1 << biasBits), (1 << biasBits) + 1);
            bHh[r] = random.nextInt(-(1 << biasBits), (1 << biasBits) + 1);
        }
        return IntegerWeights.of(type, input, hidden).format(fractionBits, inputBits).inputWeights(wIh, inputExponents)
                .recurrentWeights(wHh, recurrentExponents).biases(bIh, bHh).build();
    }

    /** The integer reference of {@code w}. */
    static IntegerRagReference reference(IntegerWeights w) {
        return new IntegerRagReference(RefCellType.valueOf(w.cell().name()), w.inputSize(), w.hiddenSize(), w.fractionBits(),
                w.inputBits(), w.inputWeights(), w.recurrentWeights(), w.inputExponents(), w.recurrentExponents(),
                w.inputBias(), w.recurrentBias());
    }

    /** Uniform integers in {@code [-2^F, 2^F]}: a state on the grid. */
    static long[] state(SplittableRandom random, int n, int fractionBits) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) {
            s[i] = random.nextLong(-(1L << fractionBits), (1L << fractionBits) + 1);
        }
        return s;
    }

    /** {@code v 2^-F} as floats (exact). */
    static float[] toFloat(long[] v, int fractionBits) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = Math.scalb((float) v[i], -fractionBits);
        }
        return f;
    }

    /** {@code f 2^F} as an integer; fails on a value off the grid. */
    static long toInteger(float f, int fractionBits) {
        double v = Math.scalb((double) f, fractionBits);
        if (v != Math.rint(v)) {
            throw new AssertionError(f + " is not on the grid of " + fractionBits + " fractional bits");
        }
        return (long) v;
    }
}
