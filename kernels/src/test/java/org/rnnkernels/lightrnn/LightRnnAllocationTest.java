package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rnnkernels.CellType;
import org.rnnkernels.StepAllocation;

/**
 * A warmed-up LightRNN call allocates nothing, one layer or a stack: a streaming word (one word a call:
 * two half-steps of every layer, two softmaxes), a call of 64 words (one chunk: every layer over 128
 * half-steps, 127 logit rows) and a top-k search. Runs in the {@code allocation} and {@code allocation-scalar} executions; a case that
 * allocates there is measured again in up to three fresh JVMs before it fails, as {@code StepAllocationTest}
 * does (C2's inlining depends on what it compiled before).
 *
 * <p>The stacks are of layers whose own steps compile allocation-free. Measured while this was written
 * (B = 1, the layers' steps alone, a plain {@code RecurrentModel} with no LightRNN around it): in a JVM
 * that had run several cells before, an LSTM (H = 37) step boxed 27744 bytes, a RAG-GRU (H = 64) 46800;
 * in a fresh JVM, a GRU (H = 37) above a GRU (H = 64) 65424 (each alone: 0). A LightRNN word over such
 * a stack allocated exactly its two half-steps' worth, so what allocates there is the layers' compiled
 * kernels, not this package. One case was not traced: a call of 64 words over LSTM (64) then EGRU (64)
 * allocated 10752 bytes in a fresh JVM (84 a half-step), where GRU then EGRU, and a plain stack of LSTM
 * then EGRU over 128 steps of other inputs, allocated nothing. (A call whose words fall into chunks of
 * several sizes also hands the layers above the first another output array per size, which the layer
 * wraps in a segment once per change: not measured here.)
 */
class LightRnnAllocationTest {
    private static final int FRESH_JVMS = 3;

    static List<LightRnnLayer.Spec> stack(int which) {
        return switch (which) {
            case 0 -> List.of(LightRnnLayer.Spec.of(CellType.GRU, 64));
            case 1 -> List.of(LightRnnLayer.Spec.of(CellType.GRU, 64), LightRnnLayer.Spec.of(CellType.GRU, 64),
                    LightRnnLayer.Spec.of(CellType.GRU, 64));
            default -> List.of(LightRnnLayer.Spec.of(CellType.GRU, 64), LightRnnLayer.Spec.of(CellType.EGRU, 64));
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void warmedUpCallsAllocateNothing(int which) throws Exception {
        long bytes = bytesPerWarmCalls(which);
        for (int fresh = 0; bytes != 0 && fresh < FRESH_JVMS; fresh++) {
            long again = StepAllocation.lastNumberOfFreshJvm(LightRnnAllocationTest.class, Integer.toString(which));
            System.err.println(stack(which) + ": " + bytes + " bytes, " + again + " in fresh JVM " + (fresh + 1));
            bytes = again;
        }
        assertEquals(0, bytes, stack(which) + ": bytes allocated by a warmed-up word, call of 64 words and topK(5)"
                + " (here and in " + FRESH_JVMS + " fresh JVMs)");
    }

    /** Prints the bytes of {@link #bytesPerWarmCalls} for the stack {@code args[0]}. */
    public static void main(String[] args) {
        System.out.println(bytesPerWarmCalls(Integer.parseInt(args[0])));
    }

    // The bytes of a warmed-up streaming word, call of 64 words and topK(5), summed (each printed).
    private static long bytesPerWarmCalls(int which) {
        LightRnnFixture f = new LightRnnFixture(stack(which), WordTable.sequential(500), 32, 3, 3f);
        try (LightRnn model = f.model()) {
            LightRnnState state = model.newState();
            int[] word = new int[1];
            float[] one = new float[1];
            int[] stream = f.words(4096, 4);
            int[] next = {0};
            long perWord = StepAllocation.bytesPerWarmCall(() -> {
                word[0] = stream[next[0]++ & 4095];
                model.logProbabilities(word, state, one);
            });
            int[] words = f.words(64, 5);
            float[] out = new float[64];
            long perCall = StepAllocation.bytesPerWarmCall(() -> model.logProbabilities(words, state, out));
            int[] top = new int[5];
            float[] topLogP = new float[5];
            long perSearch = StepAllocation.bytesPerWarmCall(() -> model.topK(state, 5, top, topLogP));
            System.err.println(f + ": " + perWord + " bytes a word, " + perCall + " a call of 64 words, " + perSearch + " a topK(5)");
            return perWord + perCall + perSearch;
        }
    }
}
