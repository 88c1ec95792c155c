package org.rnnkernels.flink.example;

import java.util.SplittableRandom;

/** The example's event: the {@code seq}-th reading of sensor {@code sensor}. A Flink POJO. */
public class SensorReading {
    public long sensor;
    public long seq;
    public float[] values;

    public SensorReading() {
    }

    public SensorReading(long sensor, long seq, float[] values) {
        this.sensor = sensor;
        this.seq = seq;
        this.values = values;
    }

    /**
     * The {@code index}-th reading of a stream over {@code sensors} sensors, round robin: sensor
     * {@code index % sensors}, values drawn from {@code index} (the same stream on every run and in
     * every program that asks).
     */
    public static SensorReading generate(long index, int sensors, int features) {
        SplittableRandom random = new SplittableRandom(index);
        float[] values = new float[features];
        for (int i = 0; i < features; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return new SensorReading(index % sensors, index / sensors, values);
    }

    @Override
    public String toString() {
        return "SensorReading[" + sensor + "#" + seq + "]";
    }
}
