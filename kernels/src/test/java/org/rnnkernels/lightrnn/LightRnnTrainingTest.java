package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.Gradients;
import org.rnnkernels.train.Parameter;

/**
 * {@link LightRnnTrainer} end to end on a tiny synthetic corpus: training lowers the loss (one layer and a
 * stack), reallocation never raises the cost of the allocation it was computed for, the exported model scores
 * as the trainer does (a stack of EGRU, restricted and MI layers too), and bad input is refused before anything
 * changes.
 */
class LightRnnTrainingTest {

    /** A deterministic corpus: the word after w is (7w + 3) mod V, one cycle through every word; stream b starts at word 5b. */
    static int[] corpus(int vocabulary, int batch, int steps, int start) {
        int[] words = new int[steps * batch];
        for (int b = 0; b < batch; b++) {
            int w = 5 * b;
            for (int t = 0; t < start + steps; t++) {
                if (t >= start) {
                    words[(t - start) * batch + b] = w;
                }
                w = (7 * w + 3) % vocabulary;
            }
        }
        return words;
    }

    @Test
    void trainingLowersTheLossAndReallocationLowersTheCost() {
        int vocabulary = 30;
        int batch = 2;
        int steps = 10;
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.GRU, WordTable.sequential(vocabulary), 8, 16, batch, 42);
        List<Parameter> parameters = trainer.parameters();
        Adam adam = new Adam(parameters, 0.02);
        double first = 0;
        double last = 0;
        int updates = 150;
        for (int i = 0; i < updates; i++) {
            Gradients.zero(parameters);
            double loss = trainer.forwardBackward(corpus(vocabulary, batch, steps, (i * steps) % vocabulary), steps);
            assertTrue(Double.isFinite(loss));
            Gradients.clipGradNorm(parameters, 1);
            adam.step();
            first += i < 10 ? loss / 10 : 0;
            last += i >= updates - 10 ? loss / 10 : 0;
        }
        // log 30 = 3.4 nats at the start; the pattern is deterministic, so a trained model is near 0.
        assertTrue(first > 2.5, "initial loss " + first);
        assertTrue(last < 0.5, "loss after " + updates + " updates: " + last + " (initial " + first + ")");

        // Costs over one pass of the corpus (from the start of the streams), then an exact reallocation.
        trainer.resetState();
        ReallocationSums costs = trainer.newCosts();
        double loss = 0;
        for (int start = 0; start < vocabulary; start += steps) {
            loss += trainer.evaluate(corpus(vocabulary, batch, steps, start), steps, costs) * steps * batch;
        }
        assertEquals((long) vocabulary * batch, costs.occurrences());
        double before = costs.total(trainer.wordTable());
        // The unmasked costs of the current allocation are at least the masked loss (6 empty cells here).
        assertTrue(before >= loss - 1e-4 * loss, "cost " + before + " below the loss " + loss);
        WordTable exact = Reallocation.exact(costs);
        assertTrue(costs.total(exact) <= before, "exact reallocation raised the cost: " + costs.total(exact) + " > " + before);
        trainer.setWordTable(exact);
        assertEquals(exact, trainer.wordTable());
        trainer.resetState();
        assertTrue(Double.isFinite(trainer.evaluate(corpus(vocabulary, batch, steps, 0), steps, null)));
    }

    @Test
    void fullTableCostOfTheCurrentAllocationIsTheLossAndReallocationDoesNotRaiseIt() {
        // 36 words in 6 x 6: no empty cell, so the costs' softmaxes are the model's.
        int vocabulary = 36;
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.LSTM, LightRnnFixture.shuffled(vocabulary, 6, 6, 1), 6, 9, 3, 7);
        ReallocationSums costs = trainer.newCosts();
        int steps = 12;
        double loss = trainer.evaluate(corpus(vocabulary, 3, steps, 0), steps, costs) * steps * 3;
        double before = costs.total(trainer.wordTable());
        assertEquals(loss, before, 1e-5 * loss, "cost of the current allocation vs the loss");
        WordTable exact = Reallocation.exact(costs);
        assertTrue(costs.total(exact) <= before, costs.total(exact) + " > " + before);
        assertTrue(costs.total(Reallocation.greedy(costs)) >= costs.total(exact) - 1e-9 * before);
    }

    @Test
    void exportScoresAsTheTrainerDoes() {
        WordTable table = LightRnnFixture.shuffled(11, 4, 4, 2);
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.GRU, table, 5, 7, 1, 3);
        Adam adam = new Adam(trainer.parameters(), 0.05);
        int[] words = corpus(11, 1, 9, 0);
        for (int i = 0; i < 5; i++) {
            Gradients.zero(trainer.parameters());
            trainer.forwardBackward(words, 9);
            adam.step();
        }
        trainer.resetState();
        double mean = trainer.evaluate(words, 9, null);
        try (LightRnn model = trainer.export()) {
            float[] logP = new float[9];
            model.logProbabilities(words, model.newState(), logP);
            double sum = 0;
            for (float p : logP) {
                sum -= p;
            }
            assertEquals(mean, sum / 9, 1e-4 * mean);
        }
    }

    @Test
    void aStackTrainsAndTheDrawIsAsDocumented() {
        int vocabulary = 30;
        int batch = 2;
        int steps = 10;
        LightRnnTrainer trainer = LightRnnTrainer.create(List.of(CellType.GRU, CellType.LSTM), WordTable.sequential(vocabulary),
                8, 16, batch, 42);
        assertEquals(2, trainer.numLayers());
        assertEquals(CellType.GRU, trainer.cellType(0));
        assertEquals(CellType.LSTM, trainer.cellType(1));
        List<Parameter> parameters = trainer.parameters();
        assertEquals(List.of("xr", "xc", "yr", "yc", "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"), parameters.stream().map(Parameter::name).toList());
        assertEquals(4 * 16 * 16, parameters.get(8).value().length, "layer 1 reads layer 0's H = 16");
        // The one-layer trainer of the same seed draws the same first layer (and then its tables).
        LightRnnTrainer one = LightRnnTrainer.create(CellType.GRU, WordTable.sequential(vocabulary), 8, 16, batch, 42);
        assertArrayEquals(one.parameters().get(4).value(), parameters.get(4).value());
        Adam adam = new Adam(parameters, 0.02);
        double first = 0;
        double last = 0;
        int updates = 150;
        for (int i = 0; i < updates; i++) {
            Gradients.zero(parameters);
            double loss = trainer.forwardBackward(corpus(vocabulary, batch, steps, (i * steps) % vocabulary), steps);
            assertTrue(Double.isFinite(loss));
            Gradients.clipGradNorm(parameters, 1);
            adam.step();
            first += i < 10 ? loss / 10 : 0;
            last += i >= updates - 10 ? loss / 10 : 0;
        }
        assertTrue(first > 2.5, "initial loss " + first);
        assertTrue(last < 0.5, "loss after " + updates + " updates: " + last + " (initial " + first + ")");
    }

    /**
     * Every kind of layer in one stack (an EGRU, a restricted LSTM, an MI-GRU): its trainer, trained a few steps,
     * exports a model that scores as the trainer does, and a trainer made from that model scores so too.
     */
    @Test
    void aStackOfEveryKindOfLayerExportsAsItTrains() {
        WordTable table = LightRnnFixture.shuffled(11, 4, 4, 2);
        LightRnnFixture f = new LightRnnFixture(List.of(LightRnnLayer.Spec.of(CellType.EGRU, 9),
                LightRnnLayer.Spec.of(CellType.LSTM, 6).restricted(0.5), LightRnnLayer.Spec.of(CellType.MI_GRU, 7)), table, 5, 3, 2f);
        LightRnnTrainer trainer;
        try (RecurrentModel stack = f.stack(org.rnnkernels.blas.Blases.get())) {
            trainer = LightRnnTrainer.of(table, f.xr, f.xc, f.yr, f.yc, stack, 1);
        }
        List<String> names = trainer.parameters().stream().map(Parameter::name).toList();
        assertTrue(names.containsAll(List.of("egru_theta_l0", "pool_l1", "bias_pool_l1", "mi_alpha_l2")), names.toString());
        Adam adam = new Adam(trainer.parameters(), 0.05);
        int[] words = corpus(11, 1, 9, 0);
        for (int i = 0; i < 5; i++) {
            Gradients.zero(trainer.parameters());
            trainer.forwardBackward(words, 9);
            adam.step();
        }
        trainer.resetState();
        double mean = trainer.evaluate(words, 9, null);
        try (LightRnn model = trainer.export()) {
            assertEquals(3, model.numLayers());
            assertEquals(mean, meanLoss(model, words), 1e-4 * mean);
            LightRnnTrainer again = LightRnnTrainer.of(model, 1);
            assertEquals(trainer.parameters().stream().map(Parameter::name).toList(),
                    again.parameters().stream().map(Parameter::name).toList());
            assertEquals(mean, again.evaluate(words, 9, null), 1e-6 * mean);
        }
    }

    private static double meanLoss(LightRnn model, int[] words) {
        float[] logP = new float[words.length];
        model.logProbabilities(words, model.newState(), logP);
        double sum = 0;
        for (float p : logP) {
            sum -= p;
        }
        return sum / words.length;
    }

    @Test
    void badInputIsRefusedBeforeAnythingChanges() {
        WordTable table = WordTable.sequential(7);
        LightRnnTrainer trainer = LightRnnTrainer.create(CellType.GRU, table, 4, 5, 2, 1);
        int[] good = {0, 1, 2, 3, 4, 5};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.forwardBackward(new int[5], 3));
        assertTrue(e.getMessage().contains("words has 5 ids, expected [T=3][B=2] = 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.forwardBackward(new int[] {0, 1, 2, 7, 4, 5}, 3));
        assertTrue(e.getMessage().contains("words[3] (t=1, b=1) = 7, expected a word id in [0, V=7)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.forwardBackward(new int[] {0, -1}, 1));
        assertTrue(e.getMessage().contains("words[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.forwardBackward(good, 0));
        assertTrue(e.getMessage().contains("steps = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.forwardBackward(null, 3));
        assertTrue(e.getMessage().contains("words is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.evaluate(good, 3, new ReallocationCosts(7, 2, 4)));
        assertTrue(e.getMessage().contains("expected V=7 in 3 x 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.setWordTable(WordTable.sequential(8)));
        assertTrue(e.getMessage().contains("expected V=7 in 3 x 3"), e.getMessage());
        // Nothing changed: gradients zero, and the streams score as a fresh trainer's.
        for (Parameter p : trainer.parameters()) {
            for (float g : p.gradient()) {
                assertEquals(0f, g, p.name());
            }
        }
        LightRnnTrainer fresh = LightRnnTrainer.create(CellType.GRU, table, 4, 5, 2, 1);
        assertEquals(fresh.evaluate(good, 3, null), trainer.evaluate(good, 3, null));

        e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.create(CellType.GRU, table, 4, 0, 2, 1));
        assertTrue(e.getMessage().contains("hidden = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.create(CellType.EGRU, table, 4, 5, 2, 1));
        assertTrue(e.getMessage().contains("EGRU"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LightRnnTrainer.create(List.of(CellType.GRU, CellType.EGRU), table, 4, 5, 2, 1));
        assertTrue(e.getMessage().contains("EGRU cannot be drawn here"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.create(List.of(), table, 4, 5, 2, 1));
        assertTrue(e.getMessage().contains("cells is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.cellType(1));
        assertTrue(e.getMessage().contains("cellType(1): the stack has 1 layer(s)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.create(CellType.GRU, null, 4, 5, 2, 1));
        LightRnnFixture f = new LightRnnFixture(CellType.GRU, 7, 4, 5, 3);
        try (RecurrentLayer layer = f.layers.get(0).layer(org.rnnkernels.blas.Blases.get())) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> LightRnnTrainer.of(table, new float[11], f.xc, f.yr, f.yc, layer, 2));
            assertTrue(e.getMessage().contains("xr has 11 floats, expected [R=3][E=4] = 12"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.of(table, f.xr, f.xc, f.yr, new float[3], layer, 2));
            assertTrue(e.getMessage().contains("yc has 3 floats, expected [C=3][H=5] = 15"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.of(table, f.xr, f.xc, f.yr, f.yc, layer, 0));
            assertTrue(e.getMessage().contains("batch = 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.of(table, f.xr, f.xc, f.yr, f.yc, (RecurrentModel) null, 2));
            assertTrue(e.getMessage().contains("stack is null"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> LightRnnTrainer.of(null, 2));
            assertTrue(e.getMessage().contains("model is null"), e.getMessage());
        }
    }
}
