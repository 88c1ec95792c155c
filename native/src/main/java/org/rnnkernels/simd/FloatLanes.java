package org.rnnkernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every Vector API kernel uses, as a constant the JIT can fold.
 * Touch this class only when {@link Simd#kind()} is {@link Simd.Kind#VECTOR}.
 */
public final class FloatLanes {
    public static final VectorSpecies<Float> SPECIES =
            FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Simd.vectorBits()));
    public static final int LANES = SPECIES.length();

    private FloatLanes() {
    }
}
