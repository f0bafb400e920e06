"""Helpers of the table and polynomial generators (log1p_unit_table.py, exp2_fraction_table.py,
log1p_unit_polynomial.py): float32 rounding and the C++ hex-float initialisers of the tables in simd/avx512/math.h (32 float
entries, 16 double) and simd/avx2/math.h (8 float)."""
import struct


def to_float32(x):
    """x rounded to the nearest float32, as a Python float."""
    return struct.unpack('f', struct.pack('f', float(x)))[0]


def c_float(x):
    """A float32 value as a C++ hex-float literal (0x1.8p-1f)."""
    return c_double(x) + 'f'


def c_double(x):
    """A float64 value as a C++ hex-float literal (0x1.8p-1)."""
    if x == 0:
        return '0.0'
    mantissa, exponent = float(x).hex().split('p')
    return mantissa.rstrip('0').rstrip('.') + 'p' + exponent


def print_table(name, values, ctype='float'):
    """An alignas(64) array of C++ literals, four to a line."""
    print(f'alignas(64) inline constexpr {ctype} {name}[{len(values)}] = {{')
    for k in range(0, len(values), 4):
        print('    ' + ', '.join(values[k:k + 4]) + ',')
    print('};')
