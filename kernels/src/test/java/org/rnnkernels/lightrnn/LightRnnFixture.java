package org.rnnkernels.lightrnn;

import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.Fixtures;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.LightRnnReference;
import org.rnnkernels.reference.ReferenceCell;
import org.rnnkernels.train.TorchInit;

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
    final TorchInit.Weights weights;

    LightRnnFixture(CellType type, WordTable table, int embedding, int hidden, long seed, float recurrentScale, float outputScale) {
        if (type.multiplicative()) {
            throw new IllegalArgumentException("the fixture makes no MI parameters");
        }
        this.type = type;
        this.table = table;
        this.embedding = embedding;
        this.hidden = hidden;
        SplittableRandom random = new SplittableRandom(seed);
        weights = Fixtures.weights(type, embedding, hidden, random, recurrentScale);
        float bound = TorchInit.bound(hidden);
        xr = TorchInit.uniform(random, table.rows() * embedding, 1f);
        xc = TorchInit.uniform(random, table.columns() * embedding, 1f);
        yr = TorchInit.uniform(random, table.rows() * hidden, bound * outputScale);
        yc = TorchInit.uniform(random, table.columns() * hidden, bound * outputScale);
    }

    LightRnnFixture(CellType type, int vocabulary, int embedding, int hidden, long seed) {
        this(type, WordTable.sequential(vocabulary), embedding, hidden, seed, 1f, 1f);
    }

    LightRnn model() {
        return model(Blases.get());
    }

    LightRnn model(Blas blas) {
        RecurrentLayer layer = Fixtures.layer(type, embedding, hidden, weights, null, null, blas);
        return LightRnn.create(table, xr, xc, yr, yc, layer, blas);
    }

    LightRnnReference reference() {
        ReferenceCell cell = Fixtures.referenceCell(type, embedding, hidden, weights, null, null);
        int v = table.vocabularySize();
        int[] rowOf = new int[v];
        int[] colOf = new int[v];
        for (int w = 0; w < v; w++) {
            rowOf[w] = table.row(w);
            colOf[w] = table.col(w);
        }
        return new LightRnnReference(table.rows(), table.columns(), rowOf, colOf,
                Fixtures.toDouble(xr), Fixtures.toDouble(xc), Fixtures.toDouble(yr), Fixtures.toDouble(yc), cell);
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

    @Override
    public String toString() {
        return type + " " + table + " E=" + embedding + " H=" + hidden;
    }
}
