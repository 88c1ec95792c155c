package org.rnnkernels.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnnkernels.CellType;
import org.rnnkernels.LayerState;
import org.rnnkernels.LayerWeights;
import org.rnnkernels.RecurrentLayer;
import org.rnnkernels.RecurrentModel;
import org.rnnkernels.blas.Blases;
import org.rnnkernels.blas.OpenBlas;
import org.rnnkernels.train.Adam;
import org.rnnkernels.train.LinearHead;
import org.rnnkernels.train.Loss;
import org.rnnkernels.train.MeanSquaredError;
import org.rnnkernels.train.Parameter;
import org.rnnkernels.train.ParameterGradients;
import org.rnnkernels.train.Tasks;
import org.rnnkernels.train.TorchInit;
import org.rnnkernels.train.Trainer;
import org.rnnkernels.train.TrainingLayer;
import org.rnnkernels.train.TrainingModel;
import org.rnnkernels.train.TrainingState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 6's diagnosis of the adding-problem plateau: trains one cell exactly as {@code bench train} does
 * ({@link TrainCommand}'s seeds, initialisation, data streams, loss, clipping and Adam: with the default
 * options the printed test MSE is the same run's), and every {@code --probe-every} steps measures on a
 * fixed probe batch (its own data stream, so probing does not change the training run):
 * <ul>
 *   <li>saturation: for the RAG cells the fraction of {@code hardtanh} inputs outside (-1, 1) (slope 0),
 *       of {@code S(v, q)} arguments with {@code |v| <= q} (blocked, slope 0), the fraction of steps on
 *       which the gate {@code a_z} receives no gradient at all, and the carry {@code dh'/dh} of the direct
 *       path; for GRU the gate {@code z} and the tanh's slope;</li>
 *   <li>gradient flow, loss-free: {@code d pred / d x_value} at the first and the second marker (the
 *       task needs 1 and 1) and elsewhere (needs 0), from one kernel backward with {@code d pred = 1};
 *       and {@code ||d pred / d h_t||} at split points {@code t}, as {@code dInitialH} of a kernel
 *       forward + backward over the suffix started from the probe's {@code h_t};</li>
 *   <li>state: mean {@code |h|}, the fraction of units at the clip, the head's weight norm, and the
 *       training gradient's norm before clipping.</li>
 * </ul>
 * The pre-activations are recomputed in double from the weights and the kernel's {@code h_t}; the
 * largest difference between the recomputed {@code h_{t+1}} and the kernel's is printed as a check.
 *
 * <p>Hypothesis options change only the initial values, after every random draw (the streams stay those
 * of {@code bench train}); none changes a cell's equations or the library's defaults.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * bench/target/benchmarks.jar org.rnnkernels.bench.RagDiagnosis --cell RAG_MINIMAL --length 200 --seed 1}
 */
@Command(name = "rag-diagnosis", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains one cell on the adding problem like 'bench train' and probes saturation and gradient flow.")
final class RagDiagnosis implements Callable<Integer> {
    @Option(names = "--cell", description = "RAG_MINIMAL (default), RAG_GRU or GRU")
    CellType cell = CellType.RAG_MINIMAL;

    @Option(names = "--length", description = "sequence length T (default: ${DEFAULT-VALUE})")
    int steps = 200;

    @Option(names = "--hidden", description = "hidden size (default: ${DEFAULT-VALUE})")
    int hidden = 64;

    @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch = 64;

    @Option(names = "--iterations", description = "training steps (default: ${DEFAULT-VALUE})")
    int iterations = 3000;

    @Option(names = "--seed", description = "bench train's seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--lr", description = "Adam's learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 1e-3;

    @Option(names = "--clip", description = "gradient-norm clip (default: ${DEFAULT-VALUE})")
    double clip = 1;

    @Option(names = "--eval-every", description = "steps between test evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery = 250;

    @Option(names = "--test-size", description = "test sequences (default: ${DEFAULT-VALUE})")
    int testSize = 1000;

    @Option(names = "--probe-every", description = "steps between probes; 0 probes only at init (default: ${DEFAULT-VALUE})")
    int probeEvery = 250;

    @Option(names = "--probe-size", description = "probe sequences (default: ${DEFAULT-VALUE})")
    int probeSize = 128;

    @Option(names = "--split-every", description = "steps between the t at which ||d pred/d h_t|| is measured (default: ${DEFAULT-VALUE})")
    int splitEvery = 25;

    // ---- hypotheses: initial values only, applied after all random draws ----

    @Option(names = "--z-bias", description = "added to bias_ih of the z block at init (default: ${DEFAULT-VALUE})")
    float zBias = 0;

    @Option(names = "--hh-scale", description = "W_hh multiplied by this at init (default: ${DEFAULT-VALUE})")
    float hhScale = 1;

    @Option(names = "--bias-scale", description = "every layer bias multiplied by this at init (default: ${DEFAULT-VALUE})")
    float biasScale = 1;

    public static void main(String[] args) {
        System.exit(new CommandLine(new RagDiagnosis()).execute(args));
    }

    private int rows;
    private int zBlock;   // the z block's index in the gate layout

    @Override
    public Integer call() {
        if (cell != CellType.RAG_MINIMAL && cell != CellType.RAG_GRU && cell != CellType.GRU) {
            throw new IllegalArgumentException("--cell = " + cell + ", expected RAG_MINIMAL, RAG_GRU or GRU");
        }
        OpenBlas.load().ifPresent(b -> OpenBlas.setThreads(1));
        int in = Tasks.Adding.INPUT_SIZE;
        layout();
        // As TrainCommand.train: three streams from the seed (weights, head, data), the same draws in the same order,
        // and the same Trainer step.
        SplittableRandom random = new SplittableRandom(seed);
        long headSeed = random.split().nextLong();
        long dataSeed = random.split().nextLong();
        LayerWeights initial = TorchInit.weights(cell, in, hidden, random);
        float[] initialWHh = initial.recurrentWeights();
        float[] initialBIh = initial.inputBias();
        float[] initialBHh = initial.recurrentBias();
        applyHypotheses(initialWHh, initialBIh, initialBHh);
        TrainingModel model;
        try (RecurrentModel layers = RecurrentModel.of(false,
                List.of(build(initial.inputWeights(), initialWHh, initialBIh, initialBHh)))) {
            model = TrainingModel.of(layers, LinearHead.create(hidden, 1, headSeed), TrainingModel.HeadOn.LAST_STEP);
        }
        // The model's live arrays (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0), which the probes read.
        List<Parameter> parameters = model.parameters();
        float[] wIh = parameters.get(0).value();
        float[] wHh = parameters.get(1).value();
        float[] bIh = parameters.get(2).value();
        float[] bHh = parameters.get(3).value();
        LinearHead head = model.head();
        Trainer trainer = new Trainer(model, new Adam(parameters, learningRate), clip, batch, steps);
        MeanSquaredError mse = new MeanSquaredError(1, Loss.Over.EVERY_STEP);

        Tasks.Adding data = Tasks.adding(steps, dataSeed);
        Tasks.Adding testData = Tasks.adding(steps, dataSeed + 7919);
        float[] x = new float[steps * batch * in];
        float[] y = new float[batch];
        float[] testX = new float[steps * testSize * in];
        float[] testY = new float[testSize];
        testData.next(testSize, testX, testY);
        // The probe batch: a stream of its own, so that probing leaves the training data untouched.
        float[] probeX = new float[steps * probeSize * in];
        float[] probeY = new float[probeSize];
        Tasks.adding(steps, dataSeed + 104729).next(probeSize, probeX, probeY);


        System.out.printf(Locale.ROOT, "%s T=%d H=%d batch %d lr %s clip %s seed %d; init: z-bias %s, hh-scale %s, bias-scale %s;"
                        + " probe %d sequences%n", cell, steps, hidden, batch, learningRate, clip, seed, zBias, hhScale,
                biasScale, probeSize);
        printLegend();
        probe(0, wIh, wHh, bIh, bHh, head, probeX, probeY, Double.NaN);
        TrainCommand.Outcome outcome = new TrainCommand.Outcome();
        GradientNorms norms = new GradientNorms();
        trainer.train(iterations, () -> {
            data.next(batch, x, y);
            return x;
        }, (prediction, t, b, dPrediction) -> mse.compute(prediction, t, b, y, null, dPrediction), p -> {
            norms.add(p.gradNorm(), clip);
            if (p.every(evalEvery)) {
                double testMse = test(wIh, wHh, bIh, bHh, head, testX, testY);
                outcome.evaluated(p.step(), testMse, testMse < TrainCommand.SOLVED);
                System.out.printf(Locale.ROOT, "%-11s T=%-4d step %5d  test MSE %.4f%n", cell, steps, p.step(), testMse);
            }
            if (probeEvery > 0 && p.every(probeEvery)) {
                System.out.printf(Locale.ROOT, "%7d training gradient norm before clipping since the last probe: mean %.3g,"
                        + " max %.3g, clipped on %d of %d steps%n", p.step(), norms.mean(), norms.max, norms.clipped,
                        norms.count);
                probe(p.step(), wIh, wHh, bIh, bHh, head, probeX, probeY, norms.mean());
                norms.clear();
            }
        });
        System.out.println(outcome.solvedAt < 0 ? "not solved" : "solved from step " + outcome.solvedAt);
        return 0;
    }

    /** The training gradients' norms before clipping since the last probe. */
    private static final class GradientNorms {
        double sum;
        double max;
        int count;
        int clipped;

        void add(double norm, double clip) {
            sum += norm;
            max = Math.max(max, norm);
            clipped += norm > clip ? 1 : 0;
            count++;
        }

        double mean() {
            return sum / count;
        }

        void clear() {
            sum = 0;
            max = 0;
            count = 0;
            clipped = 0;
        }
    }

    // The gate layout of --cell and --hidden: G*H rows, z the first block of RAG-minimal, the second of GRU and RAG-GRU.
    void layout() {
        rows = cell.gates() * hidden;
        zBlock = cell == CellType.RAG_MINIMAL ? 0 : 1;
    }

    private void applyHypotheses(float[] wHh, float[] bIh, float[] bHh) {
        for (int i = 0; i < wHh.length; i++) {
            wHh[i] *= hhScale;
        }
        for (int i = 0; i < rows; i++) {
            bIh[i] *= biasScale;
            bHh[i] *= biasScale;
        }
        for (int j = 0; j < hidden; j++) {
            bIh[zBlock * hidden + j] += zBias;
        }
    }

    private void printLegend() {
        System.out.println("""
                probe columns (over all steps t, probe samples b, units j):
                  mse      probe MSE;  gnorm  mean training gradient norm before clipping since the last probe
                  |h|      mean |h_t|;  clip  fraction |h_t| = 1;  |w|  head weight norm
                  az>0     fraction a_z > 0 (RAG: keep h, inhibit n);  |az|  mean |a_z|;  z  GRU: mean sigm(a_z)
                  Sh0      fraction S(h, relu(-a_z)) blocked (|h| <= q);  Sn0  fraction S(n, relu(a_z)) blocked
                  pn>1     fraction |p_n| >= 1 (hardtanh slope 0; GRU: |p_n| > 2, tanh' < 0.07)
                  ph>1     fraction |p_h| >= 1 (the output hardtanh's slope 0)
                  ph~1     fraction 0.9 < |p_h| < 1.1 (near the kink)
                  carry    mean dh'_j/dh_j through the direct path (RAG: 0 or 1; GRU: z)
                  frozen   fraction with h' = h, a_z > 0 and the write blocked (|n| <= a_z): slope 1, gate and n get 0
                  azDead   fraction with d loss/d a_z = 0 whatever the upstream gradient (RAG)
                  dx1 dx2  mean d pred/d x_value at the first / second marker (solved: 1, 1);  dx0  mean |.| elsewhere
                  check    max |h recomputed in double - kernel h|""");
        System.out.println("   step    mse   gnorm   |h|  clip    |w|  az>0  |az|     z   Sh0   Sn0  pn>1  ph>1  ph~1 carry"
                + " frozen azDead     dx1     dx2     dx0   check");
    }

    // ---- the probe ----

    private void probe(int it, float[] wIh, float[] wHh, float[] bIh, float[] bHh, LinearHead head,
                       float[] probeX, float[] probeY, double gradNorm) {
        int p = probeSize, ph = p * hidden, in = Tasks.Adding.INPUT_SIZE;
        TrainingLayer layer;
        try (RecurrentLayer current = build(wIh, wHh, bIh, bHh)) {
            layer = TrainingLayer.of(current);
        }
        ParameterGradients scratch = layer.newGradients();
        // A copy of the head: its backward adds to its own gradients, which must not leak into training's.
        LinearHead probeHead = LinearHead.of(hidden, 1, head.weight(), head.bias());
        float[] out = new float[steps * ph];
        TrainingState state = layer.newState(p);
        layer.forward(probeX, steps, state, out);
        float[] pred = new float[p];
        probeHead.forward(out, (steps - 1) * ph, p, pred, 0);
        double mse = 0;
        for (int b = 0; b < p; b++) {
            mse += (pred[b] - probeY[b]) * (pred[b] - probeY[b]);
        }
        mse /= p;
        // d pred_b / d(everything), samples independent: upstream 1 per sample.
        float[] ones = new float[p];
        Arrays.fill(ones, 1f);
        float[] dLast = new float[ph];
        probeHead.backward(ones, 0, p, dLast, 0);
        float[] dInput = new float[steps * p * in];
        float[] dH0 = new float[ph];
        layer.backward(state, null, dLast, null, dInput, dH0, null, scratch);
        double dx1 = 0, dx2 = 0, dx0 = 0;
        int others = 0;
        for (int b = 0; b < p; b++) {
            boolean firstSeen = false;
            for (int t = 0; t < steps; t++) {
                int at = (t * p + b) * in;
                double d = dInput[at];
                if (probeX[at + 1] == 1f) {
                    if (!firstSeen) {
                        dx1 += d;
                        firstSeen = true;
                    } else {
                        dx2 += d;
                    }
                } else {
                    dx0 += Math.abs(d);
                    others++;
                }
            }
        }
        Stats s = gateStats(wIh, wHh, bIh, bHh, probeX, out);
        float[] w = head.weight();
        double wn = 0;
        for (float v : w) {
            wn += v * v;
        }
        System.out.printf(Locale.ROOT, "%7d %6.4f %7.3f %5.3f %5.3f %6.3f %5.3f %5.3f %5.3f %5.3f %5.3f %5.3f %5.3f %5.3f %5.3f"
                        + " %6.3f %6.3f %7.4f %7.4f %7.5f %7.1e%n",
                it, mse, gradNorm, s.meanAbsH, s.atClip, Math.sqrt(wn), s.azPositive, s.meanAbsAz, s.meanZ, s.hBlocked,
                s.nBlocked, s.pnSaturated, s.phSaturated, s.phNearKink, s.carry, s.frozen, s.azDead, dx1 / p, dx2 / p,
                dx0 / others, s.check);
        // ||d pred / d h_t||: dInitialH of the suffix t..T-1 started from the probe's h_t (t = 0: the full backward).
        StringBuilder flow = new StringBuilder(String.format(Locale.ROOT, "%7d ||dpred/dh_t|| (rms over samples):", it));
        float[] dInit = new float[ph];
        for (int t = 0; t < steps; t += splitEvery) {
            float[] d;
            if (t == 0) {
                d = dH0;
            } else {
                TrainingState suffix = layer.newState(p);
                suffix.setHidden(Arrays.copyOfRange(out, (t - 1) * ph, t * ph));
                float[] suffixX = Arrays.copyOfRange(probeX, t * p * in, steps * p * in);
                float[] suffixOut = new float[(steps - t) * ph];
                layer.forward(suffixX, steps - t, suffix, suffixOut);
                layer.backward(suffix, null, dLast, null, null, dInit, null, scratch);
                d = dInit;
            }
            double sum = 0;
            for (float v : d) {
                sum += v * v;
            }
            flow.append(String.format(Locale.ROOT, " t%d=%.3g", t, Math.sqrt(sum / p)));
        }
        double last = 0;
        for (float v : dLast) {
            last += v * v;
        }
        flow.append(String.format(Locale.ROOT, " t%d=%.3g", steps, Math.sqrt(last / p)));
        System.out.println(flow);
    }

    record Stats(double meanAbsH, double atClip, double azPositive, double meanAbsAz, double meanZ,
                 double hBlocked, double nBlocked, double pnSaturated, double phSaturated, double phNearKink,
                 double carry, double frozen, double azDead, double check) {
    }

    // Recomputes every step's pre-activations in double from the weights and the kernel's h_t (CELLS.md's equations).
    Stats gateStats(float[] wIh, float[] wHh, float[] bIh, float[] bHh, float[] probeX, float[] out) {
        int p = probeSize, n = hidden, in = Tasks.Adding.INPUT_SIZE;
        double absH = 0, clip = 0, azPos = 0, absAz = 0, zSum = 0, hBlocked = 0, nBlocked = 0, pnSat = 0, phSat = 0;
        double phNear = 0, carry = 0, frozen = 0, azDead = 0, check = 0;
        double[] pre = new double[rows * 2];   // gi + b_ih, then gh + b_hh
        double[] h = new double[n];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < p; b++) {
                for (int j = 0; j < n; j++) {
                    h[j] = t == 0 ? 0 : out[((t - 1) * p + b) * n + j];
                }
                int xa = (t * p + b) * in;
                for (int k = 0; k < rows; k++) {
                    double gi = bIh[k];
                    for (int i = 0; i < in; i++) {
                        gi += wIh[k * in + i] * (double) probeX[xa + i];
                    }
                    double gh = bHh[k];
                    for (int i = 0; i < n; i++) {
                        gh += wHh[k * n + i] * h[i];
                    }
                    pre[k] = gi;
                    pre[rows + k] = gh;
                }
                for (int j = 0; j < n; j++) {
                    double hPrev = h[j];
                    int z = zBlock * n + j, c = (cell.gates() - 1) * n + j;
                    double az = pre[z] + pre[rows + z];
                    double hNew;
                    if (cell == CellType.GRU) {
                        double r = sigm(pre[j] + pre[rows + j]);
                        double pn = pre[c] + r * pre[rows + c];
                        double zz = sigm(az);
                        hNew = (1 - zz) * Math.tanh(pn) + zz * hPrev;
                        zSum += zz;
                        carry += zz;
                        pnSat += Math.abs(pn) > 2 ? 1 : 0;
                    } else {
                        double pn = cell == CellType.RAG_GRU
                                ? pre[c] + inhibit(pre[rows + c], Math.max(-(pre[j] + pre[rows + j]), 0))
                                : pre[c] + pre[rows + c];
                        double cand = hardtanh(pn);
                        double qh = Math.max(-az, 0), qn = Math.max(az, 0);
                        double p2 = inhibit(hPrev, qh) + inhibit(cand, qn);
                        hNew = hardtanh(p2);
                        boolean hPasses = Math.abs(hPrev) > qh, nPasses = Math.abs(cand) > qn, inside = Math.abs(p2) < 1;
                        hBlocked += hPasses ? 0 : 1;
                        nBlocked += nPasses ? 0 : 1;
                        pnSat += Math.abs(pn) >= 1 ? 1 : 0;
                        phSat += inside ? 0 : 1;
                        phNear += Math.abs(Math.abs(p2) - 1) < 0.1 ? 1 : 0;
                        carry += inside && hPasses ? 1 : 0;
                        // h' = h with the write fully inhibited: carries dL/dh at slope 1, but its gate and candidate get 0
                        frozen += inside && hPasses && az > 0 && !nPasses ? 1 : 0;
                        // a_z is differentiated through S(h, q_h) when a_z < 0 and h passes, through S(n, q_n) when a_z > 0 and n passes
                        boolean azLive = inside && ((az < 0 && hPasses) || (az > 0 && nPasses));
                        azDead += azLive ? 0 : 1;
                    }
                    azPos += az > 0 ? 1 : 0;
                    absAz += Math.abs(az);
                    double kernel = out[(t * p + b) * n + j];
                    check = Math.max(check, Math.abs(hNew - kernel));
                    absH += Math.abs(kernel);
                    clip += Math.abs(kernel) >= 1 ? 1 : 0;
                }
            }
        }
        double count = (double) steps * p * n;
        return new Stats(absH / count, clip / count, azPos / count, absAz / count,
                cell == CellType.GRU ? zSum / count : Double.NaN, hBlocked / count,
                nBlocked / count, pnSat / count, phSat / count, phNear / count, carry / count, frozen / count, azDead / count,
                check);
    }

    private static double sigm(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double hardtanh(double v) {
        return Math.min(Math.max(v, -1), 1);
    }

    // S(v, q) = relu(v - q) - relu(-v - q)
    private static double inhibit(double v, double q) {
        return Math.max(v - q, 0) - Math.max(-v - q, 0);
    }

    // As TrainCommand.test: the test MSE with the inference kernels.
    private double test(float[] wIh, float[] wHh, float[] bIh, float[] bHh, LinearHead head, float[] testX, float[] testY) {
        float[] out = new float[steps * testSize * hidden];
        float[] prediction = new float[testSize];
        try (RecurrentLayer layer = build(wIh, wHh, bIh, bHh); LayerState state = layer.newState(testSize)) {
            layer.forward(testX, steps, state, out);
        }
        head.forward(out, (steps - 1) * testSize * hidden, testSize, prediction, 0);
        double sum = 0;
        for (int b = 0; b < testSize; b++) {
            double e = prediction[b] - testY[b];
            sum += e * e;
        }
        return sum / testSize;
    }

    private RecurrentLayer build(float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        return RecurrentLayer.create(LayerWeights.of(cell, Tasks.Adding.INPUT_SIZE, hidden)
                .inputWeights(wIh)
                .recurrentWeights(wHh)
                .biases(bIh, bHh)
                .build(), Blases.get());
    }
}
