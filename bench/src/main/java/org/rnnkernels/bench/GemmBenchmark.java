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
import org.openjdk.jmh.annotations.Warmup;
import org.rnnkernels.blas.Blas;
import org.rnnkernels.blas.Blas.Transpose;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.TorchInit;

/** Square sgemm {@code C = A * B}, n x n x n, one thread: OpenBLAS against the pure-Java GEMM. */
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

    private Blas impl;
    private float[] a;
    private float[] b;
    private float[] c;

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
    }

    @Benchmark
    public float sgemm() {
        impl.sgemm(Transpose.NO, Transpose.NO, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c[c.length - 1];
    }
}
