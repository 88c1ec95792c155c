package org.rnnkernels.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The word LM's text handling: lower-cased whitespace tokens, {@code <eos>} per document, the vocabulary's cut-off and order. */
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
}
