package org.rnnkernels.product;

/**
 * How many recurrent inputs a state's steps fed a product, and how many of them were nonzero: EGRU's
 * activity, which its column-sparse product ({@link SparseRecurrent}) counts; dense products count nothing.
 * Belongs to one state (one thread at a time).
 */
public final class Activity {
    private long active;
    private long inputs;
    private int lastActive;
    private int lastInputs;

    /** One step: {@code active} of its {@code inputs} recurrent inputs were nonzero. */
    void record(int active, int inputs) {
        lastActive = active;
        lastInputs = inputs;
        this.active += active;
        this.inputs += inputs;
    }

    /** The fraction of nonzero inputs since the last {@link #reset()}; NaN before any step counted. */
    public double fraction() {
        return inputs == 0 ? Double.NaN : (double) active / inputs;
    }

    /** As {@link #fraction()}, for the last step counted alone. */
    public double lastStepFraction() {
        return lastInputs == 0 ? Double.NaN : (double) lastActive / lastInputs;
    }

    /**
     * Adds the counts of {@code parts} (the members of a team that split a call's samples, each counting its
     * own) and resets them; the last step counted is the sum of theirs.
     */
    public void absorb(Activity[] parts) {
        int stepActive = 0, stepInputs = 0;
        for (Activity part : parts) {
            active += part.active;
            inputs += part.inputs;
            stepActive += part.lastActive;
            stepInputs += part.lastInputs;
            part.reset();
        }
        if (stepInputs > 0) {
            lastActive = stepActive;
            lastInputs = stepInputs;
        }
    }

    public void reset() {
        active = inputs = 0;
        lastActive = lastInputs = 0;
    }
}
