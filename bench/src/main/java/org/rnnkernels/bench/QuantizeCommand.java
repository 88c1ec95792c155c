package org.rnnkernels.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rnnkernels.ModelState;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.quant.IntegerLayer;
import org.rnnkernels.quant.IntegerWeights;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Tasks;
import org.rnnkernels.train.TrainingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench quantize}: a trained float RAG model on the adding problem (a file of {@code bench train
 * --save-models}: layers and head) quantised to integer layers ({@link IntegerLayer#quantize(RecurrentModel, int, int)}:
 * int8 weights, one power-of-two scale per gate block from the block's max |w|; the input range calibrated by
 * max |x| over the test inputs), and the test MSE of both on one test set, with the RMS difference of their
 * last-step {@code h}. The head stays float (it is not part of the recurrent layer).
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Quantises a trained float RAG model (bench train --save-models) to integer layers and reports"
                + " the float and integer test MSE on the adding problem.")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "model files written by bench train --save-models (adding problem)")
    List<Path> models;

    @Option(names = "--length", description = "sequence length T of the test set (default: ${DEFAULT-VALUE})")
    int length = 100;

    @Option(names = "--bits", split = ",", description = "fractional bits F to try (default: 8,10,12,14)")
    List<Integer> bits = List.of(8, 10, 12, 14);

    @Option(names = "--test-size", description = "test sequences (default: ${DEFAULT-VALUE})")
    int testSize = 1000;

    @Option(names = "--seed", description = "seed of the test set (default: ${DEFAULT-VALUE})")
    long seed = 20261205;

    @Option(names = "--input-coverage", paramLabel = "FRACTION", description = "calibrate the input range to hold this "
            + "fraction of the test inputs by magnitude, saturating the rest (percentile calibration; default "
            + "${DEFAULT-VALUE}: max-abs)")
    double inputCoverage = 1.0;

    @Override
    public Integer call() throws Exception {
        Tasks.Adding data = Tasks.adding(length, seed);
        float[] x = new float[length * testSize * Tasks.Adding.INPUT_SIZE];
        float[] y = new float[testSize];
        data.next(testSize, x, y);
        int inputBits = IntegerWeights.inputBitsFor(x, inputCoverage);
        System.out.printf(Locale.ROOT, "adding problem, T = %d, %d test sequences, inputs in +-2^%d (calibrated to hold "
                + "%s of them)%n", length, testSize, inputBits, inputCoverage == 1 ? "all" : inputCoverage * 100 + "%");
        System.out.println("model                                   F    float MSE   integer MSE  ratio   rms(h_T int - float)");
        for (Path file : models) {
            TrainingModel trained = TrainingModel.load(file);
            LinearHead head = trained.head();
            try (RecurrentModel floats = trained.toModel()) {
                int hidden = floats.directions() * floats.layer(floats.numLayers() - 1, 0).hiddenSize();
                float[] reference = lastStep(floats, x, hidden);
                double floatMse = mse(head, reference, y);
                for (int f : bits) {
                    try (RecurrentModel integer = IntegerLayer.quantize(floats, f, inputBits)) {
                        float[] h = lastStep(integer, x, hidden);
                        double integerMse = mse(head, h, y);
                        System.out.printf(Locale.ROOT, "%-38s %3d   %.6f   %.6f   %5.2f   %.3e%n", file.getFileName(), f, floatMse,
                                integerMse, integerMse / floatMse, rms(h, reference));
                    }
                }
            }
        }
        return 0;
    }

    // h of the last step of every test sequence, [testSize][hidden]
    private float[] lastStep(RecurrentModel model, float[] x, int hidden) {
        float[] out = new float[length * testSize * hidden];
        try (ModelState state = model.newState(testSize)) {
            model.forward(x, length, null, state, out);
        }
        return java.util.Arrays.copyOfRange(out, (length - 1) * testSize * hidden, out.length);
    }

    private double mse(LinearHead head, float[] h, float[] y) {
        float[] prediction = new float[testSize];
        head.forward(h, 0, testSize, prediction, 0);
        double sum = 0;
        for (int b = 0; b < testSize; b++) {
            double e = prediction[b] - y[b];
            sum += e * e;
        }
        return sum / testSize;
    }

    private static double rms(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum / a.length);
    }
}
