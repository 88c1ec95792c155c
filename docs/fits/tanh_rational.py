"""Fit of the rational tanh that org.rnnkernels.internal.VectorMath uses.

tanh(x) ~ x * P(x^2) / Q(x^2) on [0, 9], P and Q of degree 4, Q(0) = 1, minimising the largest
absolute error (Lawson's iteratively reweighted least squares on the linearised problem
x P(u) - tanh(x) Q(u) = 0, u = x^2). Then the coefficients are rounded to float and the
approximation is evaluated the way the kernel does (float Horner steps, each a fused
multiply-add rounded once, then x * P, then the division), so the error printed last is the
one the kernel has. Beyond 9 the kernel clamps: 1 - tanh(9) = 3.0e-8.

Run: python3 docs/fits/tanh_rational.py   (numpy)
"""
import numpy as np

LIMIT, DEGREE = 9.0, 4

x = np.linspace(1e-4, LIMIT, 20000)
t, u = np.tanh(x), x * x
weights, q_prev, best = np.ones_like(x), np.ones_like(x), None
for _ in range(60):
    design = np.hstack([np.stack([x * u ** i for i in range(DEGREE + 1)], 1),
                        np.stack([-t * u ** j for j in range(1, DEGREE + 1)], 1)])
    scale = np.sqrt(weights) / q_prev          # divide by Q so that the residual is the error of P/Q
    solution = np.linalg.lstsq(design * scale[:, None], t * scale, rcond=None)[0]
    p, q = solution[:DEGREE + 1], np.concatenate([[1.0], solution[DEGREE + 1:]])
    q_prev = np.polyval(q[::-1], u)
    error = x * np.polyval(p[::-1], u) / q_prev - t
    if best is None or np.abs(error).max() < best[0]:
        best = (np.abs(error).max(), p, q)
    weights = weights * np.abs(error) / np.abs(error).mean()   # Lawson: weight where the error is large
    weights /= weights.sum()

_, p, q = best
p32, q32 = p.astype(np.float32), q.astype(np.float32)
xs = np.linspace(0, LIMIT, 2_000_001).astype(np.float32)
us = (xs * xs).astype(np.float32)


def horner(coefficients, v):
    acc = np.full_like(v, coefficients[-1])
    for c in coefficients[-2::-1]:   # fma(acc, v, c): exact product and sum, one rounding
        acc = (acc.astype(np.float64) * v.astype(np.float64) + np.float64(c)).astype(np.float32)
    return acc


approx = ((xs * horner(p32, us)).astype(np.float32) / horner(q32, us)).astype(np.float32)
worst = np.abs(approx.astype(np.float64) - np.tanh(xs.astype(np.float64)))
print("P:", ", ".join("%.9ef" % c for c in p32))
print("Q:", ", ".join("%.9ef" % c for c in q32))
print("largest error of the fit in double: %.3g" % best[0])
print("largest error evaluated in float:   %.3g at x = %.6g" % (worst.max(), xs[worst.argmax()]))
