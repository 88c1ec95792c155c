package org.rnnkernels.flink;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One key's recurrent state ({@link StateLayout}) in keyed state: exactly {@code 4 * length} bytes,
 * the floats' IEEE bits big-endian (as {@code DataOutput.writeFloat}), with no length, tag or class
 * name, since the layout is fixed and travels once, in the serializer's snapshot. Bits survive
 * unchanged (NaN payloads included), so a restored key continues bit for bit.
 *
 * <p>Holds a byte buffer: one instance per thread ({@link #duplicate()} gives a new one).
 */
public final class RecurrentStateSerializer extends TypeSerializer<float[]> {
    private static final long serialVersionUID = 1L;
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.BIG_ENDIAN);

    private final StateLayout layout;
    private transient byte[] buffer;

    public RecurrentStateSerializer(StateLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("layout is null");
        }
        this.layout = layout;
    }

    public StateLayout layout() {
        return layout;
    }

    private byte[] buffer() {
        byte[] b = buffer;
        if (b == null) {
            b = new byte[Float.BYTES * layout.length()];
            buffer = b;
        }
        return b;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<float[]> duplicate() {
        return new RecurrentStateSerializer(layout);
    }

    @Override
    public float[] createInstance() {
        return new float[layout.length()];
    }

    @Override
    public float[] copy(float[] from) {
        return from.clone();
    }

    @Override
    public float[] copy(float[] from, float[] reuse) {
        if (reuse == null || reuse.length != from.length) {
            return from.clone();
        }
        System.arraycopy(from, 0, reuse, 0, from.length);
        return reuse;
    }

    @Override
    public int getLength() {
        return Float.BYTES * layout.length();
    }

    @Override
    public void serialize(float[] record, DataOutputView target) throws IOException {
        int n = layout.length();
        if (record.length != n) {
            throw new IOException("a recurrent state of " + record.length + " floats, expected " + n + " for layout " + layout);
        }
        byte[] b = buffer();
        for (int i = 0; i < n; i++) {
            FLOATS.set(b, i * Float.BYTES, record[i]);
        }
        target.write(b, 0, b.length);
    }

    @Override
    public float[] deserialize(DataInputView source) throws IOException {
        return deserialize(null, source);
    }

    @Override
    public float[] deserialize(float[] reuse, DataInputView source) throws IOException {
        int n = layout.length();
        float[] into = reuse != null && reuse.length == n ? reuse : new float[n];
        byte[] b = buffer();
        source.readFully(b, 0, b.length);
        for (int i = 0; i < n; i++) {
            into[i] = (float) FLOATS.get(b, i * Float.BYTES);
        }
        return into;
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        target.write(source, getLength());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecurrentStateSerializer other && layout.equals(other.layout);
    }

    @Override
    public int hashCode() {
        return layout.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
        return new Snapshot(layout);
    }

    /**
     * The serializer's configuration in a checkpoint: the layout. A restore with the same layout reads
     * the bytes as they are; another layout (a model of other sizes, layers or cell kind) cannot read
     * them, and the restore fails rather than reading floats into the wrong places.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<float[]> {
        private static final int VERSION = 1;
        private StateLayout layout;

        /** For Flink, which reads the snapshot into an empty instance. */
        public Snapshot() {
        }

        Snapshot(StateLayout layout) {
            this.layout = layout;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            layout.write(out);
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
            if (readVersion != VERSION) {
                throw new IOException("recurrent state serializer snapshot version " + readVersion + ", this build reads " + VERSION);
            }
            layout = StateLayout.read(in);
        }

        @Override
        public TypeSerializer<float[]> restoreSerializer() {
            return new RecurrentStateSerializer(layout);
        }

        @Override
        public TypeSerializerSchemaCompatibility<float[]> resolveSchemaCompatibility(TypeSerializerSnapshot<float[]> oldSnapshot) {
            return oldSnapshot instanceof Snapshot old && layout.equals(old.layout)
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
