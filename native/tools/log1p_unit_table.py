#!/usr/bin/env python3
"""Tables of avx512/math.h log1p_unit_ps (log(1 + e) for e in [0, 1], float32).

u = 1 + e in [1, 2) (clamped below 2) falls in one of 32 intervals [1 + j/32, 1 + (j+1)/32),
j = the top five bits of u's mantissa. Each interval has a reciprocal inv_j of at most six
significant bits (inv_0 = 1), chosen to minimise max |u inv_j - 1| over the interval, so that
r = u inv_j - 1 is exact in float32 (|r| < 2^-5 and u inv_j is a multiple of 2^-29), and
log(1 + e) = L_j + log1p(r) with L_j = -log(inv_j) split as L_hi + L_lo (float32 each).

Prints the three 32-entry arrays as C++ hex-float initialisers. Needs mpmath.
  python3 native/tools/log1p_unit_table.py
"""
from fractions import Fraction
import mpmath

from float32_table import c_float, print_table, to_float32

mpmath.mp.prec = 200

ULP_U = Fraction(1, 2**23)
inverses, highs, lows = [], [], []
for j in range(32):
    lowest = 1 + Fraction(j, 32)
    highest = 1 + Fraction(j + 1, 32) - ULP_U
    if j == 0:
        inv = Fraction(1)
    else:
        inv = min((Fraction(m, 64) for m in range(32, 65)),
                  key=lambda c: max(abs(lowest * c - 1), abs(highest * c - 1)))
    worst = max(abs(lowest * inv - 1), abs(highest * inv - 1))
    assert worst < Fraction(1, 32), (j, worst)  # r exact: |r| < 2^-5
    big_l = -mpmath.log(mpmath.mpf(inv.numerator) / inv.denominator)
    high = to_float32(big_l)
    inverses.append(c_float(to_float32(inv)))
    highs.append(c_float(high))
    lows.append(c_float(to_float32(big_l - high)))

for name, values in (('kLog1pUnitInverse', inverses), ('kLog1pUnitLogHigh', highs), ('kLog1pUnitLogLow', lows)):
    print_table(name, values)
