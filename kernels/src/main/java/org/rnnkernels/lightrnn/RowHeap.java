package org.rnnkernels.lightrnn;

/**
 * A binary max-heap of table rows in an {@code int[]}, keyed by their log-probabilities (ties: the
 * lower row first), so {@link LightRnn#topK} visits rows by descending probability and stops
 * early without sorting all {@code R}. Allocates nothing.
 */
final class RowHeap {
    private RowHeap() {
    }

    /** Orders {@code heap[0 .. size-1]} into a heap, O(size). */
    static void build(int[] heap, int size, float[] key) {
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(heap, size, i, key);
        }
    }

    /** Removes the top ({@code heap[0]}, read it first); returns the new size. */
    static int pop(int[] heap, int size, float[] key) {
        int last = size - 1;
        heap[0] = heap[last];
        siftDown(heap, last, 0, key);
        return last;
    }

    private static void siftDown(int[] heap, int size, int i, float[] key) {
        int item = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child], key)) {
                child++;
            }
            if (!before(heap[child], item, key)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }

    // Row a comes out before row b.
    private static boolean before(int a, int b, float[] key) {
        return key[a] > key[b] || (key[a] == key[b] && a < b);
    }
}
