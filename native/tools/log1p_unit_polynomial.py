#!/usr/bin/env python3
"""The polynomial of avx2/math.h log1p_unit_ps: log1p(r) = r + r^2 p(r) for the reduced
argument r of its 8-entry table (log1p_unit_table.py 7), r in [-1/16, 1/14], with
p(r) = -1/2 + c1 r + c2 r^2 + c3 r^3 + c4 r^4.

-1/2 stays exact; c1..c4 are fitted to (log1p(r) - r + r^2/2) / r^3 with the weight r^2, so
that the error of the result relative to r (what log1p(r) is near) is what gets minimised:
weighted least squares over Chebyshev nodes, reweighted by Lawson's rule until it levels out
at the minimax error, then the coefficients are rounded to float32 one at a time, the rest
refitted after each. Prints the float32 coefficients as hex floats and the relative error.
Needs numpy and mpmath.
  python3 native/tools/log1p_unit_polynomial.py
"""
import mpmath
import numpy as np

from float32_table import c_float, to_float32

mpmath.mp.prec = 100
LOW, HIGH = -1 / 16, 1 / 14  # |r| <= 1/16 for j >= 1, r = x in [0, 1/14] for j = 0
DEGREE = 3  # of the fitted part: c1 + c2 r + c3 r^2 + c4 r^3
NODES = 4000
LAWSON_STEPS = 200

nodes = (LOW + HIGH) / 2 + (HIGH - LOW) / 2 * np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)
r = nodes[np.abs(nodes) > 1e-6]  # the target's 0/0 at r = 0 (its limit, 1/3, is smooth)
target = np.array([float((mpmath.log1p(x) - x + mpmath.mpf(x) ** 2 / 2) / mpmath.mpf(x) ** 3) for x in r])
weight = r ** 2
powers = np.vander(r, DEGREE + 1, increasing=True)


def minimax(columns, rhs):
    """Coefficients minimising max |(columns @ c - rhs) * weight| (Lawson's iteration)."""
    lawson = np.ones_like(r)
    for _ in range(LAWSON_STEPS):
        w = np.sqrt(lawson) * weight
        c, *_ = np.linalg.lstsq(columns * w[:, None], rhs * w, rcond=None)
        error = np.abs((columns @ c - rhs) * weight)
        lawson = lawson * error
        lawson /= lawson.sum()
    return c


rounded = []
for k in range(DEGREE + 1):
    rest = minimax(powers[:, k:], target - powers[:, :k] @ np.array(rounded, dtype=float))
    rounded.append(to_float32(rest[0]))

error = np.abs((powers @ np.array(rounded) - target) * weight)
for k, c in enumerate(rounded, start=1):
    print(f'c{k} = {c_float(c)}')
print(f'max error relative to r: {error.max():.3g} (2^{np.log2(error.max()):.1f})')
