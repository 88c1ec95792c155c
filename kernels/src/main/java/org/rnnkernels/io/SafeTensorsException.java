package org.rnnkernels.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that cannot be read: malformed, unsupported, or asked for a tensor it does not hold.
 * The message is {@code "<file>: tensor '<name>': <problem>"}, or {@code "<file>: <problem>"} when the
 * problem is not about one tensor, so a log line alone says which file to look at and why.
 */
public final class SafeTensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;
    private final String problem;

    public SafeTensorsException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    public SafeTensorsException(Path file, String tensor, String problem, Throwable cause) {
        super(message(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
        this.problem = problem;
    }

    private static String message(Path file, String tensor, String problem) {
        return tensor == null ? file + ": " + problem : file + ": tensor '" + tensor + "': " + problem;
    }

    public Path file() {
        return file;
    }

    /** The tensor the problem is about, or null when it is about the file as a whole. */
    public String tensor() {
        return tensor;
    }

    public String problem() {
        return problem;
    }
}
