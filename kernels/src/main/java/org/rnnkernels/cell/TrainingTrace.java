package org.rnnkernels.cell;

/**
 * The arrays of one stream's training forward and backward that a {@link TrainingPass} reads and writes:
 * the view of a training state the cells see (its owner allocates them, grows them, and sets the grown
 * ones here again). For {@code T} steps of {@code B} samples, rows {@code r = t*B + b}:
 * <ul>
 *   <li>{@code gi [T*B][G*H]}: the input projection {@code W_ih x} without bias (row {@code r} at {@code r*G*H});</li>
 *   <li>{@code hs [(T+1)*B][H]}: {@code h_0 .. h_T} ({@code h_t} of row {@code r} at {@code r*H},
 *       {@code h_{t+1}} at {@code (r+B)*H}); {@code cs} likewise for the cell state (null without one);
 *       EGRU's {@code hs} holds its sparse outputs {@code y}, {@code cs} its internal state;</li>
 *   <li>{@code act [T*B][K*H]}: what the training forward keeps for the backward, {@code K} blocks of
 *       {@code H} per row ({@link CellDescription#cacheBlocks()}; each cell's class lists its blocks);</li>
 *   <li>{@code dGi, dGh [T*B][G*H]}: the backward's gradients of the step's products, {@code dL/d(W_ih x)}
 *       and {@code dL/d(W_hh h)}; {@code dPre} the gradient of each pre-activation (MI cells, else null);
 *       {@code dThetaRows [T*B][H]} each row's {@code dL/dtheta} term (EGRU, else null);</li>
 *   <li>per step: {@code gh [B][G*H]} the raw recurrent product {@code W_hh h_t} (scratch), {@code dh [B][H]}
 *       {@code dL/dh_{t+1}} on entry, {@code dc [B][H]} {@code dL/dc_{t+1}} on entry and {@code dL/dc_t}
 *       on exit, {@code dhNext [B][H]} the direct part of {@code dL/dh_t} (not through {@code W_hh}).</li>
 * </ul>
 */
public final class TrainingTrace {
    public final int batch;
    public final int hidden;
    /** {@code G*H}. */
    public final int width;
    /** {@code K*H}. */
    public final int cacheWidth;
    public final float[] gh;
    public final float[] dh;
    public final float[] dhNext;
    public final float[] dc;
    public float[] gi;
    public float[] hs;
    public float[] cs;
    public float[] act;
    public float[] dGi;
    public float[] dGh;
    public float[] dPre;
    public float[] dThetaRows;
    /**
     * EGRU: {@code dL/do} that every firing decision {@code o} of the call takes beside what reaches it through
     * {@code y} and {@code c}: the activity regularisation's, the same for every unit (0 without one). Set by
     * the training forward, read by the backward.
     */
    public float activityGradient;

    public TrainingTrace(int batch, int hidden, int width, int cacheWidth, float[] gh, float[] dh, float[] dhNext, float[] dc) {
        this.batch = batch;
        this.hidden = hidden;
        this.width = width;
        this.cacheWidth = cacheWidth;
        this.gh = gh;
        this.dh = dh;
        this.dhNext = dhNext;
        this.dc = dc;
    }

    /** The arrays that grow with the steps of a call, after they were made anew. */
    public void grown(float[] gi, float[] hs, float[] cs, float[] act, float[] dGi, float[] dGh, float[] dPre,
                      float[] dThetaRows) {
        this.gi = gi;
        this.hs = hs;
        this.cs = cs;
        this.act = act;
        this.dGi = dGi;
        this.dGh = dGh;
        this.dPre = dPre;
        this.dThetaRows = dThetaRows;
    }
}
