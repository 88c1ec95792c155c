package org.rnnkernels.flink.example;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Counts outputs and remembers when the first and the last arrived. The counters are static: they
 * are read by the program that started a local MiniCluster (same JVM); on a real cluster each
 * TaskManager counts its own and nobody reads them.
 */
final class CountingSink implements Sink<SensorScore> {
    private static final long serialVersionUID = 1L;

    static final LongAdder COUNT = new LongAdder();
    static final AtomicLong FIRST_NANOS = new AtomicLong();
    static final AtomicLong LAST_NANOS = new AtomicLong();
    /** Keeps the scores from being optimised away, and is a cheap checksum of a run. */
    static final AtomicLong SCORE_BITS = new AtomicLong();

    static void reset() {
        COUNT.reset();
        FIRST_NANOS.set(0);
        LAST_NANOS.set(0);
        SCORE_BITS.set(0);
    }

    @Override
    public SinkWriter<SensorScore> createWriter(WriterInitContext context) {
        return new SinkWriter<>() {
            private long count;
            private long bits;

            @Override
            public void write(SensorScore score, Context c) {
                long now = System.nanoTime();
                FIRST_NANOS.compareAndSet(0, now);
                bits += Float.floatToRawIntBits(score.score);
                if (++count == 256) {
                    publish(now);
                }
            }

            private void publish(long now) {
                COUNT.add(count);
                SCORE_BITS.addAndGet(bits);
                LAST_NANOS.accumulateAndGet(now, Math::max);
                count = 0;
                bits = 0;
            }

            @Override
            public void flush(boolean endOfInput) {
                if (count > 0) {
                    publish(System.nanoTime());
                }
            }

            @Override
            public void close() {
                if (count > 0) {
                    publish(System.nanoTime());
                }
            }
        };
    }
}
