package org.rnnkernels.lightrnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;

/**
 * A measurement, not a check (runs only with {@code -Drnnkernels.reallocationScale=V[,V...]}): the memory of the
 * reallocation's costs as {@link ReallocationSums} against the table form ({@link ReallocationCosts}, computed,
 * not allocated), and the time of {@link Reallocation#largestStakeFirst} from the sums on one OpenBLAS thread, at
 * {@code R = C = ceil(sqrt(V))}, {@code H = 128} (bench wordlm's default), on synthetic sums: word {@code w} seen
 * {@code n_w ~ 10^7 / (w + 1)} times (Zipf), {@code Sr_w = n_w m_w} with {@code m_w} uniform in {@code (-0.3, 0.3)^H},
 * {@code Lr_w = n_w (log R + 1)} (the same for columns), {@code Yr, Yc} uniform in {@code +-1/sqrt(H)}.
 * {@code mvn -o -pl native,reference,kernels test-compile surefire:test@default-test -Dtest=ReallocationScaleTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Drnnkernels.reallocationScale=100000,1000000} (output in
 * {@code kernels/target/surefire-reports/*ReallocationScaleTest-output.txt}).
 */
@EnabledIfSystemProperty(named = "rnnkernels.reallocationScale", matches = ".+")
class ReallocationScaleTest {

    @Test
    void memoryAndTimeOfOneReallocation() {
        Blases.openBlas().ifPresent(blas -> OpenBlas.setThreads(1));
        System.out.println("BLAS " + Blases.get().info());
        for (String v : System.getProperty("rnnkernels.reallocationScale").split(",")) {
            measure(Integer.parseInt(v.strip()), 128);
        }
    }

    private static void measure(int vocabulary, int hidden) {
        int side = (int) Math.ceil(Math.sqrt(vocabulary));
        long tableBytes = 4L * vocabulary * (side + side);
        long sumsBytes = 8L * vocabulary * 2 + 4L * vocabulary * hidden * 2 + 4L * (side + side) * hidden;
        // largestStakeFirst beside the costs: sort keys and word order, rowOf/colOf, taken cells, one block of costs
        long solverBytes = 8L * vocabulary + 4L * vocabulary + 8L * vocabulary + (long) side * side
                + 4L * Reallocation.BLOCK_WORDS * (side + side + hidden);
        System.out.printf(Locale.ROOT, "V = %d, %d x %d, H = %d: table form %.1f MB, sums %.1f MB, largestStakeFirst's"
                        + " working memory %.1f MB%n", vocabulary, side, side, hidden, tableBytes / 1e6, sumsBytes / 1e6,
                solverBytes / 1e6);
        ReallocationSums sums = new ReallocationSums(vocabulary, side, side, hidden);
        assertEquals(sumsBytes, 8L * (sums.rowLse.length + sums.columnLse.length)
                + 4L * (sums.rowInputs.length + sums.columnInputs.length + sums.yr.length + sums.yc.length));
        SplittableRandom random = new SplittableRandom(vocabulary);
        float bound = (float) (1 / Math.sqrt(hidden));
        float[] yr = new float[side * hidden];
        float[] yc = new float[side * hidden];
        for (int i = 0; i < yr.length; i++) {
            yr[i] = (float) random.nextDouble(-bound, bound);
            yc[i] = (float) random.nextDouble(-bound, bound);
        }
        sums.beginOccurrences(yr, yc);
        for (int w = 0; w < vocabulary; w++) {
            double n = Math.max(1, Math.floor(1e7 / (w + 1)));
            sums.rowLse[w] = n * (Math.log(side) + 1);
            sums.columnLse[w] = n * (Math.log(side) + 1);
            for (int j = 0; j < hidden; j++) {
                sums.rowInputs[w * hidden + j] = (float) (n * random.nextDouble(-0.3, 0.3));
                sums.columnInputs[w * hidden + j] = (float) (n * random.nextDouble(-0.3, 0.3));
            }
        }
        WordTable first = WordTable.sequential(vocabulary);
        for (int run = 1; run <= (vocabulary > 100_000 ? 1 : 3); run++) {
            long start = System.nanoTime();
            WordTable table = Reallocation.largestStakeFirst(sums);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "V = %d: largestStakeFirst from the sums, run %d: %.2f s; cost %.4g -> %.4g%n",
                    vocabulary, run, seconds, sums.total(first), sums.total(table));
        }
    }
}
