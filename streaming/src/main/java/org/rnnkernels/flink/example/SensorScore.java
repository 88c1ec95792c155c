package org.rnnkernels.flink.example;

/** The example's output: the head's score of a reading. A Flink POJO. */
public class SensorScore {
    public long sensor;
    public long seq;
    public float score;

    public SensorScore() {
    }

    public SensorScore(long sensor, long seq, float score) {
        this.sensor = sensor;
        this.seq = seq;
        this.score = score;
    }

    @Override
    public String toString() {
        return "SensorScore[" + sensor + "#" + seq + " = " + score + "]";
    }
}
