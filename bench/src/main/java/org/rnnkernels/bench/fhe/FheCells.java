package org.rnnkernels.bench.fhe;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rnnkernels.CellType;
import org.rnnkernels.bench.fhe.FheCircuit.Count;
import org.rnnkernels.bench.fhe.FheCircuit.Value;

/**
 * One time step of each cell (batch 1, input size {@code I}, hidden size {@code H}) written as a TFHE circuit
 * with {@link FheCircuit}, from the equations of CELLS.md; the RAG cells as the integer kernels compute them
 * ({@code org.rnnkernels.integer.IntRagMinimal} etc.: {@code S}, {@code relu}, {@code hardtanh}; their rescaling
 * shifts are the accumulators' rounding of A1). Every {@link CellType} is either here or in
 * {@link #notCountable()} with its reason ({@code EncryptedCostCountsTest} holds it to that).
 */
public final class FheCells {
    /** The step of one cell on a circuit. */
    @FunctionalInterface
    interface Step {
        void build(FheCircuit f, int input, int hidden);
    }

    /** What the estimate takes for granted, in the words the report prints. */
    public static final List<String> ASSUMPTIONS = List.of(
            "A1: every pre-activation accumulator (W x + U h + b, weights and biases plaintext integers) is rounded "
                    + "into the working width B before its first lookup table, and that rounding is not counted; every "
                    + "cell has G*H of them, so it shifts all cells alike.",
            "A2: x, h and c are encrypted at B bits; a lookup table (PBS) re-quantises its output to B bits; a "
                    + "ciphertext addition or subtraction is one bit wider than its wider operand (exact); plaintext "
                    + "coefficients (negation, MI's alpha and beta, the leak, 1/4) change no width.",
            "A3: a ciphertext-by-ciphertext product is ((a+b)^2 - (a-b)^2)/4: 2 additions, 2 PBS at the width of "
                    + "a+-b, 1 subtraction. 'exact' products are width(a) + width(b) wide, so what reads them (GRU's "
                    + "tanh(gi_n + r*gh_n), the state update) runs wider; 'rounded' products look the squares up "
                    + "already rounded to B bits (approximate, the cheapest a product can be).",
            "A4: RAG's S(v, q) = relu(v - q) - relu(-v - q) is 2 PBS at width(v)+1 and 1 subtraction, exactly as "
                    + "wide as v (at most one term is non-zero); relu(a) and relu(-a) of the same a are 2 PBS (no "
                    + "many-LUT bootstrap); max/min/hardtanh/sigmoid/tanh/threshold of one value are 1 PBS each.",
            "A5: a state that leaves the step wider than B (GRU's h' = n + z*(h - n), LSTM's c' = f*c + i*g) is "
                    + "re-quantised by one PBS so that every step is the same circuit.",
            "A6: a lookup table on a w-bit input is priced at the smallest published precision >= w (a 3-bit "
                    + "table runs with the 4-bit parameter set); wider than the table's widest precision: no price "
                    + "(n/a), never extrapolated. Linear operations (multiply-adds, additions) are priced as one "
                    + "unchecked_add each at B bits (a scalar multiply-add touches the same n+1 words; not measured).",
            "A7: one core, operations one after another (PBS count x price); the critical path is the longest "
                    + "chain of PBS prices, what unboundedly many cores could reach. No keyswitch or PBS batching, no "
                    + "multi-bit PBS, no encryption, decryption or transfer.",
            "A8: EGRU's sparsity gives nothing under encryption: which y_j are zero is secret, so the recurrent "
                    + "product stays dense (its threshold is one univariate PBS on c_pre).");

    /** The RAG paper's encrypted claim (arXiv 2308.05629 v2, abstract): 3-6x faster than GRU/LSTM. */
    public static final String PAPER_CLAIM = "3-6x faster (0.17-0.33 x GRU)";
    /** The same paper's v1 abstract: "by one-third under encryption". */
    public static final String PAPER_V1_CLAIM = "v1: one third less time (~0.67 x GRU)";

    private static final Map<CellType, Step> STEPS = new EnumMap<>(CellType.class);
    private static final Map<CellType, String> NOT_COUNTABLE = new EnumMap<>(CellType.class);

    static {
        // h' = phi(W_ih x + W_hh h + b): one table per unit (tanh and relu cost the same).
        STEPS.put(CellType.RNN_TANH, FheCells::elman);
        STEPS.put(CellType.RNN_RELU, FheCells::elman);
        STEPS.put(CellType.LSTM, lstm(false));
        STEPS.put(CellType.GRU, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n);
            Value r = f.lut(f.matvec(n, x, h));
            Value z = f.lut(f.matvec(n, x, h));
            // n = tanh(gi_n + r*gh_n): gi_n and gh_n are separate accumulators (linear before reset)
            Value cand = f.lut(f.add(f.matvec(n, x), f.product(r, f.matvec(n, h))));
            f.state(gruUpdate(f, z, cand, h));
        });
        STEPS.put(CellType.RAG_GRU, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n);
            Value ar = f.matvec(n, x, h);
            Value az = f.matvec(n, x, h);
            // n = hardtanh(gi_n + S(gh_n, relu(-a_r)))
            Value cand = f.lut(f.add(f.matvec(n, x), f.inhibit(f.matvec(n, h), f.lut(ar))));
            f.state(ragUpdate(f, az, cand, h));
        });
        STEPS.put(CellType.RAG_MINIMAL, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n);
            Value az = f.matvec(n, x, h);
            Value cand = f.lut(f.matvec(n, x, h)); // n = hardtanh(a_n)
            f.state(ragUpdate(f, az, cand, h));
        });
        STEPS.put(CellType.RAG_MINIMAL_LEAKY, (f, i, n) -> {
            // S_l(v, q) = S(v, q) + l (S(v, q/2) - S(v, q)): two inhibitions; hardtanh_l is one table
            Value x = f.input(i), h = f.input(n);
            Value az = f.matvec(n, x, h);
            Value cand = f.lut(f.matvec(n, x, h));
            Value keep = f.lut(az);  // relu(-a_z)
            Value write = f.lut(az); // relu(a_z)
            Value sh = f.add(f.inhibit(h, keep), f.inhibit(h, keep));
            Value sn = f.add(f.inhibit(cand, write), f.inhibit(cand, write));
            f.state(f.lut(f.add(sh, sn)));
        });
        STEPS.put(CellType.RAG_LSTM, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n), c = f.input(n);
            Value ai = f.matvec(n, x, h), af = f.matvec(n, x, h), ag = f.matvec(n, x, h), ao = f.matvec(n, x, h);
            Value forget = f.lut(af);   // relu(-a_f)
            Value open = f.lut(af);     // relu(a_f)
            Value noInput = f.lut(ai);  // relu(-a_i)
            Value g = f.lut(ag);        // hardtanh(a_g)
            // c' = hardtanh(S(c, relu(-a_f)) + S(hardtanh(a_g), relu(a_f) + relu(-a_i)))
            Value cNext = f.state(f.lut(f.add(f.inhibit(c, forget), f.inhibit(g, f.add(open, noInput)))));
            f.state(f.inhibit(cNext, f.lut(ao))); // h' = S(c', relu(-a_o))
        });
        STEPS.put(CellType.MI_RNN, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n);
            f.state(f.lut(mi(f, f.matvec(n, x), f.matvec(n, h))));
        });
        STEPS.put(CellType.MI_LSTM, lstm(true));
        STEPS.put(CellType.MI_GRU, (f, i, n) -> {
            Value x = f.input(i), h = f.input(n);
            Value r = f.lut(mi(f, f.matvec(n, x), f.matvec(n, h)));
            Value z = f.lut(mi(f, f.matvec(n, x), f.matvec(n, h)));
            // block n integrates r*gh_n in place of Uh
            Value cand = f.lut(mi(f, f.matvec(n, x), f.product(r, f.matvec(n, h))));
            f.state(gruUpdate(f, z, cand, h));
        });
        STEPS.put(CellType.EGRU, (f, i, n) -> {
            Value x = f.input(i), y = f.input(n), c = f.input(n);
            Value r = f.lut(f.matvec(n, x, y));
            Value z = f.lut(f.matvec(n, x, y));
            Value g = f.lut(f.add(f.matvec(n, x), f.product(r, f.matvec(n, y))));
            Value cPre = gruUpdate(f, z, g, c); // c_pre = z*c + (1-z)*g = g + z*(c - g)
            f.state(f.lut(cPre)); // y' = c_pre where c_pre > theta, else 0 (theta plaintext): univariate
            f.state(f.lut(cPre)); // c' = c_pre - theta*Hv(c_pre - theta): univariate
        });
    }

    private FheCells() {
    }

    private static void elman(FheCircuit f, int i, int n) {
        f.state(f.lut(f.matvec(n, f.input(i), f.input(n))));
    }

    // c' = f*c + i*g, h' = o*tanh(c'), gates i, f, o sigmoid and g tanh
    private static Step lstm(boolean multiplicative) {
        return (f, i, n) -> {
            Value x = f.input(i), h = f.input(n), c = f.input(n);
            Value[] gate = gates(f, n, x, h, 4, multiplicative);
            Value cNext = f.state(f.add(f.product(gate[1], c), f.product(gate[0], f.lut(gate[2]))));
            f.state(f.product(gate[3], f.lut(cNext)));
        };
    }

    // G gate pre-activations over [x, h]; MI: alpha*(Wx)*(Uh) + beta1*Uh + beta2*Wx + b per block, then its table
    private static Value[] gates(FheCircuit f, int n, Value x, Value h, int blocks, boolean multiplicative) {
        Value[] out = new Value[blocks];
        for (int k = 0; k < blocks; k++) {
            out[k] = multiplicative ? mi(f, f.matvec(n, x), f.matvec(n, h)) : f.matvec(n, x, h);
        }
        // i, f, o: sigmoid tables; g is left to the caller (tanh or hardtanh)
        out[0] = f.lut(out[0]);
        out[1] = f.lut(out[1]);
        out[3] = f.lut(out[3]);
        return out;
    }

    // alpha*(Wx)*(Uh) + beta1*Uh + beta2*Wx (+ b folded in the accumulators)
    private static Value mi(FheCircuit f, Value wx, Value uh) {
        return f.add(f.add(f.product(wx, uh), uh), wx);
    }

    // h' = (1-z)*n + z*h = n + z*(h - n): one product
    private static Value gruUpdate(FheCircuit f, Value z, Value cand, Value h) {
        return f.add(cand, f.product(z, f.add(h, cand)));
    }

    // h' = hardtanh(S(h, relu(-a_z)) + S(n, relu(a_z)))
    private static Value ragUpdate(FheCircuit f, Value az, Value cand, Value h) {
        Value keep = f.lut(az);
        Value write = f.lut(az);
        return f.lut(f.add(f.inhibit(h, keep), f.inhibit(cand, write)));
    }

    /** The cells with a circuit, in declaration order. */
    public static List<CellType> counted() {
        return List.copyOf(STEPS.keySet());
    }

    /** The cells without one, each with why. */
    public static Map<CellType, String> notCountable() {
        return Collections.unmodifiableMap(NOT_COUNTABLE);
    }

    /** One step of {@code cell} at input size {@code input}, hidden size {@code hidden}; empty if not countable. */
    public static Optional<Count> count(CellType cell, int input, int hidden, int bits, boolean exactProducts,
                                        PbsTimings timings) {
        Step step = STEPS.get(cell);
        if (step == null) {
            return Optional.empty();
        }
        if (input < 1 || hidden < 1) {
            throw new IllegalArgumentException("input and hidden: expected >= 1, got " + input + " and " + hidden);
        }
        FheCircuit f = new FheCircuit(bits, exactProducts, timings);
        step.build(f, input, hidden);
        return Optional.of(f.count());
    }
}
