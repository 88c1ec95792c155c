package org.rnnkernels.lightrnn;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.MiParameters;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.LightRnnReference;
import org.rnnkernels.reference.RefCellType;
import org.rnnkernels.reference.ReferenceCell;

/**
 * A random LightRNN (PyTorch's initialisation for the cell, U(-1/sqrt(H), 1/sqrt(H)); input tables
 * U(-1, 1); output tables U(-s/sqrt(H), s/sqrt(H)), {@code s = outputScale}: 1 gives nearly flat
 * softmaxes, larger values peaked ones as a trained model has) with its double reference.
 */
final class LightRnnFixture {
    final CellType type;
    final WordTable table;
    final int embedding, hidden;
    final float[] xr, xc, yr, yc;
    final float[] wIh, wHh, bIh, bHh;

    LightRnnFixture(CellType type, WordTable table, int embedding, int hidden, long seed, float recurrentScale, float outputScale) {
        if (type.multiplicative()) {
            throw new IllegalArgumentException("the fixture makes no MI parameters");
        }
        this.type = type;
        this.table = table;
        this.embedding = embedding;
        this.hidden = hidden;
        SplittableRandom random = new SplittableRandom(seed);
        int gates = type.gates() * hidden;
        float bound = (float) (1 / Math.sqrt(hidden));
        wIh = uniform(random, gates * embedding, bound);
        wHh = uniform(random, gates * hidden, bound * recurrentScale);
        bIh = uniform(random, gates, bound);
        bHh = uniform(random, gates, bound);
        xr = uniform(random, table.rows() * embedding, 1f);
        xc = uniform(random, table.columns() * embedding, 1f);
        yr = uniform(random, table.rows() * hidden, bound * outputScale);
        yc = uniform(random, table.columns() * hidden, bound * outputScale);
    }

    LightRnnFixture(CellType type, int vocabulary, int embedding, int hidden, long seed) {
        this(type, WordTable.sequential(vocabulary), embedding, hidden, seed, 1f, 1f);
    }

    static float[] uniform(SplittableRandom random, int n, float bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(-bound, bound);
        }
        return a;
    }

    LightRnn model() {
        return model(Blases.get());
    }

    LightRnn model(Blas blas) {
        RecurrentLayer layer = RecurrentLayer.create(type, embedding, hidden, wIh, wHh, bIh, bHh, (MiParameters) null, blas);
        return LightRnn.create(table, xr, xc, yr, yc, layer, blas);
    }

    LightRnnReference reference() {
        ReferenceCell cell = new ReferenceCell(RefCellType.valueOf(type.name()), embedding, hidden,
                toDouble(wIh), toDouble(wHh), toDouble(bIh), toDouble(bHh));
        int v = table.vocabularySize();
        int[] rowOf = new int[v];
        int[] colOf = new int[v];
        for (int w = 0; w < v; w++) {
            rowOf[w] = table.row(w);
            colOf[w] = table.col(w);
        }
        return new LightRnnReference(table.rows(), table.columns(), rowOf, colOf,
                toDouble(xr), toDouble(xc), toDouble(yr), toDouble(yc), cell);
    }

    /** {@code count} random word ids. */
    int[] words(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] words = new int[count];
        for (int t = 0; t < count; t++) {
            words[t] = random.nextInt(table.vocabularySize());
        }
        return words;
    }

    /** A random allocation of V words over a table of {@code rows x columns}: empty cells anywhere. */
    static WordTable shuffled(int vocabulary, int rows, int columns, long seed) {
        int[] cells = new int[rows * columns];
        java.util.Arrays.fill(cells, -1);
        for (int w = 0; w < vocabulary; w++) {
            cells[w] = w;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = cells.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = cells[i];
            cells[i] = cells[j];
            cells[j] = t;
        }
        return WordTable.fromCells(vocabulary, rows, columns, cells);
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Override
    public String toString() {
        return type + " " + table + " E=" + embedding + " H=" + hidden;
    }
}
