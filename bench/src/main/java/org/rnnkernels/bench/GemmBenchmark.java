package org.rnnkernels.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.TorchInit;

/**
 * Square sgemm {@code C = A * B}, n x n x n: OpenBLAS against the pure-Java GEMM, the machine's matrix-product
 * peak that the report measures the cells against. With {@code threads} above 1 the columns of B and C are
 * split into that many blocks, each a single-threaded sgemm on a thread of its own: how the library's layers
 * share a product between the threads of a team, so this is the peak those layers can reach.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {

    @Param({"openblas", "java"})
    public String blas;

    @Param({"512"})
    public int n;

    @Param({"1"})
    public int threads;

    private Blas impl;
    private float[] a;
    private float[] b;
    private float[] c;
    private java.util.concurrent.ExecutorService pool;
    private java.util.List<java.util.concurrent.Callable<Object>> blocks;

    @Setup(Level.Trial)
    public void setUp() {
        if (blas.equals("openblas")) {
            OpenBlas openBlas = OpenBlas.load().orElseThrow(() -> new IllegalStateException("OpenBLAS did not load"));
            OpenBlas.setThreads(1);
            impl = openBlas;
        } else {
            impl = Blases.java();
        }
        SplittableRandom random = new SplittableRandom(7);
        a = TorchInit.uniform(random, n * n, 1);
        b = TorchInit.uniform(random, n * n, 1);
        c = new float[n * n];
        if (threads > 1) {
            pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            blocks = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = n * t / threads;
                int width = n * (t + 1) / threads - from;
                // Row-major: columns [from, from + width) of B and C start at offset `from`, leading dimension n.
                blocks.add(() -> {
                    impl.sgemm(Transpose.NO, Transpose.NO, n, width, n, 1f, a, 0, n, b, from, n, 0f, c, from, n);
                    return null;
                });
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Benchmark
    public float sgemm() throws InterruptedException {
        if (pool == null) {
            impl.sgemm(Transpose.NO, Transpose.NO, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        } else {
            pool.invokeAll(blocks);
        }
        return c[c.length - 1];
    }
}
