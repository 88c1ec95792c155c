package org.rnnkernels.bench.fhe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Published TFHE timings per message precision, read from a small CSV the user can replace
 * ({@code op,precision_bits,milliseconds,parameter_set,source}; {@code #} starts a comment line). {@code op} is
 * {@code ks_pbs} (a keyswitch and a programmable bootstrap: one lookup table) or {@code add} (one ciphertext
 * addition). The bundled file, {@link #BUNDLED}, names its sources, versions and machines.
 *
 * <p>A width without its own row is priced at the smallest published precision that holds it (a 3-bit table
 * runs with the 4-bit parameter set: a parameter set holds any narrower message); a width above the widest row
 * has no price ({@code NaN}), never an extrapolation.
 */
public final class PbsTimings {
    /** The bundled table: TFHE-rs 1.7.0's CPU KS-PBS timings and 0.7.0's unchecked_add (see the file's comments). */
    public static final String BUNDLED = "tfhe-rs-1.7.0-cpu.csv";
    static final String HEADER = "op,precision_bits,milliseconds,parameter_set,source";

    /** One row of the table. */
    public record Row(String op, int bits, double ms, String parameterSet, String source) {
    }

    private final String name;
    private final TreeMap<Integer, Row> pbs = new TreeMap<>();
    private final TreeMap<Integer, Row> add = new TreeMap<>();

    private PbsTimings(String name) {
        this.name = name;
    }

    /** The bundled table. */
    public static PbsTimings bundled() {
        try (InputStream in = PbsTimings.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled timings " + BUNDLED + " are missing from the jar");
            }
            return parse(BUNDLED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled timings " + BUNDLED, e);
        }
    }

    /** Reads {@code file}; a malformed line is refused with the file and line number in the message. */
    public static PbsTimings read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses {@code text}, naming {@code name} and the line number in every error. */
    public static PbsTimings parse(String name, String text) {
        PbsTimings t = new PbsTimings(name);
        String[] lines = text.split("\r?\n", -1);
        boolean header = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = name + ":" + (i + 1) + ": ";
            if (!header) {
                if (!line.equals(HEADER)) {
                    throw new IllegalArgumentException(where + "expected the header '" + HEADER + "', found '" + line + "'");
                }
                header = true;
                continue;
            }
            String[] f = line.split(",", 5);
            if (f.length != 5) {
                throw new IllegalArgumentException(where + "expected 5 comma-separated fields (" + HEADER + "), found "
                        + f.length + ": '" + line + "'");
            }
            String op = f[0].strip();
            Map<Integer, Row> into = switch (op) {
                case "ks_pbs" -> t.pbs;
                case "add" -> t.add;
                default -> throw new IllegalArgumentException(where + "op must be ks_pbs or add, found '" + op + "'");
            };
            int bits;
            double ms;
            try {
                bits = Integer.parseInt(f[1].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + "precision_bits must be an integer, found '" + f[1].strip() + "'");
            }
            try {
                ms = Double.parseDouble(f[2].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + "milliseconds must be a number, found '" + f[2].strip() + "'");
            }
            if (bits < 1 || bits > 64) {
                throw new IllegalArgumentException(where + "precision_bits must be in 1..64, found " + bits);
            }
            if (!(ms > 0) || !Double.isFinite(ms)) {
                throw new IllegalArgumentException(where + "milliseconds must be positive and finite, found " + f[2].strip());
            }
            if (into.put(bits, new Row(op, bits, ms, f[3].strip(), f[4].strip())) != null) {
                throw new IllegalArgumentException(where + "a second " + op + " row for " + bits + " bits");
            }
        }
        if (!header) {
            throw new IllegalArgumentException(name + ": no header line '" + HEADER + "'");
        }
        if (t.pbs.isEmpty()) {
            throw new IllegalArgumentException(name + ": no ks_pbs row (at least one lookup-table timing is needed)");
        }
        return t;
    }

    /** Where the table came from (its file name). */
    public String name() {
        return name;
    }

    /** The lookup-table row that prices a {@code bits}-wide input: the smallest precision >= bits; null if none. */
    public Row pbsRow(int bits) {
        Map.Entry<Integer, Row> e = pbs.ceilingEntry(bits);
        return e == null ? null : e.getValue();
    }

    /** Milliseconds of one KS-PBS on a {@code bits}-wide input; {@code NaN} above the widest published precision. */
    public double pbsMs(int bits) {
        Row r = pbsRow(bits);
        return r == null ? Double.NaN : r.ms();
    }

    /**
     * Milliseconds of one linear ciphertext operation at the circuit's working precision {@code bits}: the
     * {@code add} row for it; 0 when the table has no add rows (the estimate then counts lookup tables only).
     */
    public double addMs(int bits) {
        if (add.isEmpty()) {
            return 0;
        }
        Map.Entry<Integer, Row> e = add.ceilingEntry(bits);
        return e == null ? Double.NaN : e.getValue().ms();
    }

    /** The widest precision with a lookup-table timing. */
    public int widestPbs() {
        return pbs.lastKey();
    }

    /** Every row, lookup tables first. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>(pbs.values());
        out.addAll(add.values());
        return out;
    }

    /** The distinct sources, in table order. */
    public Set<String> sources() {
        Set<String> out = new LinkedHashSet<>();
        rows().forEach(r -> out.add(r.source()));
        return out;
    }
}
