package org.rnnkernels.bench;

import java.util.SplittableRandom;

/**
 * The random streams of one real-data run, all from its seed, in one place so that the run and the data
 * file its PyTorch peer reads draw the same orders: the head's seed, the stream of the data order (epoch
 * shuffles or window positions), and what is left for the layer's initial weights.
 */
record RunDraws(long headSeed, SplittableRandom order, SplittableRandom weights) {
    static RunDraws of(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long headSeed = random.split().nextLong();
        SplittableRandom order = random.split();
        return new RunDraws(headSeed, order, random);
    }
}
