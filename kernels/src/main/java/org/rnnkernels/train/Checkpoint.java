package org.rnnkernels.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rnnkernels.internal.Checks;
import org.rnnkernels.io.SafeTensors;
import org.rnnkernels.io.SafeTensorsException;
import org.rnnkernels.io.Tensor;
import org.rnnkernels.io.TensorFile;

/**
 * A training run saved to continue where it stopped: the model (as {@link TrainingModel#save} writes it, so a
 * checkpoint is also a model file that {@link TrainingModel#load} and {@code ModelFiles.load} read), Adam's
 * state (both moments of every parameter, the step count {@code t}, the learning rate and betas), and the
 * caller's iteration count. Resuming gives the same parameters, bit for bit, as not having stopped, given the
 * same batches from there on (the data stream is the caller's to restore).
 *
 * <pre>{@code
 * Checkpoint.save(file, model, adam, iteration);            // atomically
 * Checkpoint c = Checkpoint.load(file);                     // c.model(), c.adam(), c.iteration()
 * }</pre>
 */
public record Checkpoint(TrainingModel model, Adam adam, long iteration) {
    static final String PREFIX = "optimizer.adam.";

    public Checkpoint {
        Checks.nonNull("model", model);
        Checks.nonNull("adam", adam);
        if (!adam.parameters().equals(model.parameters())) {
            throw new IllegalArgumentException("adam must be built on the model's parameters()");
        }
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration = " + iteration + ", expected >= 0");
        }
    }

    /** Writes {@code model} with {@code adam}'s state and {@code iteration} to {@code file}, atomically. */
    public static void save(Path file, TrainingModel model, Adam adam, long iteration) throws IOException {
        new Checkpoint(model, adam, iteration);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<Parameter> parameters = model.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            long[] shape = {parameters.get(i).size()};
            tensors.put(PREFIX + "m." + i, new Tensor(shape, adam.firstMoment(i)));
            tensors.put(PREFIX + "v." + i, new Tensor(shape, adam.secondMoment(i)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(PREFIX + "steps", Long.toString(adam.steps()));
        metadata.put(PREFIX + "lr", Double.toString(adam.learningRate()));
        metadata.put(PREFIX + "beta1", Double.toString(adam.beta1()));
        metadata.put(PREFIX + "beta2", Double.toString(adam.beta2()));
        metadata.put(PREFIX + "eps", Double.toString(adam.eps()));
        metadata.put("iteration", Long.toString(iteration));
        model.save(file, tensors, metadata);
    }

    /**
     * Reads a file written by {@link #save}.
     *
     * @throws SafeTensorsException naming the file and what is missing or wrong (a model file without an
     *                              optimiser state, a moment of the wrong size)
     */
    public static Checkpoint load(Path file) throws IOException {
        TrainingModel model = TrainingModel.load(file);
        TensorFile tensors = SafeTensors.read(file);
        Map<String, String> meta = tensors.metadata();
        for (String key : List.of(PREFIX + "steps", PREFIX + "lr", PREFIX + "beta1", PREFIX + "beta2", PREFIX + "eps",
                "iteration")) {
            if (!meta.containsKey(key)) {
                throw new SafeTensorsException(file, null, "metadata " + key + " missing: a model file, not a checkpoint "
                        + "written by Checkpoint.save");
            }
        }
        Adam adam;
        long iteration;
        try {
            adam = new Adam(model.parameters(), Double.parseDouble(meta.get(PREFIX + "lr")),
                    Double.parseDouble(meta.get(PREFIX + "beta1")), Double.parseDouble(meta.get(PREFIX + "beta2")),
                    Double.parseDouble(meta.get(PREFIX + "eps")));
            adam.resumeAt(Long.parseLong(meta.get(PREFIX + "steps")));
            iteration = Long.parseLong(meta.get("iteration"));
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(file, null, "optimiser metadata: " + e.getMessage());
        }
        List<Parameter> parameters = model.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            restore(file, tensors, PREFIX + "m." + i, adam.firstMoment(i));
            restore(file, tensors, PREFIX + "v." + i, adam.secondMoment(i));
        }
        try {
            return new Checkpoint(model, adam, iteration);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(file, null, e.getMessage());
        }
    }

    private static void restore(Path file, TensorFile tensors, String name, float[] into) throws SafeTensorsException {
        if (!tensors.contains(name)) {
            throw new SafeTensorsException(file, name, name + " missing: the optimiser state is incomplete");
        }
        float[] data = tensors.get(name).data();
        if (data.length != into.length) {
            throw new SafeTensorsException(file, name, name + " has " + data.length + " floats, expected " + into.length
                    + " (the parameter's size)");
        }
        System.arraycopy(data, 0, into, 0, into.length);
    }
}
