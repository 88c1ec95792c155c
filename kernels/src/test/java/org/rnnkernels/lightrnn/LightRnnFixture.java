package org.rnnkernels.lightrnn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.reference.LightRnnReference;
import org.rnnkernels.reference.ReferenceCell;

/**
 * A random LightRNN (its stack's layers as {@link LightRnnLayer} draws them, in order; input tables
 * U(-1, 1); output tables U(-s/sqrt(H), s/sqrt(H)), {@code s = outputScale}: 1 gives nearly flat
 * softmaxes, larger values peaked ones as a trained model has) with its double reference.
 */
final class LightRnnFixture {
    final CellType type;              // the first layer's
    final WordTable table;
    final int embedding, hidden;      // E, and the last layer's H
    final List<LightRnnLayer> layers;
    final float[] xr, xc, yr, yc;

    /** A stack of the layers {@code specs}, bottom first; the first reads embeddings of size {@code embedding}. */
    LightRnnFixture(List<LightRnnLayer.Spec> specs, WordTable table, int embedding, long seed, float outputScale) {
        this.table = table;
        this.embedding = embedding;
        this.hidden = specs.get(specs.size() - 1).hidden();
        this.type = specs.get(0).type();
        SplittableRandom random = new SplittableRandom(seed);
        List<LightRnnLayer> list = new ArrayList<>();
        for (LightRnnLayer.Spec spec : specs) {
            list.add(LightRnnLayer.draw(random, spec, list.isEmpty() ? embedding : list.get(list.size() - 1).hidden));
        }
        this.layers = List.copyOf(list);
        float bound = (float) (1 / Math.sqrt(hidden));
        xr = uniform(random, table.rows() * embedding, 1f);
        xc = uniform(random, table.columns() * embedding, 1f);
        yr = uniform(random, table.rows() * hidden, bound * outputScale);
        yc = uniform(random, table.columns() * hidden, bound * outputScale);
    }

    /** One shared layer of {@code type}, its {@code W_hh} bound scaled by {@code recurrentScale}. */
    LightRnnFixture(CellType type, WordTable table, int embedding, int hidden, long seed, float recurrentScale, float outputScale) {
        this(List.of(LightRnnLayer.Spec.of(type, hidden).scaled(recurrentScale)), table, embedding, seed, outputScale);
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
        return LightRnn.create(table, xr, xc, yr, yc, stack(blas), blas);
    }

    /** The kernel stack (one direction), the caller's. */
    RecurrentModel stack(Blas blas) {
        List<RecurrentLayer> list = new ArrayList<>();
        for (LightRnnLayer layer : layers) {
            list.add(layer.layer(blas));
        }
        return RecurrentModel.of(false, list);
    }

    List<ReferenceCell> referenceStack() {
        List<ReferenceCell> cells = new ArrayList<>();
        for (LightRnnLayer layer : layers) {
            cells.add(layer.reference());
        }
        return cells;
    }

    LightRnnReference reference() {
        return new LightRnnReference(table.rows(), table.columns(), rowOf(table), colOf(table),
                toDouble(xr), toDouble(xc), toDouble(yr), toDouble(yc), referenceStack());
    }

    static int[] rowOf(WordTable table) {
        int[] rowOf = new int[table.vocabularySize()];
        for (int w = 0; w < rowOf.length; w++) {
            rowOf[w] = table.row(w);
        }
        return rowOf;
    }

    static int[] colOf(WordTable table) {
        int[] colOf = new int[table.vocabularySize()];
        for (int w = 0; w < colOf.length; w++) {
            colOf[w] = table.col(w);
        }
        return colOf;
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
        return (layers.size() == 1 ? layers.get(0).spec.toString() : layers.stream().map(l -> l.spec.toString()).toList())
                + " " + table + " E=" + embedding;
    }
}
