package org.rnnkernels.flink;

import java.util.Objects;

/** An event the job did not run, and why (the side output {@link RecurrentStreams#REJECTED}). A Flink POJO. */
public class Rejected {
    /** Why: "wrong feature length: ...", "non-finite feature ...", "unknown key type: ...", ... */
    public String reason;
    /** The event, as its {@code toString()}. */
    public String event;

    public Rejected() {
    }

    public Rejected(String reason, String event) {
        this.reason = reason;
        this.event = event;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rejected r && Objects.equals(reason, r.reason) && Objects.equals(event, r.event);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reason, event);
    }

    @Override
    public String toString() {
        return "Rejected[" + reason + ": " + event + "]";
    }
}
