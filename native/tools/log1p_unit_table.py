#!/usr/bin/env python3
"""Tables of log1p_unit_ps / _pd (log(1 + e) for e in [0, 1]): avx512/math.h's, 32 float32
entries (the default) and 16 float64 (arguments 15 float64), and avx2/math.h's, 8 float32
entries (argument 7).

With I intervals (31, 15 or 7), e in [0, 1] falls in one of I + 1 intervals around j/I,
j = round(I e) (edges (j + 1/2)/I). Each has a reciprocal inv_j, the number of the dtype nearest
1 / (1 + j/I) (inv_0 = 1), so that r = (1 + e) inv_j - 1 = e inv_j + (inv_j - 1) lies within
1/(2I) of 0 (2^-5.95 for 31, 2^-4.9 for 15, 2^-3.8 for 7); then log(1 + e) = L_j + log1p(r)
with L_j = -log(inv_j) split as L_hi + L_lo (one number of the dtype each). inv_j - 1 is
tabulated (exact: inv_j is in [1/2, 1]) and inv_j rebuilt from it.

Prints the three (I + 1)-entry arrays as C++ hex-float initialisers. Needs mpmath.
  python3 native/tools/log1p_unit_table.py      # avx512/math.h
  python3 native/tools/log1p_unit_table.py 7    # avx2/math.h
  python3 native/tools/log1p_unit_table.py 15 float64    # avx512/math.h log1p_unit_pd
"""
from fractions import Fraction
import sys

import mpmath

from float32_table import c_double, c_float, print_table, to_float32

mpmath.mp.prec = 200

# j = round(I e) takes I + 1 values on [0, 1]: one table of 32 (VPERMT2PS) or 8 (VPERMPS)
# float32 entries, or of 16 float64 ones (VPERMT2PD)
INTERVALS = int(sys.argv[1]) if len(sys.argv) > 1 else 31
DTYPE = sys.argv[2] if len(sys.argv) > 2 else 'float32'
assert (INTERVALS, DTYPE) in ((31, 'float32'), (7, 'float32'), (15, 'float64'))
to_dtype, c_literal, ctype = (to_float32, c_float, 'float') if DTYPE == 'float32' else (float, c_double, 'double')
inverse_minus_ones, highs, lows = [], [], []
for j in range(INTERVALS + 1):
    inv = Fraction(1) if j == 0 else Fraction(to_dtype(Fraction(INTERVALS, INTERVALS + j)))
    assert Fraction(to_dtype(inv - 1)) == inv - 1  # exact (Sterbenz)
    lowest = max(Fraction(0), Fraction(2 * j - 1, 2 * INTERVALS))
    highest = min(Fraction(1), Fraction(2 * j + 1, 2 * INTERVALS))
    worst = max(abs((1 + lowest) * inv - 1), abs((1 + highest) * inv - 1))
    assert worst <= Fraction(1, 2 * INTERVALS), (j, float(worst))
    big_l = -mpmath.log(mpmath.mpf(inv.numerator) / inv.denominator)
    high = to_dtype(big_l)
    inverse_minus_ones.append(c_literal(to_dtype(inv - 1)))
    highs.append(c_literal(high))
    lows.append(c_literal(to_dtype(big_l - high)))

for name, values in (('kLog1pUnitInverseMinusOne', inverse_minus_ones), ('kLog1pUnitLogHigh', highs),
                     ('kLog1pUnitLogLow', lows)):
    print_table(name + ('' if DTYPE == 'float32' else 'F64'), values, ctype)
