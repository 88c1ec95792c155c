package org.rnnkernels.io;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An opened, fully validated safetensors file, with every tensor already loaded and converted to
 * float32; immutable. No file handle is held: {@link SafeTensors#read} closes the file before returning.
 *
 * <p>{@link #names()} is in header order (the order of the keys in the file's JSON header; files from
 * {@link SafeTensors#write} have their names sorted). {@link #get} returns a fresh copy each call, so a
 * caller that packs or scales the data in place cannot change what the next caller sees.
 */
public final class TensorFile {
    /** One loaded tensor: the dtype as stored, and its data already converted to float32. */
    record Entry(String dtype, long[] shape, float[] data) {
    }

    private final Path path;
    private final Map<String, String> metadata;
    private final Map<String, Entry> entries;

    TensorFile(Path path, Map<String, String> metadata, LinkedHashMap<String, Entry> entries) {
        this.path = path;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.entries = Collections.unmodifiableMap(entries);
    }

    public Path path() {
        return path;
    }

    /** The header's {@code "__metadata__"} object, in header order; empty if the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return entries.keySet();
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * The dtype as stored in the file: "F32", "F16", "BF16" or "F64".
     *
     * @throws IllegalArgumentException if the file holds no tensor of that name
     */
    public String dtype(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": tensor '" + name + "': no such tensor in the file");
        }
        return e.dtype();
    }

    /**
     * The tensor as float32, a fresh copy.
     *
     * @throws SafeTensorsException naming the file and the tensor if the file holds no tensor of that name
     */
    public Tensor get(String name) throws SafeTensorsException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new SafeTensorsException(path, name, "no such tensor in the file (it has " + entries.size()
                    + (entries.size() == 1 ? " tensor)" : " tensors)"));
        }
        return new Tensor(e.shape(), e.data().clone());
    }

    @Override
    public String toString() {
        return "TensorFile[" + path + ", " + entries.size() + " tensors]";
    }
}
