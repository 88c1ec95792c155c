package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.lightrnn.LightRnn;
import org.rnnkernels.lightrnn.LightRnnState;
import org.rnnkernels.lightrnn.LightRnnTrainer;
import org.rnnkernels.lightrnn.WordTable;
import org.rnnkernels.train.TorchInit;

/**
 * The word LM's text handling (lower-cased whitespace tokens, {@code <eos>} per document, the vocabulary's cut-off
 * and order) and the words LightRNN is scored on.
 */
class WordLmCommandTest {

    @Test
    void tokensAreLowerCasedWhitespaceTokensWithAnEndOfDocument() {
        assertEquals(List.of("the", "house", "rose.", "<eos>", "die", "kammer", "<eos>"),
                WordLmCommand.tokens("The  HOUSE\trose.\nDie Kammer\n"));
    }

    @Test
    void theVocabularyIsTheWordsSeenEnoughMostFrequentFirstAndTheRestAreUnknown() {
        List<String> words = List.of("b", "a", "c", "a", "b", "a", "d", "c");
        Map<String, Integer> index = WordLmCommand.vocabulary(words, 2);
        assertEquals(Map.of("a", 1, "b", 2, "c", 3), index, "a three times, b and c twice (ties in string order), d once");
        assertArrayEquals(new int[] {2, 1, 3, 0, 0}, WordLmCommand.encode(List.of("b", "a", "c", "d", "e"), index));
        assertEquals(4, WordLmCommand.vocabulary(words, 1).size());
    }

    /**
     * The full model reads token 0 of each stream and predicts token 1 from it; LightRNN's scored words are the
     * same, tokens 1 .. calls*T, and must have the same context: its loss is the mean of the inference model's
     * {@code -log P(w_t | w_0 .. w_{t-1})} over each whole stream (token 0 read, not scored). Tables drawn wide
     * (uniform in [-3, 3]) so that a word's probability depends clearly on the word before it.
     */
    @Test
    void lightRnnScoresTheFullModelsWordsWithTheSameContext() {
        int vocabulary = 7;
        int batch = 3;
        int steps = 4;
        int length = 14;                   // calls = (14 - 1) / 4 = 3: tokens 1 .. 12 of each stream scored
        WordLmCommand command = new WordLmCommand();
        command.batch = batch;
        command.steps = steps;
        SplittableRandom random = new SplittableRandom(5);
        int[] text = random.ints(batch * length, 0, vocabulary).toArray();
        WordTable table = WordTable.sequential(vocabulary);
        int e = 5;
        int h = 6;
        LightRnnTrainer trainer;
        try (RecurrentLayer layer = TorchInit.layer(CellType.LSTM, e, h, random, Blases.get())) {
            trainer = LightRnnTrainer.of(table, TorchInit.uniform(random, table.rows() * e, 3),
                    TorchInit.uniform(random, table.columns() * e, 3), TorchInit.uniform(random, table.rows() * h, 3),
                    TorchInit.uniform(random, table.columns() * h, 3), layer, batch);
        }
        double expected = 0;
        try (LightRnn model = trainer.export()) {
            for (int b = 0; b < batch; b++) {
                int[] stream = Arrays.copyOfRange(text, b * length, b * length + 13);
                float[] logP = new float[stream.length];
                try (LightRnnState state = model.newState()) {
                    model.logProbabilities(stream, state, logP);
                }
                for (int t = 1; t < stream.length; t++) {
                    expected -= logP[t];
                }
            }
        }
        expected /= batch * 12;
        assertEquals(expected, command.lightRnnLoss(trainer, text), 1e-5 * expected);
    }
}
