package org.rnnkernels.blas;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.rnnkernels.simd.FloatLanes;
import org.rnnkernels.simd.Simd;

/**
 * Vector API BLAS. Overrides the unchecked kernels of {@link ScalarBlas}; the checks and the
 * degenerate cases (zero sizes, {@code alpha == 0}) are inherited.
 *
 * <p>GEMM follows the Goto/BLIS layout: {@code op(B)} is packed in {@code KC x NC} blocks of
 * {@code NR}-column panels and {@code op(A)} in {@code MC x KC} blocks of {@code MR}-row panels, so the
 * micro-kernel reads both with unit stride whatever the transposes, and a block of A stays in L2
 * while one B panel ({@code KC x NR}) stays in L1. Panels are zero-padded, so the micro-kernel
 * always computes a full {@code MR x NR} tile; edge tiles are written back through a small buffer.
 *
 * <p>Load only when {@link Simd#kind()} is {@link Simd.Kind#VECTOR}.
 */
public final class VectorBlas extends ScalarBlas {
    private static final VectorSpecies<Float> S = FloatLanes.SPECIES;
    private static final int L = FloatLanes.LANES;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Tile rows: 6 x 2 accumulators + 2 B vectors + 1 broadcast = 15 of the 16 AVX2 registers. */
    static final int MR = 6;
    /** Tile columns: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a packed block: a B panel, KC * NR floats (16 KiB at 256 bits), fits in L1. */
    static final int KC = 256;
    /** Rows of a packed A block: MC * KC floats (96 KiB) stay in L2. */
    static final int MC = 16 * MR;
    /** Columns of a packed B block (bounds the per-thread buffer at KC * NC floats). */
    static final int NC = 2048;

    /** Per-thread packing buffers, grown to the largest block seen, then reused. */
    private static final class Workspace {
        final float[] a = new float[MC * KC];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }

    private static final ThreadLocal<Workspace> WORK = ThreadLocal.withInitial(Workspace::new);

    public VectorBlas() {
        if (Simd.kind() != Simd.Kind.VECTOR) {
            throw new IllegalStateException("VectorBlas needs the Vector API (Simd.kind() is " + Simd.kind() + ")");
        }
    }

    @Override
    public BlasInfo info() {
        return new BlasInfo("java-vector", "pure Java, jdk.incubator.vector",
                "packed GEMM, " + MR + "x" + NR + " micro-kernel, KC=" + KC, Simd.describe(), 1);
    }

    @Override
    protected void sgemmK(boolean transA, boolean transB, int m, int n, int k,
                          float alpha, MemorySegment a, long aOffset, int lda,
                          MemorySegment b, long bOffset, int ldb,
                          float beta, MemorySegment c, long cOffset, int ldc) {
        // No one-row shortcut to GEMV here: every element of C is one FMA chain over k in the same
        // order whatever m is and wherever the row sits, so a row's result does not depend on how
        // many rows the call has. Streaming RNN steps rely on that to reproduce a sequence call.
        Workspace w = WORK.get();
        float[] ap = w.a;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int ncPadded = (nc + NR - 1) / NR * NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // beta applies once, on the first K block; later blocks accumulate (C += ...).
                float betaHere = pc == 0 ? beta : 1f;
                float[] bp = w.b(kc * ncPadded);
                packB(transB, b, bOffset, ldb, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOffset, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bIndex = jr * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            long cIndex = cOffset + (long) (ic + ir) * ldc + jc + jr;
                            kernel(kc, ap, ir * kc, bp, bIndex, alpha, betaHere, c, cIndex, ldc, mr, nr, w.tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[pc : pc+kc, jc : jc+nc]} into {@code NR}-column panels:
     * {@code bp[jr * kc + p * NR + j] = op(B)[pc + p, jc + jr + j]}, zero past column {@code nc}.
     */
    private static void packB(boolean transB, MemorySegment b, long bOffset, int ldb,
                              int pc, int kc, int jc, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = jr * kc;
            if (!transB) {
                // op(B)[p, j] = B[p, j]: a panel row is a contiguous piece of a row of B.
                for (int p = 0; p < kc; p++) {
                    long src = bOffset + (long) (pc + p) * ldb + jc + jr;
                    int dst = base + p * NR;
                    if (nr == NR) {
                        FloatVector.fromMemorySegment(S, b, src * Float.BYTES, NATIVE).intoArray(bp, dst);
                        FloatVector.fromMemorySegment(S, b, (src + L) * Float.BYTES, NATIVE).intoArray(bp, dst + L);
                    } else {
                        for (int j = 0; j < nr; j++) {
                            bp[dst + j] = b.getAtIndex(F, src + j);
                        }
                        for (int j = nr; j < NR; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            } else {
                // op(B)[p, j] = B[j, p]: read each row of B contiguously, scatter down a panel column.
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        long src = bOffset + (long) (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = b.getAtIndex(F, src + p);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(A)[ic : ic+mc, pc : pc+kc]} into {@code MR}-row panels:
     * {@code ap[ir * kc + p * MR + r] = op(A)[ic + ir + r, pc + p]}, zero past row {@code mc}.
     */
    private static void packA(boolean transA, MemorySegment a, long aOffset, int lda,
                              int ic, int mc, int pc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = ir * kc;
            if (!transA) {
                // op(A)[i, p] = A[i, p]: read rows of A contiguously.
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        long src = aOffset + (long) (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = a.getAtIndex(F, src + p);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = 0f;
                        }
                    }
                }
            } else {
                // op(A)[i, p] = A[p, i]: a panel row is a contiguous piece of a row of A.
                for (int p = 0; p < kc; p++) {
                    long src = aOffset + (long) (pc + p) * lda + ic + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = a.getAtIndex(F, src + r);
                    }
                    for (int r = mr; r < MR; r++) {
                        ap[dst + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The {@code MR x NR} micro-kernel: {@code acc[r, j] = sum_p ap[p, r] * bp[p, j]}, then
     * {@code C[r, j] = alpha * acc[r, j] + beta * C[r, j]} for {@code r < mr, j < nr} (C not read when beta is 0).
     * Twelve independent accumulators hide the FMA latency (two FMA units, 4-5 cycles each).
     */
    private static void kernel(int kc, float[] ap, int aIndex, float[] bp, int bIndex,
                               float alpha, float beta, MemorySegment c, long cIndex, int ldc,
                               int mr, int nr, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        // Indices linear in p, so C2 can hoist the array range checks out of the loop.
        for (int p = 0; p < kc; p++) {
            int ai = aIndex + p * MR;
            int bi = bIndex + p * NR;
            // acc[r, :] += ap[p, r] * bp[p, :]
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        // Spill the accumulators to the tile before touching C: passing vectors to a call C2 does not
        // inline would box them.
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        writeTile(tile, alpha, beta, c, cIndex, ldc, mr, nr);
    }

    /**
     * {@code C[r, j] = alpha * tile[r, j] + beta * C[r, j]} for {@code r < mr, j < nr}; C not read
     * when beta is 0. Edge tiles (only the rows and columns that exist) go element by element.
     */
    private static void writeTile(float[] tile, float alpha, float beta, MemorySegment c, long cIndex, int ldc,
                                  int mr, int nr) {
        if (mr == MR && nr == NR) {
            FloatVector alphaV = FloatVector.broadcast(S, alpha);
            FloatVector betaV = FloatVector.broadcast(S, beta);
            for (int r = 0; r < MR; r++) {
                long row = (cIndex + (long) r * ldc) * Float.BYTES;
                for (int h = 0; h < NR; h += L) {
                    long o = row + (long) h * Float.BYTES;
                    FloatVector v = FloatVector.fromArray(S, tile, r * NR + h).mul(alphaV);
                    if (beta != 0f) {
                        v = FloatVector.fromMemorySegment(S, c, o, NATIVE).fma(betaV, v);
                    }
                    v.intoMemorySegment(c, o, NATIVE);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            long row = cIndex + (long) r * ldc;
            for (int j = 0; j < nr; j++) {
                float old = beta == 0f ? 0f : beta * c.getAtIndex(F, row + j);
                c.setAtIndex(F, row + j, alpha * tile[r * NR + j] + old);
            }
        }
    }

    @Override
    protected void sgemvK(boolean trans, int m, int n,
                          float alpha, MemorySegment a, long aOffset, int lda,
                          MemorySegment x, long xOffset,
                          float beta, MemorySegment y, long yOffset) {
        if (!trans) {
            gemvRows(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        } else {
            gemvColumns(m, n, alpha, a, aOffset, lda, x, xOffset, beta, y, yOffset);
        }
    }

    /** {@code y[i] = alpha * (A[i, :] . x) + beta * y[i]}, four rows at a time so each x vector is loaded once per four FMAs. */
    private static void gemvRows(int m, int n, float alpha, MemorySegment a, long aOffset, int lda,
                                 MemorySegment x, long xOffset, float beta, MemorySegment y, long yOffset) {
        int bound = S.loopBound(n);
        long xb = xOffset * Float.BYTES;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            long r0 = (aOffset + (long) i * lda) * Float.BYTES;
            long r1 = r0 + (long) lda * Float.BYTES;
            long r2 = r1 + (long) lda * Float.BYTES;
            long r3 = r2 + (long) lda * Float.BYTES;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += L) {
                long o = (long) j * Float.BYTES;
                FloatVector xv = FloatVector.fromMemorySegment(S, x, xb + o, NATIVE);
                s0 = FloatVector.fromMemorySegment(S, a, r0 + o, NATIVE).fma(xv, s0);
                s1 = FloatVector.fromMemorySegment(S, a, r1 + o, NATIVE).fma(xv, s1);
                s2 = FloatVector.fromMemorySegment(S, a, r2 + o, NATIVE).fma(xv, s2);
                s3 = FloatVector.fromMemorySegment(S, a, r3 + o, NATIVE).fma(xv, s3);
            }
            float d0 = s0.reduceLanes(VectorOperators.ADD);
            float d1 = s1.reduceLanes(VectorOperators.ADD);
            float d2 = s2.reduceLanes(VectorOperators.ADD);
            float d3 = s3.reduceLanes(VectorOperators.ADD);
            for (; j < n; j++) {
                float xj = x.getAtIndex(F, xOffset + j);
                d0 += a.get(F, r0 + (long) j * Float.BYTES) * xj;
                d1 += a.get(F, r1 + (long) j * Float.BYTES) * xj;
                d2 += a.get(F, r2 + (long) j * Float.BYTES) * xj;
                d3 += a.get(F, r3 + (long) j * Float.BYTES) * xj;
            }
            setY(y, yOffset + i, alpha * d0, beta);
            setY(y, yOffset + i + 1, alpha * d1, beta);
            setY(y, yOffset + i + 2, alpha * d2, beta);
            setY(y, yOffset + i + 3, alpha * d3, beta);
        }
        for (; i < m; i++) {
            long r0 = (aOffset + (long) i * lda) * Float.BYTES;
            // Two accumulators: one FMA chain would wait on its own latency.
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                long o = (long) j * Float.BYTES;
                s0 = FloatVector.fromMemorySegment(S, a, r0 + o, NATIVE)
                        .fma(FloatVector.fromMemorySegment(S, x, xb + o, NATIVE), s0);
                s1 = FloatVector.fromMemorySegment(S, a, r0 + o + (long) L * Float.BYTES, NATIVE)
                        .fma(FloatVector.fromMemorySegment(S, x, xb + o + (long) L * Float.BYTES, NATIVE), s1);
            }
            for (; j < bound; j += L) {
                long o = (long) j * Float.BYTES;
                s0 = FloatVector.fromMemorySegment(S, a, r0 + o, NATIVE)
                        .fma(FloatVector.fromMemorySegment(S, x, xb + o, NATIVE), s0);
            }
            float d = s0.add(s1).reduceLanes(VectorOperators.ADD);
            for (; j < n; j++) {
                d += a.get(F, r0 + (long) j * Float.BYTES) * x.getAtIndex(F, xOffset + j);
            }
            setY(y, yOffset + i, alpha * d, beta);
        }
    }

    private static void setY(MemorySegment y, long index, float value, float beta) {
        float old = beta == 0f ? 0f : beta * y.getAtIndex(F, index);
        y.setAtIndex(F, index, value + old);
    }

    /**
     * {@code y = beta * y + alpha * A^T x}, in axpy form: {@code y[:] += (alpha * x[i]) * A[i, :]},
     * four rows of A per pass so each y vector is loaded and stored once per four FMAs.
     */
    private static void gemvColumns(int m, int n, float alpha, MemorySegment a, long aOffset, int lda,
                                    MemorySegment x, long xOffset, float beta, MemorySegment y, long yOffset) {
        scaleMatrix(1, n, beta, y, yOffset, n);
        int bound = S.loopBound(n);
        long yb = yOffset * Float.BYTES;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            float x0 = alpha * x.getAtIndex(F, xOffset + i);
            float x1 = alpha * x.getAtIndex(F, xOffset + i + 1);
            float x2 = alpha * x.getAtIndex(F, xOffset + i + 2);
            float x3 = alpha * x.getAtIndex(F, xOffset + i + 3);
            FloatVector x0v = FloatVector.broadcast(S, x0), x1v = FloatVector.broadcast(S, x1);
            FloatVector x2v = FloatVector.broadcast(S, x2), x3v = FloatVector.broadcast(S, x3);
            long r0 = (aOffset + (long) i * lda) * Float.BYTES;
            long r1 = r0 + (long) lda * Float.BYTES;
            long r2 = r1 + (long) lda * Float.BYTES;
            long r3 = r2 + (long) lda * Float.BYTES;
            int j = 0;
            for (; j < bound; j += L) {
                long o = (long) j * Float.BYTES;
                FloatVector yv = FloatVector.fromMemorySegment(S, y, yb + o, NATIVE);
                yv = FloatVector.fromMemorySegment(S, a, r0 + o, NATIVE).fma(x0v, yv);
                yv = FloatVector.fromMemorySegment(S, a, r1 + o, NATIVE).fma(x1v, yv);
                yv = FloatVector.fromMemorySegment(S, a, r2 + o, NATIVE).fma(x2v, yv);
                yv = FloatVector.fromMemorySegment(S, a, r3 + o, NATIVE).fma(x3v, yv);
                yv.intoMemorySegment(y, yb + o, NATIVE);
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                float yj = y.get(F, yb + o);
                yj += x0 * a.get(F, r0 + o) + x1 * a.get(F, r1 + o) + x2 * a.get(F, r2 + o) + x3 * a.get(F, r3 + o);
                y.set(F, yb + o, yj);
            }
        }
        for (; i < m; i++) {
            float xi = alpha * x.getAtIndex(F, xOffset + i);
            FloatVector xv = FloatVector.broadcast(S, xi);
            long r0 = (aOffset + (long) i * lda) * Float.BYTES;
            int j = 0;
            for (; j < bound; j += L) {
                long o = (long) j * Float.BYTES;
                FloatVector yv = FloatVector.fromMemorySegment(S, y, yb + o, NATIVE);
                FloatVector.fromMemorySegment(S, a, r0 + o, NATIVE).fma(xv, yv).intoMemorySegment(y, yb + o, NATIVE);
            }
            for (; j < n; j++) {
                long o = (long) j * Float.BYTES;
                y.set(F, yb + o, y.get(F, yb + o) + xi * a.get(F, r0 + o));
            }
        }
    }
}
