package org.rnnkernels.lightrnn;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.jgrapht.Graph;
import org.jgrapht.alg.interfaces.MatchingAlgorithm;
import org.jgrapht.alg.matching.KuhnMunkresMinimalWeightBipartitePerfectMatching;
import org.jgrapht.graph.DefaultWeightedEdge;
import org.jgrapht.graph.SimpleWeightedGraph;

/**
 * LightRNN's word reallocation (Li et al. 2016, section 3.3): a new {@link WordTable} minimising
 * {@code sum_w cost(w, (row(w), col(w)))} over the allocations of {@code V} words to distinct cells of the
 * {@code R x C} table, with the costs of {@link WordCellCosts} in either form. Every solver reads the costs
 * {@value #BLOCK_WORDS} words at a time ({@code WordCellCosts.costRows}; from {@link ReallocationSums}, two sgemms
 * a block), so with the sums its memory is linear in {@code V}: it never holds {@code V x (R + C)} costs. Three solvers:
 * <ul>
 *   <li>{@link #exact}: the minimum-cost perfect matching of words to cells (Kuhn-Munkres, JGraphT's
 *       {@link KuhnMunkresMinimalWeightBipartitePerfectMatching}, {@code O(n^3)} time and a complete
 *       bipartite graph of {@code n^2} edges for {@code n = R*C}; the {@code R*C - V} empty cells are taken
 *       by zero-cost placeholder words). For tables of at most {@value #MAX_EXACT_CELLS} cells.</li>
 *   <li>{@link #greedy}: the authors' approximation, sort the (word, cell) pairs by cost and take each pair
 *       whose word and cell are both still free, done in rounds so that not all {@code V*R*C} pairs need
 *       sorting (see the method). {@code O(V*R*C)} per round, a few rounds.</li>
 *   <li>{@link #largestStakeFirst}: the words that stand to lose most by a bad cell placed first, each in its
 *       cheapest free cell. The costs are sums over a word's occurrences, so the authors' sort by cost places
 *       the rare words (small sums) first and leaves the frequent ones what is left: on Europarl
 *       ({@code bin/bench wordlm}, V = 3,052 in a 56 x 56 table, after one epoch) {@link #greedy} raised the
 *       table's cost from 5.1 to 8.2 nats a word, above the allocation it replaced. {@code O(V (R log R + C log C))}
 *       plus the probes of occupied cells, memory {@code O(V + R*C)} beside the costs; two passes over the
 *       words' costs (the stakes in id order, then the placements in stake order, each word's costs read again),
 *       {@code 2 V (R + C) H} multiply-adds from the sums.</li>
 * </ul>
 * Each result is a valid allocation; the exact one is never costlier than any other, the two greedy ones
 * never cheaper than the exact one and without a bound relative to it.
 */
public final class Reallocation {
    /**
     * Largest table {@link #exact} takes, {@code R*C} (so {@code V <= 400}, a 20 x 20 table): JGraphT's solve
     * grows as {@code n^3} and was measured here (noisy shared 2-vCPU VM) at 0.05-0.1 s for 100 cells, 2-3 s
     * for 324 and 75-100 s for 1024; beyond, {@link #greedy} (under 25 ms at 1000 words).
     */
    public static final int MAX_EXACT_CELLS = 400;
    /** Candidate cells per word in the greedy's first round; doubled every round. */
    static final int FIRST_CANDIDATES = 8;
    // The greedy's sort keys: cost bits above, the pair's index in the low INDEX_BITS.
    private static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    private static final int MAX_PAIRS = 1 << INDEX_BITS;
    /**
     * Words whose costs the solvers read at a time ({@code WordCellCosts.costRows}): {@code 256 (R + C)} floats, and
     * for {@link ReallocationSums} one sgemm of {@code 256 x H x R} (and {@code C}) each.
     */
    static final int BLOCK_WORDS = 256;

    private Reallocation() {
    }

    /** {@link #exact} for tables of at most {@link #MAX_EXACT_CELLS} cells, else {@link #greedy}. */
    public static WordTable best(WordCellCosts costs) {
        checkCosts(costs);
        return (long) costs.rows() * costs.columns() <= MAX_EXACT_CELLS ? exact(costs) : greedy(costs);
    }

    /**
     * The allocation of least total cost, exactly.
     *
     * @throws IllegalArgumentException for {@code R*C > }{@link #MAX_EXACT_CELLS}
     */
    public static WordTable exact(WordCellCosts costs) {
        checkCosts(costs);
        int rows = costs.rows();
        int columns = costs.columns();
        long cellCount = (long) rows * columns;
        if (cellCount > MAX_EXACT_CELLS) {
            throw new IllegalArgumentException("an " + rows + " x " + columns + " table has " + cellCount
                    + " cells, more than the exact solver's " + MAX_EXACT_CELLS + ": use greedy");
        }
        int n = (int) cellCount;
        int vocabulary = costs.vocabularySize();
        Block block = new Block(costs, vocabulary);     // V <= 400: every word's costs at once
        block.load(identity(vocabulary), 0, vocabulary);
        // Vertices 0 .. n-1: words (V and up: placeholders for the empty cells); n .. 2n-1: cells.
        Graph<Integer, DefaultWeightedEdge> graph = new SimpleWeightedGraph<>(DefaultWeightedEdge.class);
        Set<Integer> words = new HashSet<>();
        Set<Integer> cells = new HashSet<>();
        for (int i = 0; i < n; i++) {
            graph.addVertex(i);
            graph.addVertex(n + i);
            words.add(i);
            cells.add(n + i);
        }
        for (int w = 0; w < n; w++) {
            for (int cell = 0; cell < n; cell++) {
                DefaultWeightedEdge edge = graph.addEdge(w, n + cell);
                graph.setEdgeWeight(edge, w < vocabulary ? block.cost(w, cell / columns, cell % columns) : 0);
            }
        }
        MatchingAlgorithm.Matching<Integer, DefaultWeightedEdge> matching =
                new KuhnMunkresMinimalWeightBipartitePerfectMatching<>(graph, words, cells).getMatching();
        int[] rowOf = new int[vocabulary];
        int[] colOf = new int[vocabulary];
        for (DefaultWeightedEdge edge : matching.getEdges()) {
            int a = graph.getEdgeSource(edge);
            int b = graph.getEdgeTarget(edge);
            int w = Math.min(a, b);
            int cell = Math.max(a, b) - n;
            if (w < vocabulary) {
                rowOf[w] = cell / columns;
                colOf[w] = cell % columns;
            }
        }
        return WordTable.of(rows, columns, rowOf, colOf);
    }

    /**
     * A good allocation, fast: the authors' greedy (sort every (word, cell) pair by cost, scan in that order,
     * assign a pair when its word and its cell are both free), computed in rounds. Round {@code k} lists, for
     * every word still unassigned, its {@code m_k} cheapest free cells ({@code m_1 = }{@value #FIRST_CANDIDATES},
     * doubling each round), sorts those pairs by cost (to a relative 2^-28; ties in a fixed order) and scans them as above.
     * Most words get one of their first few cells, so round 1 places nearly all; a word whose candidates
     * were all taken waits for the next round. Once {@code m_k} reaches the number of free cells a round
     * places every remaining word, so there are at most {@code log2(R*C) - 2} rounds. The result is that of the
     * full sort except where a word ran out of candidates in a round, and like it has no bound relative to
     * the optimum (it is never below the {@link #exact} cost).
     */
    public static WordTable greedy(WordCellCosts costs) {
        checkCosts(costs);
        int rows = costs.rows();
        int columns = costs.columns();
        int cellCount = rows * columns;
        int vocabulary = costs.vocabularySize();
        int[] cellWord = new int[cellCount];
        Arrays.fill(cellWord, -1);
        int[] rowOf = new int[vocabulary];
        int[] colOf = new int[vocabulary];
        boolean[] placed = new boolean[vocabulary];
        int[] pending = new int[vocabulary];
        for (int w = 0; w < vocabulary; w++) {
            pending[w] = w;
        }
        int pendingCount = vocabulary;
        int[] freeCells = new int[cellCount];
        Block block = new Block(costs, Math.min(vocabulary, BLOCK_WORDS));
        int candidates = FIRST_CANDIDATES;
        while (pendingCount > 0) {
            int freeCount = 0;
            for (int cell = 0; cell < cellCount; cell++) {
                if (cellWord[cell] < 0) {
                    freeCells[freeCount++] = cell;
                }
            }
            // m candidates for each pending word, at most MAX_PAIRS pairs in all (the index must fit the key)
            int m = Math.max(1, Math.min(Math.min(candidates, freeCount), MAX_PAIRS / pendingCount));
            int pairs = pendingCount * m;
            int[] pairCell = new int[pairs];
            long[] keys = new long[pairs];
            double[] heapCost = new double[m];
            int[] heapCell = new int[m];
            for (int i = 0; i < pendingCount; i++) {
                int b = i % block.capacity;
                if (b == 0) {
                    block.load(pending, i, Math.min(block.capacity, pendingCount - i));
                }
                cheapestCells(block, b, freeCells, freeCount, m, heapCost, heapCell);
                for (int j = 0; j < m; j++) {
                    int p = i * m + j;
                    pairCell[p] = heapCell[j];
                    // sort key: the cost's order-preserving bits, their low INDEX_BITS replaced by the pair
                    // (relative resolution 2^-28 of the cost; ties by pair index, so deterministic)
                    keys[p] = (sortableBits(heapCost[j]) & ~INDEX_MASK) | p;
                }
            }
            Arrays.sort(keys);
            for (long key : keys) {
                int p = (int) (key & INDEX_MASK);
                int w = pending[p / m];
                int cell = pairCell[p];
                if (!placed[w] && cellWord[cell] < 0) {
                    cellWord[cell] = w;
                    placed[w] = true;
                    rowOf[w] = cell / columns;
                    colOf[w] = cell % columns;
                }
            }
            int still = 0;
            for (int i = 0; i < pendingCount; i++) {
                if (!placed[pending[i]]) {
                    pending[still++] = pending[i];
                }
            }
            pendingCount = still;
            candidates = (int) Math.min((long) candidates * 2, cellCount);
        }
        return WordTable.of(rows, columns, rowOf, colOf);
    }

    /**
     * A good allocation for large tables: the words in decreasing order of their stake, each placed in the
     * cheapest cell still free. A word's stake is what a random cell would cost it above its cheapest one,
     * {@code (mean_r l_r - min_r l_r) + (mean_c l_c - min_c l_c)}: it grows with the word's occurrences, so frequent
     * words (whose costs decide the corpus's loss) take their best cells, and words never seen (all costs 0) take
     * what is left. A word's cheapest free cell is found by scanning its rows in increasing {@code l_r}, in each
     * the first free column in increasing {@code l_c}, and stopping once {@code l_r + min_c l_c} is not below the best
     * found. What it gives up against {@link #exact}: a frequent word never yields its cell to a rarer one, even
     * when that would lower the total (as a matching would), and ties of stake go by word id.
     */
    public static WordTable largestStakeFirst(WordCellCosts costs) {
        checkCosts(costs);
        int rows = costs.rows();
        int columns = costs.columns();
        int vocabulary = costs.vocabularySize();
        if (vocabulary > WORD_MASK) {
            throw new IllegalArgumentException("V = " + vocabulary + ", more than the " + WORD_MASK + " words largestStakeFirst sorts");
        }
        Block block = new Block(costs, Math.min(vocabulary, BLOCK_WORDS));
        float[] rowCost = block.rowCost;
        float[] columnCost = block.columnCost;
        // Pass 1, words in id order: the stakes.
        int[] words = identity(vocabulary);
        long[] order = new long[vocabulary];
        for (int w = 0; w < vocabulary; w++) {
            int b = w % block.capacity;
            if (b == 0) {
                block.load(words, w, Math.min(block.capacity, vocabulary - w));
            }
            double stake = stake(rowCost, b * rows, rows) + stake(columnCost, b * columns, columns);
            // sort key: -stake's order-preserving bits with the word id in the low bits (ties by id)
            order[w] = (sortableBits(-stake) & ~WORD_MASK) | w;
        }
        Arrays.sort(order);
        for (int p = 0; p < vocabulary; p++) {
            words[p] = (int) (order[p] & WORD_MASK);
        }
        order = null;   // V longs the second pass does not need
        // Pass 2, words in stake order: each in its cheapest free cell (its costs computed again, a block at a time).
        boolean[] taken = new boolean[rows * columns];
        int[] freeInRow = new int[rows];
        Arrays.fill(freeInRow, columns);
        int[] rowOrder = new int[rows];
        int[] columnOrder = new int[columns];
        long[] keys = new long[Math.max(rows, columns)];
        int[] rowOf = new int[vocabulary];
        int[] colOf = new int[vocabulary];
        for (int p = 0; p < vocabulary; p++) {
            int b = p % block.capacity;
            if (b == 0) {
                block.load(words, p, Math.min(block.capacity, vocabulary - p));
            }
            int w = words[p];
            int r0 = b * rows;
            int c0 = b * columns;
            ascending(rowCost, r0, rows, keys, rowOrder);
            ascending(columnCost, c0, columns, keys, columnOrder);
            double cheapestColumn = columnCost[c0 + columnOrder[0]];
            double best = Double.POSITIVE_INFINITY;
            int bestCell = -1;
            for (int r : rowOrder) {
                double lr = rowCost[r0 + r];
                if (lr + cheapestColumn >= best) {
                    break;
                }
                if (freeInRow[r] == 0) {
                    continue;
                }
                for (int c : columnOrder) {
                    if (!taken[r * columns + c]) {
                        double cost = lr + columnCost[c0 + c];
                        if (cost < best) {
                            best = cost;
                            bestCell = r * columns + c;
                        }
                        break;   // the first free column in increasing l_c is this row's cheapest
                    }
                }
            }
            taken[bestCell] = true;
            freeInRow[bestCell / columns]--;
            rowOf[w] = bestCell / columns;
            colOf[w] = bestCell % columns;
        }
        return WordTable.of(rows, columns, rowOf, colOf);
    }

    /**
     * The costs of up to {@code capacity} words at a time ({@code WordCellCosts.costRows}): {@code rowCost [capacity][R]},
     * {@code columnCost [capacity][C]}. The solvers read every word's costs through one, so that no more than a
     * block of {@code V x (R + C)} is ever held.
     */
    private static final class Block {
        final WordCellCosts costs;
        final int capacity;
        final int rows;
        final int columns;
        final float[] rowCost;
        final float[] columnCost;
        final float[] scratch;

        Block(WordCellCosts costs, int capacity) {
            this.costs = costs;
            this.capacity = capacity;
            this.rows = costs.rows();
            this.columns = costs.columns();
            this.rowCost = new float[Math.multiplyExact(capacity, rows)];
            this.columnCost = new float[Math.multiplyExact(capacity, columns)];
            this.scratch = new float[Math.multiplyExact(capacity, costs.scratchPerWord())];
        }

        // the costs of words[from .. from+count), count <= capacity
        void load(int[] words, int from, int count) {
            costs.costRows(words, from, count, rowCost, columnCost, scratch);
        }

        // l_r + l_c of the block's word b in cell (r, c)
        double cost(int b, int r, int c) {
            return (double) rowCost[b * rows + r] + columnCost[b * columns + c];
        }
    }

    private static int[] identity(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        return ids;
    }

    // Word ids in the low bits of largestStakeFirst's sort keys; indices in those of ascending's.
    private static final long WORD_MASK = (1L << 24) - 1;

    // mean - min of n costs
    private static double stake(float[] cost, int from, int n) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            sum += cost[i];
            min = Math.min(min, cost[i]);
        }
        return sum / n - min;
    }

    // order[0 .. n) = the indices of cost[from .. from+n) by increasing cost (ties by index), via keys[0 .. n).
    private static void ascending(float[] cost, int from, int n, long[] keys, int[] order) {
        for (int i = 0; i < n; i++) {
            keys[i] = (sortableBits(cost[from + i]) & ~WORD_MASK) | i;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) {
            order[i] = (int) (keys[i] & WORD_MASK);
        }
    }

    // The m cheapest of the free cells for word b of the block, into cost/cell (unordered), by a max-heap of size m.
    // A row whose cost plus the word's cheapest column already exceeds the heap's worst is skipped whole.
    private static void cheapestCells(Block block, int b, int[] freeCells, int freeCount, int m, double[] cost, int[] cell) {
        int rows = block.rows;
        int columns = block.columns;
        float[] rowCost = block.rowCost;
        float[] columnCost = block.columnCost;
        double minColumn = Double.POSITIVE_INFINITY;
        for (int c = 0; c < columns; c++) {
            minColumn = Math.min(minColumn, columnCost[b * columns + c]);
        }
        int size = 0;
        int i = 0;
        while (i < freeCount) {
            int r = freeCells[i] / columns;
            double lr = rowCost[b * rows + r];
            if (size == m && lr + minColumn >= cost[0]) {
                while (i < freeCount && freeCells[i] / columns == r) {
                    i++;
                }
                continue;
            }
            for (; i < freeCount && freeCells[i] / columns == r; i++) {
                int f = freeCells[i];
                double x = lr + columnCost[b * columns + f % columns];
                if (size < m) {
                    cost[size] = x;
                    cell[size] = f;
                    siftUp(cost, cell, size++);
                } else if (x < cost[0]) {
                    cost[0] = x;
                    cell[0] = f;
                    siftDown(cost, cell, size);
                }
            }
        }
    }

    private static void siftUp(double[] cost, int[] cell, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (cost[parent] >= cost[i]) {
                return;
            }
            swap(cost, cell, parent, i);
            i = parent;
        }
    }

    private static void siftDown(double[] cost, int[] cell, int size) {
        int i = 0;
        while (true) {
            int largest = i;
            int left = 2 * i + 1;
            int right = left + 1;
            if (left < size && cost[left] > cost[largest]) {
                largest = left;
            }
            if (right < size && cost[right] > cost[largest]) {
                largest = right;
            }
            if (largest == i) {
                return;
            }
            swap(cost, cell, i, largest);
            i = largest;
        }
    }

    private static void swap(double[] cost, int[] cell, int a, int b) {
        double c = cost[a];
        cost[a] = cost[b];
        cost[b] = c;
        int t = cell[a];
        cell[a] = cell[b];
        cell[b] = t;
    }

    // The bits of x as a long whose signed order is the order of the doubles (negatives' magnitude bits flipped).
    private static long sortableBits(double x) {
        long bits = Double.doubleToLongBits(x);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }

    private static void checkCosts(WordCellCosts costs) {
        if (costs == null) {
            throw new IllegalArgumentException("costs is null");
        }
    }
}
