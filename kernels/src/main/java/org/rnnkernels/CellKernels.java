package org.rnnkernels;

import org.rnnkernels.cell.GatePass;
import org.rnnkernels.cell.CellPasses;

/** Each cell type's kernels, loaded once per JVM (the first time a layer of that type is built). */
final class CellKernels {
    private static final GatePass[] GATE_PASSES = new GatePass[CellType.values().length];

    private CellKernels() {
    }

    static GatePass gatePass(CellType type) {
        synchronized (GATE_PASSES) {
            GatePass pass = GATE_PASSES[type.ordinal()];
            if (pass == null) {
                pass = CellPasses.gatePass(type.description().kernel());
                GATE_PASSES[type.ordinal()] = pass;
            }
            return pass;
        }
    }
}
