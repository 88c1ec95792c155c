package org.rnnkernels.flink;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

import org.rnnkernels.CellType;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.io.ModelFiles;
import org.rnnkernels.io.TorchRnn;

/**
 * Where a job's model comes from: shipped to every parallel task with the job (it is serialized
 * with the operator), each task loads the model once when it opens. The file must be readable at
 * the same path on every TaskManager (a shared volume, or a file shipped with the job).
 */
@FunctionalInterface
public interface ModelSource extends Serializable {
    /** Loads the model; the caller owns it and closes it. */
    RecurrentModel load() throws IOException;

    /** A model file written by {@link ModelFiles#save} (any cell, any stack). */
    static ModelSource libraryFile(Path file) {
        String path = requireFile(file).toString();   // Path is not Serializable: the string travels
        return new Described(() -> ModelFiles.load(Path.of(path)), "model file " + path);
    }

    /** A PyTorch {@code nn.RNN}/{@code nn.GRU}/{@code nn.LSTM} state dict (safetensors), its cell inferred. */
    static ModelSource torchStateDict(Path file) {
        return torchStateDict(file, "", null);
    }

    /**
     * A PyTorch state dict whose parameters carry {@code prefix} ("" for a bare one), built as
     * {@code cell} (null: inferred from the gate count); see {@link TorchRnn.Options}.
     */
    static ModelSource torchStateDict(Path file, String prefix, CellType cell) {
        String path = requireFile(file).toString();
        if (prefix == null) {
            throw new IllegalArgumentException("prefix is null: use \"\" for a bare state dict");
        }
        return new Described(() -> {
            TorchRnn.Options options = TorchRnn.options().prefix(prefix);
            return TorchRnn.load(Path.of(path), cell == null ? options : options.cell(cell));
        }, "PyTorch state dict " + path + (prefix.isEmpty() ? "" : " (prefix " + prefix + ")"));
    }

    private static Path requireFile(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("file is null");
        }
        return file.toAbsolutePath();
    }

    /** A source that names itself in messages (the file it reads). */
    record Described(ModelSource loader, String description) implements ModelSource {
        @Override
        public RecurrentModel load() throws IOException {
            return loader.load();
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
