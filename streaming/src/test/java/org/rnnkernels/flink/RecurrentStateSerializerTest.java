package org.rnnkernels.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.SplittableRandom;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class RecurrentStateSerializerTest {
    private static final StateLayout GRU_2 = new StateLayout(new int[] {5, 3}, new boolean[] {false, false});
    private static final StateLayout LSTM_2 = new StateLayout(new int[] {5, 3}, new boolean[] {true, true});

    private static float[] values(StateLayout layout, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[layout.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    @Test
    void layoutPutsEachLayersHThenItsC() {
        assertEquals(8, GRU_2.length());
        assertEquals(16, LSTM_2.length());
        assertEquals(0, LSTM_2.hiddenOffset(0));
        assertEquals(5, LSTM_2.cellOffset(0));
        assertEquals(10, LSTM_2.hiddenOffset(1));
        assertEquals(13, LSTM_2.cellOffset(1));
        assertEquals(-1, GRU_2.cellOffset(1));
        assertEquals(5, GRU_2.hiddenOffset(1));
    }

    @Test
    void roundTripKeepsEveryBitInFourBytesAFloat() throws IOException {
        for (StateLayout layout : new StateLayout[] {GRU_2, LSTM_2}) {
            RecurrentStateSerializer serializer = new RecurrentStateSerializer(layout);
            float[] v = values(layout, 7);
            v[1] = Float.intBitsToFloat(0x7fc01234);   // a NaN with a payload
            v[2] = -0f;
            v[3] = Float.MIN_VALUE;
            DataOutputSerializer out = new DataOutputSerializer(16);
            serializer.serialize(v, out);
            serializer.serialize(values(layout, 8), out);
            assertEquals(2 * 4 * layout.length(), out.length(), "bytes: 4 a float, nothing else");
            assertEquals(4 * layout.length(), serializer.getLength());

            DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
            float[] back = serializer.deserialize(in);
            float[] reused = serializer.deserialize(new float[layout.length()], in);
            assertEquals(0, in.available());
            for (int i = 0; i < v.length; i++) {
                assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]), "float " + i);
            }
            assertArrayEquals(values(layout, 8), reused);

            // copy(in, out) moves the bytes unchanged
            DataOutputSerializer copied = new DataOutputSerializer(4 * layout.length());
            serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
            assertArrayEquals(java.util.Arrays.copyOf(out.getCopyOfBuffer(), 4 * layout.length()), copied.getCopyOfBuffer());
        }
    }

    @Test
    void copiesAreIndependentAndDuplicatesAreEqualButSeparate() {
        RecurrentStateSerializer serializer = new RecurrentStateSerializer(LSTM_2);
        float[] v = values(LSTM_2, 3);
        float[] copy = serializer.copy(v);
        assertNotSame(v, copy);
        assertArrayEquals(v, copy);
        float[] reuse = new float[LSTM_2.length()];
        assertTrue(reuse == serializer.copy(v, reuse));
        assertArrayEquals(v, reuse);
        TypeSerializer<float[]> duplicate = serializer.duplicate();
        assertNotSame(serializer, duplicate);
        assertEquals(serializer, duplicate);
        assertEquals(serializer.hashCode(), duplicate.hashCode());
        assertEquals(LSTM_2.length(), serializer.createInstance().length);
    }

    @Test
    void aStateOfAnotherLengthIsRefused() {
        RecurrentStateSerializer serializer = new RecurrentStateSerializer(GRU_2);
        IOException e = assertThrows(IOException.class, () -> serializer.serialize(new float[3], new DataOutputSerializer(8)));
        assertTrue(e.getMessage().contains("3 floats, expected 8"), e.getMessage());
    }

    private static TypeSerializerSnapshot<float[]> writeAndRead(TypeSerializerSnapshot<float[]> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
                RecurrentStateSerializerTest.class.getClassLoader());
    }

    @Test
    void snapshotRestoresTheSerializerAndJudgesCompatibilityByLayout() throws IOException {
        TypeSerializerSnapshot<float[]> old = writeAndRead(new RecurrentStateSerializer(LSTM_2).snapshotConfiguration());
        assertEquals(new RecurrentStateSerializer(LSTM_2), old.restoreSerializer());

        TypeSerializerSchemaCompatibility<float[]> same = new RecurrentStateSerializer(LSTM_2).snapshotConfiguration()
                .resolveSchemaCompatibility(old);
        assertTrue(same.isCompatibleAsIs(), same.toString());

        // Same number of floats, other meaning (GRU of 2x(5+3) would not do either): incompatible.
        StateLayout otherSizes = new StateLayout(new int[] {3, 5}, new boolean[] {true, true});
        assertEquals(LSTM_2.length(), otherSizes.length());
        assertTrue(new RecurrentStateSerializer(otherSizes).snapshotConfiguration().resolveSchemaCompatibility(old).isIncompatible());
        assertTrue(new RecurrentStateSerializer(GRU_2).snapshotConfiguration().resolveSchemaCompatibility(old).isIncompatible());
    }
}
