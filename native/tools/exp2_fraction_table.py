#!/usr/bin/env python3
"""Tables of avx512/math.h exp_nonpositive_ps and exp_nonpositive_pd (e^x for x <= 0): 32
float32 entries (the default) or 16 float64 ones (arguments 16 float64).

With N entries, x = (k / N) ln 2 + r with k an integer and |r| <= ln(2) / (2N), so e^x =
2^floor(k / N) * 2^((k mod N) / N) * e^r. The tables hold 2^(j / N), j = 0 .. N - 1, as
T_hi + T_lo: T_hi rounded to the dtype, T_lo the rest rounded to the dtype (|T_lo| <= half an
ulp of T_hi).

Prints the two N-entry arrays as C++ hex-float initialisers. Needs mpmath.
  python3 native/tools/exp2_fraction_table.py               # exp_nonpositive_ps
  python3 native/tools/exp2_fraction_table.py 16 float64    # exp_nonpositive_pd
"""
import sys

import mpmath

from float32_table import c_double, c_float, print_table, to_float32

mpmath.mp.prec = 200

ENTRIES = int(sys.argv[1]) if len(sys.argv) > 1 else 32
DTYPE = sys.argv[2] if len(sys.argv) > 2 else 'float32'
assert (ENTRIES, DTYPE) in ((32, 'float32'), (16, 'float64'))
to_dtype, c_literal, ctype = (to_float32, c_float, 'float') if DTYPE == 'float32' else (float, c_double, 'double')

highs, lows = [], []
for j in range(ENTRIES):
    exact = mpmath.power(2, mpmath.mpf(j) / ENTRIES)
    high = to_dtype(exact)
    highs.append(c_literal(high))
    lows.append(c_literal(to_dtype(exact - high)))

for name, values in (('kExp2FractionHigh', highs), ('kExp2FractionLow', lows)):
    print_table(name + ('' if DTYPE == 'float32' else 'F64'), values, ctype)
