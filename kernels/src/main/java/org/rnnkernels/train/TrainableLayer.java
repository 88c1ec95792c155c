package org.rnnkernels.train;

import org.rnnkernels.CellType;

/**
 * A layer a {@link TrainingModel} can stack: a {@link TrainingLayer} (every dense, EGRU and restricted
 * layer) or a {@link TernaryTrainingLayer} (HitNet). The type of
 * {@link TrainingModel#of(boolean, java.util.List, LinearHead, TrainingModel.HeadOn)}'s list; each kind
 * keeps its own forward and backward (a ternary forward takes draws), which the model calls.
 */
public sealed interface TrainableLayer permits TrainingLayer, TernaryTrainingLayer {
    CellType cellType();

    int inputSize();

    int hiddenSize();
}
