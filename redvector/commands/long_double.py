"""Redis's long double arithmetic for INCRBYFLOAT and HINCRBYFLOAT.

Redis parses both operands with strtold, adds them as C ``long double`` (x87 80-bit extended on x86-64)
and stores the sum as ``%.17Lf`` with the trailing zeros cut (ld2string's LD_STR_HUMAN): never an
exponent, 17 decimals at most, so ``12345678.9`` plus 0 is ``12345678.8999999999996362`` and 1e-300 is
``0``. numpy's ``longdouble`` is the platform's long double, parsed and printed exactly, so the replies
and the stored text are Redis's to the digit.
"""

from __future__ import annotations

import numpy as np

from redvector.commands.args import parse_float
from redvector.errors import RedVectorError

ZERO = np.longdouble(0)


def parse_long_double(arg: bytes, error: RedVectorError | None = None) -> np.longdouble:
    """strtold of ``arg``, refused where Redis refuses it (parse_float's checks: no spaces, no NaN)."""
    value = parse_float(arg, error)
    if b"x" in arg or b"X" in arg:  # hexadecimal: numpy's parser does not read it (a double holds it)
        return np.longdouble(value)
    return np.longdouble(arg.decode("ascii"))


def long_double_text(value: np.longdouble) -> bytes:
    """ld2string(LD_STR_HUMAN): ``%.17Lf``, trailing zeros and a bare point cut, ``-0`` as ``0``."""
    text = np.format_float_positional(value, precision=17, unique=False, fractional=True, trim="k")
    if "." in text:
        text = text.rstrip("0").removesuffix(".")
    return b"0" if text == "-0" else text.encode()


def add(a: np.longdouble, b: np.longdouble) -> np.longdouble | None:
    """a + b, None when the sum is not finite (Redis: "increment would produce NaN or Infinity")."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = a + b
    return total if np.isfinite(total) else None


def is_finite(value: np.longdouble) -> bool:
    return bool(np.isfinite(value))
