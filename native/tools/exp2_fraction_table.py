#!/usr/bin/env python3
"""Tables of avx512/math.h exp_nonpositive_ps (e^x for x <= 0, float32).

x = (k / 32) ln 2 + r with k an integer and |r| <= ln(2) / 64, so e^x = 2^floor(k / 32) *
2^((k mod 32) / 32) * e^r. The tables hold 2^(j / 32), j = 0 .. 31, as T_hi + T_lo: T_hi
rounded to float32, T_lo the rest rounded to float32 (|T_lo| <= 2^-24 T_hi).

Prints the two 32-entry arrays as C++ hex-float initialisers. Needs mpmath.
  python3 native/tools/exp2_fraction_table.py
"""
import mpmath

from float32_table import c_float, print_table, to_float32

mpmath.mp.prec = 200

highs, lows = [], []
for j in range(32):
    exact = mpmath.power(2, mpmath.mpf(j) / 32)
    high = to_float32(exact)
    highs.append(c_float(high))
    lows.append(c_float(to_float32(exact - high)))

for name, values in (('kExp2FractionHigh', highs), ('kExp2FractionLow', lows)):
    print_table(name, values)
