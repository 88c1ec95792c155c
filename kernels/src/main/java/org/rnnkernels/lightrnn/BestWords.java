package org.rnnkernels.lightrnn;

/**
 * The {@code k} best words found so far by {@link LightRnn#topK}: a binary min-heap in two parallel
 * arrays whose root is the worst of them (lowest log-probability; among equals the higher word id),
 * so {@code logP[0]} is the bound a row must beat. Allocates nothing.
 */
final class BestWords {
    private BestWords() {
    }

    /** Offers word {@code w}; returns the heap's new size (at most {@code k}). */
    static int offer(float[] logP, int[] word, int size, int k, float p, int w) {
        if (size < k) {
            int i = size;
            // sift up
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!worse(p, w, logP[parent], word[parent])) {
                    break;
                }
                logP[i] = logP[parent];
                word[i] = word[parent];
                i = parent;
            }
            logP[i] = p;
            word[i] = w;
            return size + 1;
        }
        if (worse(logP[0], word[0], p, w)) {
            siftDown(logP, word, size, p, w);
        }
        return size;
    }

    /**
     * Empties the heap into {@code words[0 .. size-1]}, {@code logProbs[...]}, best first:
     * the worst goes last, then the worst of the rest, and so on.
     */
    static void sortDescending(float[] logP, int[] word, int size, int[] words, float[] logProbs) {
        for (int n = size; n > 0; n--) {
            words[n - 1] = word[0];
            logProbs[n - 1] = logP[0];
            siftDown(logP, word, n - 1, logP[n - 1], word[n - 1]);
        }
    }

    // Puts (p, w) at the root of a heap of `size` and sifts it down.
    private static void siftDown(float[] logP, int[] word, int size, float p, int w) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && worse(logP[child + 1], word[child + 1], logP[child], word[child])) {
                child++;
            }
            if (!worse(logP[child], word[child], p, w)) {
                break;
            }
            logP[i] = logP[child];
            word[i] = word[child];
            i = child;
        }
        logP[i] = p;
        word[i] = w;
    }

    // (p, w) ranks below (q, v)
    private static boolean worse(float p, int w, float q, int v) {
        return p < q || (p == q && w > v);
    }
}
